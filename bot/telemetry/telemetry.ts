import { createRequire, syncBuiltinESMExports } from 'node:module';
import { AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import { context, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { QueryStrippingSpanProcessor } from './query-stripping-processor.js';

/**
 * Application Insights request and dependency telemetry, set up in code so that no URL reaches it
 * with its query string (authorisation codes, sign-in tickets and consent `state` travel there).
 *
 * Built from Microsoft's Azure Monitor exporter and the two OpenTelemetry instrumentations the app
 * needs (node:http and node:https for incoming requests and outgoing calls, undici for fetch), not
 * from the `@azure/monitor-opentelemetry` distro: the distro bundles the same exporter with the
 * OpenTelemetry Node SDK and its OTLP, Zipkin and Prometheus exporters and instrumentations for
 * databases and loggers we do not use, three times the size in the deployment artifact. Its
 * `instrumentationOptions.http` would accept the same hooks; a span processor covers every
 * instrumentation at once.
 */

export type TelemetryRole = 'server' | 'worker';

export interface TelemetryOptions {
  /** Application Insights connection string; the exporter sends to its ingestion endpoint. */
  connectionString: string;
  role: TelemetryRole;
  /** Where finished spans go instead of Application Insights (tests read them from memory). */
  exporter?: SpanExporter;
}

export interface Telemetry {
  /** Sends what is buffered, then stops collecting. */
  shutdown(): Promise<void>;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const exporter =
    options.exporter ?? new AzureMonitorTraceExporter({ connectionString: options.connectionString });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `cloud-sync-${options.role}` }),
    // The stripping processor runs at each span's end, before any exporter is handed the span.
    spanProcessors: [new QueryStrippingSpanProcessor(), new BatchSpanProcessor(exporter)],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
  });
  // The http instrumentation patches node:http and node:https when they are next required. ESM
  // imports of them never pass through `require` (without OpenTelemetry's ESM loader hook, which
  // this app does not use), and they may all have happened already, so they are required once here:
  // the patch lands on the module objects every default import shares, and syncing the built-in ES
  // modules carries it to named imports (`import { request } from 'node:http'`) too. Incoming
  // requests are seen through the patched `Server.prototype.emit`; undici (fetch) is observed
  // through diagnostics channels and needs no patch.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();

  return {
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

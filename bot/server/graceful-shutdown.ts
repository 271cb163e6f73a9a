import type { Logger } from '../logging/logger.js';
import type { HttpServer } from './http-server.js';

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export interface GracefulShutdownOptions {
  http: HttpServer;
  logger: Logger;
  /** Run in order after HTTP has drained: stop the worker (finishing its page), then close the store. */
  steps: ShutdownStep[];
  timeoutMs: number;
  /** Polls in-flight requests at this interval while draining. */
  pollMs?: number;
}

/**
 * Stop accepting connections, let in-flight requests finish, then run the shutdown steps in order.
 * Resolves with `true` when everything finished within `timeoutMs`; a step still running then is
 * left behind (the process exits), so the shutdown never outlasts `timeoutMs`.
 */
export async function shutDownGracefully(options: GracefulShutdownOptions): Promise<boolean> {
  const { http, logger, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
  // Keep-alive sockets would otherwise hold `close` open until they time out.
  http.server.server.closeIdleConnections?.();

  while (http.inFlight() > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
  }
  const drained = http.inFlight() === 0;
  if (!drained)
    logger.warn({ inFlight: http.inFlight() }, 'shutdown timeout reached with requests in flight');
  http.server.server.closeAllConnections?.();
  await closed;

  let clean = drained;
  for (const step of options.steps) {
    try {
      // The same deadline bounds the steps: App Service kills the process when its window ends anyway.
      await untilDeadline(step.run(), deadline, step.name);
    } catch (err) {
      clean = false;
      logger.error(
        { step: step.name, err: err instanceof Error ? err.message : String(err) },
        'shutdown step failed',
      );
    }
  }
  return clean;
}

function untilDeadline(work: Promise<void>, deadline: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} still running at the shutdown timeout`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Wires SIGTERM/SIGINT to `shutdown` once; a second signal forces exit. */
export function onTerminationSignals(shutdown: () => Promise<boolean>, logger: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    shutdown().then(
      (clean) => process.exit(clean ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

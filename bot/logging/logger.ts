import { pino, transport, type Logger, type LoggerOptions } from 'pino';
import { redactValue, scrubText } from './redact.js';

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
  /** A destination for tests that read what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const base: LoggerOptions = {
    name: options.name ?? 'cloud-sync',
    level: options.level ?? 'info',
    // Every line passes through redact.ts: secret keys at any depth, token shapes inside any string.
    formatters: { log: (obj) => redactValue(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubText(a) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  if (options.destination) return pino(base, options.destination);
  // pino-pretty is a devDependency: loaded by name in pino's transport thread, only when asked for, so
  // production (JSON logs) never needs it installed.
  if (options.pretty)
    return pino(
      base,
      transport({ target: 'pino-pretty', options: { colorize: false, ignore: 'pid,hostname' } }),
    );
  return pino(base);
}

export type { Logger };

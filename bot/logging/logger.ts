import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

/**
 * Paths pino removes before anything is written. Tokens, secrets, authorization headers and message
 * bodies never reach a log; anything that carries one goes under one of these names.
 */
export const REDACT_PATHS = [
  'authorization',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'code',
  'code_verifier',
  'assertion',
  'body',
  'bodyPreview',
  'uniqueBody',
  'cookie',
  'clientState',
  'key',
  'encryptionKey',
  'TOKEN_ENCRYPTION_KEY',
  'TOKEN_ENCRYPTION_PREVIOUS_KEYS',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'DATABASE_URL',
  'AAD_APP_CLIENT_SECRET',
  'BOT_PASSWORD',
  'DATABASE_URL',
];

const redactPaths = [
  ...REDACT_PATHS,
  ...REDACT_PATHS.map((p) => `*.${p}`),
  ...REDACT_PATHS.map((p) => `*.*.${p}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.Authorization',
];

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
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino(base, pretty({ sync: true, colorize: false, ignore: 'pid,hostname' }));
  return pino(base);
}

export type { Logger };

import { LogLevel, type NodeSystemOptions } from '@azure/msal-node';
import type { Logger } from './logger.js';

/**
 * msal-node's own log lines (a refused authority, a failed cache write, a retried request) at warning and
 * above, into our logger, whose redaction scrubs any token that msal quotes. Personal data stays off at the
 * source (`piiLoggingEnabled: false`).
 */
export function msalLoggerOptions(logger: Logger): NonNullable<NodeSystemOptions['loggerOptions']> {
  const log = logger.child({ component: 'msal' });
  return {
    piiLoggingEnabled: false,
    logLevel: LogLevel.Warning,
    loggerCallback: (level, message) => {
      if (level === LogLevel.Error) log.error(message);
      else if (level === LogLevel.Warning) log.warn(message);
    },
  };
}

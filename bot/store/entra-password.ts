import { AuthError, ManagedIdentityApplication } from '@azure/msal-node';
import type { Logger } from '../logging/logger.js';
import { msalLoggerOptions } from '../logging/msal-log.js';

/**
 * PostgreSQL sign-in with Microsoft Entra: Azure Database for PostgreSQL takes an Entra access token for
 * this resource as the password of a role that maps to the Entra principal. The token comes from the
 * App Service managed identity through msal-node, which caches it and fetches a new one before it
 * expires; node-postgres asks for the password afresh on every new connection, so a pool never
 * presents an expired token.
 */
export const POSTGRES_ENTRA_RESOURCE = 'https://ossrdbms-aad.database.windows.net';

export interface EntraPasswordOptions {
  /** Client id of a user-assigned managed identity; unset means the app's system-assigned identity. */
  clientId?: string;
  /** Where msal's own warnings and errors go (redacted like every log line). */
  logger?: Logger;
}

/** Anything that hands out access tokens for a resource, as msal's ManagedIdentityApplication does. */
export interface TokenSource {
  acquireToken(request: { resource: string }): Promise<{ accessToken: string }>;
}

export class EntraPasswordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntraPasswordError';
  }
}

/**
 * The App Service managed identity as a token source. Without IDENTITY_ENDPOINT and IDENTITY_HEADER
 * msal would fall back to the virtual machine metadata address; refusing here says what is missing.
 */
export function managedIdentityTokenSource(options: EntraPasswordOptions = {}): TokenSource {
  // msal reads both from the process environment, as App Service sets them.
  const missing = ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new EntraPasswordError(
      `DATABASE_AUTH=entra needs the App Service managed identity, but ${missing.join(' and ')} ${
        missing.length > 1 ? 'are' : 'is'
      } not set: turn on a managed identity for the app (App Service sets both)`,
    );
  }
  return new ManagedIdentityApplication({
    ...(options.clientId ? { managedIdentityIdParams: { userAssignedClientId: options.clientId } } : {}),
    ...(options.logger ? { system: { loggerOptions: msalLoggerOptions(options.logger) } } : {}),
  });
}

/** Only the error's code and text: never the request, the response or anything that holds a token. */
function describe(err: unknown): string {
  if (err instanceof AuthError) return `${err.errorCode}: ${err.errorMessage}`;
  return err instanceof Error ? err.message : String(err);
}

/** The pool's `password`: a current Entra access token for PostgreSQL, called per new connection. */
export function entraPassword(source: TokenSource): () => Promise<string> {
  return async () => {
    try {
      const { accessToken } = await source.acquireToken({ resource: `${POSTGRES_ENTRA_RESOURCE}/.default` });
      return accessToken;
    } catch (err) {
      throw new EntraPasswordError(
        `Could not get a Microsoft Entra token for PostgreSQL from the managed identity (DATABASE_AUTH=entra): ${describe(err)}`,
      );
    }
  };
}

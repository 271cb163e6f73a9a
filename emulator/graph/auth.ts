import { errors } from 'jose';
import { graphError, type EmuResponse } from '../http.js';
import type { SigningKeys } from '../keys.js';

/** Who is calling Graph, from the bearer token's claims. */
export interface Caller {
  tenantId: string;
  /** The client application (`azp`/`appid`). */
  appId: string;
  /** The signed-in user for delegated tokens; absent for app-only tokens. */
  userId?: string;
  scopes: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** When the access token expires (ms): what a subscription's reauthorization schedule counts down to. */
  tokenExpiresAt?: number;
}

export const GRAPH_AUDIENCES = ['00000003-0000-0000-c000-000000000000', 'https://graph.microsoft.com'];

const WWW_AUTHENTICATE = {
  'www-authenticate':
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
};

function unauthorized(message: string): EmuResponse {
  return graphError(401, 'InvalidAuthenticationToken', message, WWW_AUTHENTICATE);
}

/** Verifies the bearer token (signature, lifetime, audience) as Graph does, or answers 401. */
export async function authenticate(
  authorization: string | string[] | undefined,
  keys: SigningKeys,
): Promise<Caller | EmuResponse> {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return unauthorized('Access token is empty.');
  let claims;
  try {
    claims = await keys.verify(match[1]!);
  } catch (err) {
    if (err instanceof errors.JWTExpired)
      return unauthorized('Lifetime validation failed, the token is expired.');
    return unauthorized('Access token validation failure. Invalid signature or malformed token.');
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => a !== undefined && GRAPH_AUDIENCES.includes(a))) {
    return unauthorized('Access token validation failure. Invalid audience.');
  }
  const tid = claims['tid'];
  const appId = claims['azp'] ?? claims['appid'];
  if (typeof tid !== 'string' || typeof appId !== 'string') {
    return unauthorized('Access token validation failure. The token has no tenant or application.');
  }
  const scp = typeof claims['scp'] === 'string' ? claims['scp'].split(' ').filter(Boolean) : [];
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((r) => typeof r === 'string') : [];
  const oid = claims['oid'];
  if (scp.length > 0 && typeof oid !== 'string') {
    return unauthorized('Access token validation failure. A delegated token needs an oid.');
  }
  if (scp.length === 0 && roles.length === 0) {
    return unauthorized('Access token validation failure. The token carries neither scp nor roles.');
  }
  return {
    tenantId: tid,
    appId,
    ...(scp.length > 0 ? { userId: oid as string } : {}),
    scopes: new Set(scp),
    roles: new Set(roles as string[]),
    ...(typeof claims.exp === 'number' ? { tokenExpiresAt: claims.exp * 1000 } : {}),
  };
}

/** Delegated callers need one of `scopes`, app-only callers one of `roles`. */
export function hasPermission(caller: Caller, scopes: readonly string[], roles: readonly string[]): boolean {
  return caller.userId !== undefined
    ? scopes.some((s) => caller.scopes.has(s))
    : roles.some((r) => caller.roles.has(r));
}

export const PERMISSIONS = {
  readMail: { scopes: ['Mail.Read', 'Mail.ReadWrite'], roles: ['Mail.Read', 'Mail.ReadWrite'] },
  writeMail: { scopes: ['Mail.ReadWrite'], roles: ['Mail.ReadWrite'] },
  sendMail: { scopes: ['Mail.Send'], roles: ['Mail.Send'] },
  readCalendar: {
    scopes: ['Calendars.Read', 'Calendars.ReadWrite'],
    roles: ['Calendars.Read', 'Calendars.ReadWrite'],
  },
  writeCalendar: { scopes: ['Calendars.ReadWrite'], roles: ['Calendars.ReadWrite'] },
  readUser: {
    scopes: ['User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'],
    roles: ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All'],
  },
} as const;

export function accessDenied(): EmuResponse {
  return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

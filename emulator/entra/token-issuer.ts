import { createHash, randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { EmulatorContext } from '../context.js';
import { GRAPH_APP_ID, type Application, type DirectoryUser, type Tenant } from '../directory.js';
import type { ParsedScopes, ResourceScopes } from './scopes.js';

/**
 * Builds Entra's tokens with Microsoft's claim names and signs them with the emulator's RS256 key.
 * Graph access tokens are v1.0 tokens like Microsoft's (issuer `<origin>/<tid>/`, standing in for
 * `https://sts.windows.net/<tid>/`); id tokens and tokens for our own API are v2.0 tokens (issuer
 * `<origin>/<tid>/v2.0`, as the discovery document says).
 */

export interface TokenResponseBody {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

/** Entra's role template id of Global Administrator, carried in `wids`. */
const GLOBAL_ADMIN_ROLE = '62e90394-69f5-4237-9190-012177145e10';
const ID_TOKEN_LIFETIME_SECONDS = 3600;

export function issuerV2(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

export function issuerV1(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/`;
}

/** Entra's `sub` is pairwise: stable for one user and one app, different across apps. */
function pairwiseSubject(oid: string, clientId: string): string {
  return createHash('sha256').update(`${oid}:${clientId}`).digest('base64url').slice(0, 43);
}

/** The object id of an app's service principal in a tenant, stable across restarts. */
export function servicePrincipalId(appId: string, tenantId: string): string {
  const h = createHash('sha256').update(`sp:${appId}:${tenantId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function uti(): string {
  return randomBytes(16).toString('base64url');
}

function userClaims(user: DirectoryUser): JWTPayload {
  return {
    name: user.displayName,
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.surname ? { family_name: user.surname } : {}),
    oid: user.id,
    tid: user.tenantId,
    ...(user.isAdmin ? { wids: [GLOBAL_ADMIN_ROLE] } : {}),
  };
}

export function graphDelegatedClaims(
  origin: string,
  client: Application,
  user: DirectoryUser,
  scp: string[],
): JWTPayload {
  return {
    aud: GRAPH_APP_ID,
    iss: issuerV1(origin, user.tenantId),
    acr: '1',
    amr: ['pwd'],
    app_displayname: client.displayName,
    appid: client.appId,
    azp: client.appId,
    appidacr: '1',
    idtyp: 'user',
    ipaddr: '127.0.0.1',
    ...userClaims(user),
    scp: scp.join(' '),
    sub: pairwiseSubject(user.id, GRAPH_APP_ID),
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: uti(),
    ver: '1.0',
  };
}

/** A v2.0 access token for an app's own API; `azp` is the client that asked (e.g. Teams for tab SSO). */
export function apiAccessClaims(
  origin: string,
  api: Application,
  user: DirectoryUser,
  scp: string[],
  azp: string,
): JWTPayload {
  return {
    aud: api.appId,
    iss: issuerV2(origin, user.tenantId),
    azp,
    azpacr: '1',
    ...userClaims(user),
    preferred_username: user.userPrincipalName,
    scp: scp.join(' '),
    sub: pairwiseSubject(user.id, api.appId),
    uti: uti(),
    ver: '2.0',
  };
}

function idTokenClaims(origin: string, client: Application, user: DirectoryUser, nonce?: string): JWTPayload {
  return {
    aud: client.appId,
    iss: issuerV2(origin, user.tenantId),
    ...userClaims(user),
    preferred_username: user.userPrincipalName,
    email: user.mail,
    sub: pairwiseSubject(user.id, client.appId),
    ...(nonce ? { nonce } : {}),
    uti: uti(),
    ver: '2.0',
  };
}

function clientInfo(user: DirectoryUser): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: user.tenantId })).toString('base64url');
}

export interface UserTokenRequest {
  client: Application;
  user: DirectoryUser;
  scopes: ParsedScopes;
  nonce?: string;
  authTime: number;
  /** Refresh tokens are issued when `offline_access` was granted in the original sign-in. */
  offlineAccess: boolean;
  /** Every scope of the grant, kept with the refresh token for later exchanges. */
  grantScopes: string[];
}

export async function issueUserTokens(
  ctx: EmulatorContext,
  req: UserTokenRequest,
): Promise<TokenResponseBody> {
  const { client, user, scopes } = req;
  const lifetime = ctx.directory.settings.accessTokenLifetimeSeconds;
  const oidcShown = [...scopes.oidc].filter((s) => s !== 'offline_access');
  const resource = scopes.resource;
  const claims =
    resource.kind === 'api' && resource.api
      ? apiAccessClaims(ctx.origin, resource.api, user, resource.names, client.appId)
      : graphDelegatedClaims(ctx.origin, client, user, [...resource.names, ...oidcShown]);
  const body: TokenResponseBody = {
    token_type: 'Bearer',
    scope: responseScope(resource, resource.kind === 'graph' ? oidcShown : []),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: await ctx.keys.sign(claims, lifetime),
    client_info: clientInfo(user),
  };
  if (scopes.oidc.has('openid')) {
    body.id_token = await ctx.keys.sign(
      idTokenClaims(ctx.origin, client, user, req.nonce),
      ID_TOKEN_LIFETIME_SECONDS,
    );
  }
  if (req.offlineAccess) {
    body.refresh_token = ctx.directory.issueRefreshToken({
      clientId: client.appId,
      userId: user.id,
      tenantId: user.tenantId,
      scopes: req.grantScopes,
      authTime: req.authTime,
    });
  }
  return body;
}

/** Client credentials: an app-only Graph token carrying the admin-consented application permissions. */
export async function issueAppToken(
  ctx: EmulatorContext,
  client: Application,
  tenant: Tenant,
  resource: ResourceScopes,
  roles: string[],
): Promise<TokenResponseBody> {
  const lifetime = ctx.directory.settings.accessTokenLifetimeSeconds;
  const sp = servicePrincipalId(client.appId, tenant.id);
  const isApi = resource.kind === 'api' && resource.api;
  const claims: JWTPayload = {
    aud: isApi ? resource.api!.appId : GRAPH_APP_ID,
    iss: isApi ? issuerV2(ctx.origin, tenant.id) : issuerV1(ctx.origin, tenant.id),
    app_displayname: client.displayName,
    appid: client.appId,
    azp: client.appId,
    appidacr: '1',
    idtyp: 'app',
    oid: sp,
    ...(roles.length ? { roles } : {}),
    sub: sp,
    tid: tenant.id,
    uti: uti(),
    ver: isApi ? '2.0' : '1.0',
  };
  return {
    token_type: 'Bearer',
    scope: resource.requested.join(' '),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: await ctx.keys.sign(claims, lifetime),
  };
}

function responseScope(resource: ResourceScopes, oidc: string[]): string {
  const out = [...resource.requested];
  if (resource.isDefault) out.push(...resource.names);
  return [...out, ...oidc].join(' ');
}

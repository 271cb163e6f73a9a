import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import type { EmulatorContext } from '../context.js';
import { issuerV1 } from '../entra/token-issuer.js';
import { json, send, type EmuResponse } from '../http.js';

/**
 * App Service's local token service for managed identities ("How to use managed identities for App
 * Service and Azure Functions", REST protocol, api-version 2019-08-01): the app finds it through the
 * IDENTITY_ENDPOINT and IDENTITY_HEADER environment variables and asks it, over plain HTTP on loopback,
 * for a token for a resource. Tokens are signed with the emulator's Entra key like its other tokens.
 */

export interface ManagedIdentity {
  /** The identity's application (client) id: `client_id` in requests and `appid` in its tokens. */
  clientId: string;
  /** Its service principal's object id: `principal_id`/`object_id` in requests, `oid` in tokens. */
  principalId: string;
  tenantId: string;
}

/** The identities assigned to the emulated App Service app. */
export interface AssignedIdentities {
  systemAssigned?: ManagedIdentity;
  userAssigned?: ManagedIdentity[];
}

export interface ManagedIdentityEndpoint {
  /** What App Service puts in IDENTITY_ENDPOINT. */
  readonly endpoint: string;
  /** What App Service puts in IDENTITY_HEADER. */
  readonly header: string;
  /** Token requests answered with a token, and tokens minted for them (the rest came from the cache). */
  readonly requests: number;
  readonly issued: number;
  close(): Promise<void>;
}

const API_VERSION = '2019-08-01';
const TOKEN_PATH = '/msi/token';
// The page says the back end keeps a token per resource for around 8 hours and hands it out again.
const CACHE_SECONDS = 8 * 3600;

interface CachedToken {
  accessToken: string;
  issuedAt: number;
  expiresOn: number;
}

/** App Service's error body as it answers it (`statusCode`, `message`, `correlationId`). */
function failure(status: number, message: string): EmuResponse {
  return json(status, { statusCode: status, message, correlationId: randomUUID() });
}

export async function startManagedIdentityEndpoint(
  ctx: EmulatorContext,
  identities: AssignedIdentities,
): Promise<ManagedIdentityEndpoint> {
  const header = randomBytes(16).toString('hex');
  const cache = new Map<string, CachedToken>();
  let issued = 0;
  let requests = 0;

  function identityFor(query: URLSearchParams): ManagedIdentity | EmuResponse {
    const given = ['client_id', 'principal_id', 'object_id', 'mi_res_id'].filter((p) => query.has(p));
    if (given.length > 1)
      return failure(400, `Only one of client_id, principal_id, object_id or mi_res_id may be given.`);
    const users = identities.userAssigned ?? [];
    const found =
      given.length === 0
        ? identities.systemAssigned
        : users.find((i) =>
            given[0] === 'client_id'
              ? i.clientId.toLowerCase() === query.get('client_id')?.toLowerCase()
              : i.principalId.toLowerCase() === query.get(given[0]!)?.toLowerCase(),
          );
    return found ?? failure(400, 'Unable to load the proper Managed Identity.');
  }

  async function token(identity: ManagedIdentity, resource: string): Promise<CachedToken> {
    const now = ctx.directory.clock.nowSeconds();
    const key = `${identity.clientId}|${resource}`;
    const cached = cache.get(key);
    if (cached && now < cached.expiresOn && now < cached.issuedAt + CACHE_SECONDS) return cached;
    const lifetime = ctx.directory.settings.managedIdentityTokenLifetimeSeconds;
    const claims: JWTPayload = {
      aud: resource,
      iss: issuerV1(ctx.origin, identity.tenantId),
      appid: identity.clientId,
      appidacr: '2',
      idtyp: 'app',
      oid: identity.principalId,
      sub: identity.principalId,
      tid: identity.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    const fresh = {
      accessToken: await ctx.keys.sign(claims, lifetime),
      issuedAt: now,
      expiresOn: now + lifetime,
    };
    cache.set(key, fresh);
    issued++;
    return fresh;
  }

  async function handle(req: http.IncomingMessage): Promise<EmuResponse> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.replace(/\/$/, '').toLowerCase() !== TOKEN_PATH) return failure(404, 'Not found.');
    if (req.method !== 'GET') return failure(405, 'Only GET is supported.');
    if (req.headers['x-identity-header'] !== header)
      return failure(
        401,
        'The X-IDENTITY-HEADER header is missing or does not hold the value of IDENTITY_HEADER.',
      );
    if (url.searchParams.get('api-version') !== API_VERSION)
      return failure(400, `The api-version must be ${API_VERSION}.`);
    const resource = url.searchParams.get('resource');
    if (!resource) return failure(400, 'The resource query parameter is required.');
    const identity = identityFor(url.searchParams);
    if ('status' in identity) return identity;
    const t = await token(identity, resource);
    requests++;
    return json(200, {
      access_token: t.accessToken,
      expires_on: String(t.expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: identity.clientId,
    });
  }

  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      void handle(req).then(
        (r) => send(res, r),
        () => send(res, failure(500, 'The token service failed.')),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${TOKEN_PATH}`,
    header,
    get requests() {
      return requests;
    },
    get issued() {
      return issued;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

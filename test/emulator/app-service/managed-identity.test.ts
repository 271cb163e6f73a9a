import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

/**
 * App Service's local token service, as "How to use managed identities for App Service and Azure
 * Functions" (learn.microsoft.com/azure/app-service/overview-managed-identity, "Using the REST
 * protocol") describes it: GET IDENTITY_ENDPOINT?resource=…&api-version=2019-08-01 with the header
 * X-IDENTITY-HEADER; client_id / principal_id / object_id pick a user-assigned identity, none the
 * system-assigned one; the answer holds access_token, expires_on (epoch seconds), resource,
 * token_type and client_id; a token is cached per resource and handed out again. Error bodies are not
 * on that page: they follow App Service's own (`statusCode`, `message`, `correlationId`, e.g.
 * "Unable to load the proper Managed Identity." with 400), and a wrong header gets 401.
 */

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const SYSTEM = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
const USER = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
const POSTGRES = 'https://ossrdbms-aad.database.windows.net';

describe('emulator: App Service managed identity endpoint (overview-managed-identity, REST protocol)', function () {
  let emu: TestEmulator;
  let endpoint: string;
  let header: string;

  before(async function () {
    emu = await startTestEmulator({ appServiceIdentities: { systemAssigned: SYSTEM, userAssigned: [USER] } });
    endpoint = emu.managedIdentity!.endpoint;
    header = emu.managedIdentity!.header;
  });
  after(async () => emu?.close());

  const ask = (
    query: Record<string, string>,
    headers: Record<string, string> = { 'X-IDENTITY-HEADER': header },
  ) => fetch(`${endpoint}?${new URLSearchParams(query)}`, { headers });
  const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

  it('listens over plain HTTP on loopback, as IDENTITY_ENDPOINT does on App Service', function () {
    const url = new URL(endpoint);
    assert.equal(url.protocol, 'http:');
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(header.length >= 16);
  });

  it('issues a token of the system-assigned identity when no id is given', async function () {
    const before = Math.floor(Date.now() / 1000);
    const res = await ask({ resource: POSTGRES, 'api-version': '2019-08-01' });
    assert.equal(res.status, 200);
    const answer = await body(res);
    assert.deepEqual(Object.keys(answer).sort(), [
      'access_token',
      'client_id',
      'expires_on',
      'resource',
      'token_type',
    ]);
    assert.equal(answer.resource, POSTGRES);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.client_id, SYSTEM.clientId);
    assert.match(String(answer.expires_on), /^\d+$/, 'expires_on is epoch seconds, as a string');
    const claims = decodeJwt(String(answer.access_token));
    assert.equal(claims.aud, POSTGRES);
    assert.equal(claims.oid, SYSTEM.principalId);
    assert.equal(claims.appid, SYSTEM.clientId);
    assert.equal(claims.tid, TENANT);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.exp, Number(answer.expires_on), 'expires_on is the token exp claim');
    assert.ok(claims.exp! > before + 3600);
  });

  it('picks a user-assigned identity by client_id, principal_id or object_id', async function () {
    for (const query of [
      { client_id: USER.clientId },
      { principal_id: USER.principalId },
      { object_id: USER.principalId },
    ] as Record<string, string>[]) {
      const res = await ask({ resource: POSTGRES, 'api-version': '2019-08-01', ...query });
      assert.equal(res.status, 200, JSON.stringify(query));
      const answer = await body(res);
      assert.equal(answer.client_id, USER.clientId);
      assert.equal(decodeJwt(String(answer.access_token)).oid, USER.principalId);
    }
  });

  it('hands out the cached token of a resource again, and a different one for another resource', async function () {
    const token = async (resource: string) =>
      (await body(await ask({ resource, 'api-version': '2019-08-01', client_id: USER.clientId })))
        .access_token;
    const first = await token(POSTGRES);
    assert.equal(await token(POSTGRES), first);
    const vault = await token('https://vault.azure.net');
    assert.notEqual(vault, first);
    assert.equal(decodeJwt(String(vault)).aud, 'https://vault.azure.net');
  });

  it('issues a new token once the cached one has expired', async function () {
    const query = { resource: 'https://storage.azure.com', 'api-version': '2019-08-01' };
    const first = await body(await ask(query));
    emu.ctx.directory.clock.advance(86400 + 1);
    const second = await body(await ask(query));
    assert.notEqual(second.access_token, first.access_token);
    assert.ok(Number(second.expires_on) > Number(first.expires_on));
  });

  it('refuses a request without X-IDENTITY-HEADER or with a wrong one: 401, no token', async function () {
    for (const headers of [{}, { 'X-IDENTITY-HEADER': 'not-the-header' }] as Record<string, string>[]) {
      const res = await ask({ resource: POSTGRES, 'api-version': '2019-08-01' }, headers);
      assert.equal(res.status, 401);
      const answer = await body(res);
      assert.equal(answer.statusCode, 401);
      assert.match(String(answer.message), /X-IDENTITY-HEADER/);
      assert.match(String(answer.correlationId), /^[0-9a-f-]{36}$/);
      assert.equal(answer.access_token, undefined);
    }
  });

  it('answers 400 for an identity not assigned to the app, a missing resource or another api-version', async function () {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { resource: POSTGRES, 'api-version': '2019-08-01', client_id: randomUUID() },
        /Unable to load the proper Managed Identity/,
      ],
      [{ 'api-version': '2019-08-01' }, /resource/],
      [{ resource: POSTGRES, 'api-version': '2017-09-01' }, /api-version/],
      [
        {
          resource: POSTGRES,
          'api-version': '2019-08-01',
          client_id: USER.clientId,
          object_id: USER.principalId,
        },
        /Only one/,
      ],
    ];
    for (const [query, message] of cases) {
      const res = await ask(query);
      assert.equal(res.status, 400, JSON.stringify(query));
      const answer = await body(res);
      assert.equal(answer.statusCode, 400);
      assert.match(String(answer.message), message);
    }
  });

  it('has no token service when the app has no managed identity', async function () {
    const bare = await startTestEmulator();
    try {
      assert.equal(bare.managedIdentity, undefined);
    } finally {
      await bare.close();
    }
  });
});

import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import {
  EntraPasswordError,
  entraPassword,
  managedIdentityTokenSource,
  POSTGRES_ENTRA_RESOURCE,
} from '../../bot/store/entra-password.js';
import { createStore } from '../../bot/store/store.js';
import { startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;

describe('bot/store/entra-password: the pool password is a fresh Entra token per new connection', function () {
  describe('node-postgres asks for the password on every new connection, never again on reuse', function () {
    let database: TestDatabase;
    const role = `entra_unit_${randomBytes(4).toString('hex')}`;
    const secret = randomBytes(24).toString('hex');

    before(async function () {
      database = await createTestDatabase('postgres');
      const admin = new pg.Client({ connectionString: database.options.databaseUrl });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${quote(secret)}`);
      await admin.end();
    });
    after(async function () {
      await database?.drop();
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    });

    it('calls the password function once per connection the pool opens', async function () {
      const url = new URL(database.options.databaseUrl!);
      url.username = role;
      url.password = '';
      let calls = 0;
      const store = createStore({
        databaseUrl: url.toString(),
        databasePassword: entraPassword({
          acquireToken: async () => {
            calls++;
            return { accessToken: secret };
          },
        }),
      });
      try {
        // Three connections held at once: the pool must open three.
        const backends = await store.db.connection().execute((a) =>
          store.db.connection().execute((b) =>
            store.db.connection().execute(async (c) => {
              const pids = await Promise.all(
                [a, b, c].map(
                  async (conn) =>
                    (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid,
                ),
              );
              return new Set(pids).size;
            }),
          ),
        );
        assert.equal(backends, 3);
        assert.equal(calls, 3);
        // Idle connections are reused: no new password is asked for.
        for (let i = 0; i < 5; i++) await store.ping();
        assert.equal(calls, 3);
      } finally {
        await store.close();
      }
    });

    it('turns a token source failure into an error naming DATABASE_AUTH=entra that carries only the cause’s text', async function () {
      const password = entraPassword({
        acquireToken: async () => {
          throw Object.assign(new Error('the token service answered 401'), {
            response: { body: 'eyJhbGciOi.x.y' },
          });
        },
      });
      await assert.rejects(password(), (err: Error) => {
        assert.ok(err instanceof EntraPasswordError);
        assert.match(
          err.message,
          /^Could not get a Microsoft Entra token for PostgreSQL .*DATABASE_AUTH=entra.*401$/,
        );
        assert.equal(err.cause, undefined, 'nothing of the failed exchange is kept');
        return true;
      });
    });
  });

  describe('msal-node against App Service’s token service (the emulator)', function () {
    const cached = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
    const shortLived = { clientId: randomUUID(), principalId: randomUUID(), tenantId: TENANT };
    let emu: TestEmulator;
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

    before(async function () {
      emu = await startTestEmulator({ appServiceIdentities: { userAssigned: [cached, shortLived] } });
      // What App Service sets for the app's process.
      process.env.IDENTITY_ENDPOINT = emu.managedIdentity!.endpoint;
      process.env.IDENTITY_HEADER = emu.managedIdentity!.header;
    });
    after(async function () {
      for (const [name, value] of [
        ['IDENTITY_ENDPOINT', saved.endpoint],
        ['IDENTITY_HEADER', saved.header],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      await emu?.close();
    });

    it('asks for a token of the PostgreSQL resource and keeps it while it is valid', async function () {
      const password = entraPassword(managedIdentityTokenSource({ clientId: cached.clientId }));
      const before = emu.managedIdentity!.requests;
      const first = await password();
      const claims = decodeJwt(first);
      assert.equal(claims.aud, POSTGRES_ENTRA_RESOURCE);
      assert.equal(claims.appid, cached.clientId);
      assert.equal(await password(), first);
      assert.equal(await password(), first);
      assert.equal(emu.managedIdentity!.requests - before, 1, 'msal answered the later calls from its cache');
    });

    it('renews a token near its expiry instead of handing it out', async function () {
      emu.ctx.directory.settings.managedIdentityTokenLifetimeSeconds = 120;
      const password = entraPassword(managedIdentityTokenSource({ clientId: shortLived.clientId }));
      const requestsBefore = emu.managedIdentity!.requests;
      const first = await password();
      // Two minutes left is inside msal's renewal margin: the next connection's password is asked for anew.
      await password();
      assert.equal(emu.managedIdentity!.requests - requestsBefore, 2);
      // Once the token service has a new token (the old one expired), the next connection gets it.
      emu.ctx.directory.clock.advance(121);
      const renewed = await password();
      assert.notEqual(renewed, first);
      assert.ok(decodeJwt(renewed).exp! > decodeJwt(first).exp!);
    });

    it('refuses to start without IDENTITY_ENDPOINT, naming it, instead of trying another endpoint', function () {
      const endpoint = process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_ENDPOINT;
      try {
        assert.throws(
          () => managedIdentityTokenSource({ clientId: cached.clientId }),
          /DATABASE_AUTH=entra needs the App Service managed identity, but IDENTITY_ENDPOINT is not set/,
        );
      } finally {
        process.env.IDENTITY_ENDPOINT = endpoint;
      }
    });
  });
});

import assert from 'node:assert/strict';
import { toIso } from '../../bot/store/columns.js';
import { createStore } from '../../bot/store/store.js';
import {
  claimAccount,
  claimDueAccounts,
  fenceLease,
  LeaseLostError,
  releaseLease,
  renewLeases,
} from '../../bot/sync/lease.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/postgres.js';
import { CONTOSO, seedAccount, seedTenant } from './support/accounts.js';

const LEASE_MS = 30_000;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

for (const dialect of DIALECTS)
  describe(`job leases [${dialect}]`, function () {
    let fixture: TestStore;
    const suite = {
      dialect,
      get store() {
        return fixture.store;
      },
    };
    const db = () => suite.store.db;

    before(async function () {
      fixture = await openTestStore(dialect);
      await fixture.store.migrate();
    });
    after(async function () {
      await fixture.dispose();
    });

    beforeEach(async function () {
      await suite.store.db.deleteFrom('job_leases').execute();
      await suite.store.db.deleteFrom('sync_accounts').execute();
      await suite.store.db.deleteFrom('crm_users').execute();
      await seedTenant(suite.store);
    });

    async function account(email: string, nextRunAt: number | null, state: 'active' | 'paused' = 'active') {
      const { accountId } = await seedAccount(suite.store, {
        tenantId: CONTOSO.id,
        email,
        state,
        nextRunAt: nextRunAt === null ? null : toIso(nextRunAt),
      });
      return accountId;
    }

    it('claims due active accounts only, oldest next run first, up to the limit', async function () {
      const never = await account('never@contoso.com', null);
      const old = await account('old@contoso.com', T0 - 60_000);
      const recent = await account('recent@contoso.com', T0 - 1_000);
      await account('future@contoso.com', T0 + 60_000);
      await account('paused@contoso.com', T0 - 120_000, 'paused');

      const first = await claimDueAccounts(db(), suite.dialect, {
        owner: 'w1',
        limit: 2,
        leaseMs: LEASE_MS,
        now: T0,
      });
      assert.deepEqual(first.sort(), [never, old].sort());
      const second = await claimDueAccounts(db(), suite.dialect, {
        owner: 'w2',
        limit: 5,
        leaseMs: LEASE_MS,
        now: T0,
      });
      assert.deepEqual(second, [recent], 'held and undue accounts are not claimed again');
    });

    it('takes over an expired lease, and the old owner can neither renew nor commit under it', async function () {
      const id = await account('a@contoso.com', T0 - 1);
      assert.deepEqual(
        await claimDueAccounts(db(), suite.dialect, { owner: 'w1', limit: 1, leaseMs: LEASE_MS, now: T0 }),
        [id],
      );
      assert.equal(await claimAccount(db(), id, { owner: 'w2', leaseMs: LEASE_MS, now: T0 + 1_000 }), false);

      const later = T0 + LEASE_MS + 1;
      assert.deepEqual(
        await claimDueAccounts(db(), suite.dialect, { owner: 'w2', limit: 1, leaseMs: LEASE_MS, now: later }),
        [id],
      );
      assert.deepEqual(await renewLeases(db(), 'w1', [id], LEASE_MS, later), []);
      await assert.rejects(
        db()
          .transaction()
          .execute((trx) => fenceLease(trx, 'w1', id, later)),
        (err) => err instanceof LeaseLostError,
      );
      await db()
        .transaction()
        .execute((trx) => fenceLease(trx, 'w2', id, later));
      assert.deepEqual(await renewLeases(db(), 'w2', [id], LEASE_MS, later + 10), [id]);

      await releaseLease(db(), 'w1', id);
      assert.equal(
        (await db().selectFrom('job_leases').select('owner').executeTakeFirst())?.owner,
        'w2',
        'only the owner releases',
      );
      await releaseLease(db(), 'w2', id);
      assert.equal(await claimAccount(db(), id, { owner: 'w3', leaseMs: LEASE_MS, now: later + 20 }), true);
    });

    it('never grants one account to two concurrent claimers', async function () {
      const ids: string[] = [];
      for (let i = 0; i < 30; i += 1) ids.push(await account(`u${i}@contoso.com`, T0 - i));
      // Separate stores = separate connections (separate pools on PostgreSQL), as separate processes have.
      const stores = [0, 1, 2].map(() => createStore(fixture.database.options));
      try {
        const claims = await Promise.all(
          stores.flatMap((s, w) =>
            [0, 1, 2, 3].map(() =>
              claimDueAccounts(s.db, suite.dialect, {
                owner: `w${w}`,
                limit: 4,
                leaseMs: LEASE_MS,
                now: T0,
              }),
            ),
          ),
        );
        const all = claims.flat();
        assert.equal(new Set(all).size, all.length, 'an account was claimed twice');
        const rows = await db().selectFrom('job_leases').select(['account_id', 'owner']).execute();
        assert.equal(rows.length, all.length);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });

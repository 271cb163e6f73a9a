import assert from 'node:assert/strict';
import { ensureAccount, findCrmUserForTeams } from '../../bot/crm/crm-directory.js';
import { importCrm } from '../../bot/crm/import.js';
import { loadFilingContext } from '../../bot/sync/filing-context.js';
import { blockingEntry } from '../../bot/sync/core/blocklist.js';
import { forEachDialect } from '../support/postgres.js';

/**
 * Tenant-wide blocklists load with the CRM data (`npm run crm:import`, format in
 * bot/crm/README.md) and are what the sync filters apply to every account of the tenant, from the first
 * import on; a bad entry is rejected with its row and changes nothing.
 */
const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';

forEachDialect('tenant blocklist via CRM import', (suite) => {
  beforeEach(async function () {
    for (const table of ['sync_accounts', 'crm_users', 'tenants'] as const)
      await suite.store.db.deleteFrom(table).execute();
  });

  async function filingPolicy() {
    const user = await findCrmUserForTeams(suite.store.db, {
      tenantId: TENANT,
      aadObjectId: 'a1000000-0000-4000-8000-000000000001',
      email: 'alice.smith@contoso.com',
    });
    const account = await ensureAccount(suite.store.db, user!);
    return (await loadFilingContext(suite.store.db, account.id, { fileWithoutContact: false })).policy;
  }

  it('loads entries from JSON and CSV, and the sync filters block them', async function () {
    const json = {
      tenants: [{ id: TENANT, name: 'Contoso', blocklist: ['@Competitor.example', 'HR@contoso.com'] }],
      users: [
        {
          tenant: TENANT,
          workEmail: 'alice.smith@contoso.com',
          displayName: 'Alice',
          cloudSyncVisible: true,
        },
      ],
    };
    assert.deepEqual((await importCrm(suite.store, JSON.stringify(json), { format: 'json' })).rejected, []);
    let policy = await filingPolicy();
    assert.equal(blockingEntry(policy.tenantBlocklist, 'ceo@mail.competitor.example'), '@competitor.example');
    assert.equal(blockingEntry(policy.tenantBlocklist, 'hr@contoso.com'), 'hr@contoso.com');
    assert.equal(blockingEntry(policy.tenantBlocklist, 'priya.patel@example.com'), null);

    const csv = [
      'type,tenant,name,blocklist',
      `tenant,${TENANT},Contoso,@rival.example;payroll@contoso.com`,
    ].join('\n');
    assert.deepEqual((await importCrm(suite.store, csv, { format: 'csv' })).rejected, []);
    policy = await filingPolicy();
    assert.equal(blockingEntry(policy.tenantBlocklist, 'x@rival.example'), '@rival.example');
    assert.equal(
      blockingEntry(policy.tenantBlocklist, 'x@competitor.example'),
      null,
      'a new list replaces the old one',
    );
  });

  it('rejects a row with an entry that is not an address or @domain, changing nothing', async function () {
    const good = { tenants: [{ id: TENANT, name: 'Contoso', blocklist: ['@competitor.example'] }] };
    await importCrm(suite.store, JSON.stringify(good), { format: 'json' });
    for (const entry of ['not an address', 'a@b@c.example', '@']) {
      const bad = { tenants: [{ id: TENANT, name: 'Contoso', blocklist: ['@rival.example', entry] }] };
      const report = await importCrm(suite.store, JSON.stringify(bad), { format: 'json' });
      assert.equal(report.rejected.length, 1, entry);
      assert.match(JSON.stringify(report.rejected[0]), /must be an e-mail address or @domain/);
    }
    const row = await suite.store.db
      .selectFrom('tenants')
      .select('tenant_blocklist')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.tenant_blocklist), ['@competitor.example']);
  });
});

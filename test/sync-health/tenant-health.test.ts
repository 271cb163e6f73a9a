import assert from 'node:assert/strict';
import { newId, nowIso, toJsonText } from '../../bot/store/columns.js';
import {
  loadPendingApprovals,
  loadTenantStats,
  loadTenantUsers,
} from '../../bot/sync-health/tenant-health.js';
import { addAccount, addRun, CONTOSO, crmUserId, FABRIKAM, importDemoCrm } from '../tab-api/fixtures/seed.js';
import { forEachDialect } from '../support/postgres.js';

const NOW = new Date('2025-03-03T12:30:00.000Z');
const at = (hhmm: string) => `2025-03-03T${hhmm}:00.000Z`;

forEachDialect('tenant health queries (bot/sync-health/tenant-health)', (s) => {
  before(async function () {
    await importDemoCrm(s.store);
    const alice = await addAccount(s.store, 'alice.smith@contoso.com', 'active');
    await addRun(s.store, alice, {
      resource: 'mail:inbox',
      status: 'failed',
      startedAt: at('10:00'),
      endedAt: at('10:01'),
      errorCode: '503',
    });
    await addRun(s.store, alice, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: at('08:00'),
      endedAt: at('08:01'),
      added: 6,
    });
    await addRun(s.store, alice, {
      resource: 'mail:sentitems',
      status: 'succeeded',
      startedAt: at('10:30'),
      endedAt: at('10:31'),
      added: 1,
    });
    await addRun(s.store, alice, {
      resource: 'diary',
      status: 'succeeded',
      startedAt: at('11:00'),
      endedAt: at('11:01'),
      added: 2,
    });
    const dan = await addAccount(s.store, 'dan.morgan@contoso.com', 'reconnect_required');
    await addRun(s.store, dan, {
      resource: 'mail:inbox',
      status: 'failed',
      startedAt: at('09:00'),
      endedAt: at('09:01'),
      errorCode: 'invalid_grant',
    });
    const erin = await addAccount(s.store, 'erin.lee@fabrikam.com', 'active');
    await addRun(s.store, erin, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: at('10:00'),
      endedAt: at('10:01'),
      added: 40,
    });
    await addRun(s.store, erin, {
      resource: 'diary',
      status: 'failed',
      startedAt: at('10:00'),
      endedAt: at('10:01'),
    });

    const request = newId();
    for (const [tenant, status, id] of [
      [FABRIKAM, 'pending', request],
      [CONTOSO, 'granted', newId()],
    ] as const) {
      await s.store.db
        .insertInto('approval_requests')
        .values({
          id,
          tenant_id: tenant,
          status,
          requested_scopes: toJsonText(['Mail.Read']),
          card_conversation_key: null,
          card_activity_id: null,
          decided_by: null,
          decided_at: null,
          decline_reason: null,
          created_at: nowIso(),
          updated_at: nowIso(),
        })
        .execute();
    }
    await s.store.db
      .insertInto('approval_request_users')
      .values({
        request_id: request,
        crm_user_id: await crmUserId(s.store, 'erin.lee@fabrikam.com'),
        justification: null,
        requested_at: nowIso(),
        notified_at: null,
      })
      .execute();
  });

  it('rows every CRM user of the tenant with state, per-resource health, freshness and errors', async function () {
    const users = await loadTenantUsers(s.store.db, CONTOSO, NOW);
    const byEmail = new Map(users.map((u) => [u.email, u]));
    assert.deepEqual([...byEmail.keys()].sort(), [
      'alice.smith@contoso.com',
      'ben.jones@contoso.com',
      'cwhite@contoso-recruitment.com',
      'dan.morgan@contoso.com',
    ]);
    const alice = byEmail.get('alice.smith@contoso.com');
    // The inbox's latest run failed although the sent folder's later run succeeded: mail is failing.
    assert.equal(alice?.mail, 'failing');
    assert.equal(alice?.diary, 'healthy');
    assert.equal(alice?.errors24h, 1);
    // The oldest last check of what is on: the inbox's success at 08:01 (its 10:00 run failed).
    assert.equal(alice?.lastSyncAt, at('08:01'));
    assert.equal(alice?.freshnessSeconds, 4 * 3600 + 29 * 60);
    assert.match(alice?.mailText ?? '', /last check failed/);
    assert.equal(byEmail.get('dan.morgan@contoso.com')?.mail, 'needs_reconnect');
    assert.equal(byEmail.get('dan.morgan@contoso.com')?.stateTitle, 'Reconnect needed');
    const ben = byEmail.get('ben.jones@contoso.com');
    assert.deepEqual([ben?.state, ben?.mail, ben?.lastSyncAt], ['not_visible', 'off', null]);
    assert.match(ben?.mailText ?? '', /Not started/);
    assert.equal(byEmail.get('cwhite@contoso-recruitment.com')?.state, 'ready');
  });

  it('never mixes tenants', async function () {
    const fabrikam = await loadTenantUsers(s.store.db, FABRIKAM, NOW);
    assert.deepEqual(fabrikam.map((u) => u.email).sort(), [
      'erin.lee@fabrikam.com',
      'frank.ortiz@fabrikam.com',
    ]);
    assert.equal(fabrikam.find((u) => u.email === 'erin.lee@fabrikam.com')?.diary, 'failing');
    assert.equal(
      (await loadPendingApprovals(s.store.db, CONTOSO)).length,
      0,
      'Contoso’s request is granted, Fabrikam’s is not its own',
    );
    const pending = await loadPendingApprovals(s.store.db, FABRIKAM);
    assert.deepEqual(
      pending[0]?.users.map((u) => u.email),
      ['erin.lee@fabrikam.com'],
    );
  });

  it('totals and buckets items and errors per hour for the tenant', async function () {
    const users = await loadTenantUsers(s.store.db, CONTOSO, NOW);
    const stats = await loadTenantStats(s.store.db, CONTOSO, NOW, users, '2025-03-03T00:00:00.000Z');
    assert.deepEqual(stats.totals, {
      users: 4,
      visible: 3,
      active: 1,
      paused: 0,
      needsReconnect: 1,
      failing: 1,
      itemsToday: 9,
      errors24h: 2,
    });
    const busy = stats.hourly.filter((h) => h.items || h.errors);
    assert.deepEqual(busy, [
      { hour: at('08:00'), items: 6, errors: 0 },
      { hour: at('09:00'), items: 0, errors: 1 },
      { hour: at('10:00'), items: 1, errors: 1 },
      { hour: at('11:00'), items: 2, errors: 0 },
    ]);
  });
});

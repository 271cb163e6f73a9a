import assert from 'node:assert/strict';
import { loadAccountHealth, type AccountForHealth } from '../../bot/sync-health/account-health.js';
import {
  addAccount,
  addMailItem,
  addRun,
  addSkip,
  CONTOSO,
  importDemoCrm,
} from '../tab-api/fixtures/seed.js';
import { forEachDialect } from '../support/postgres.js';

const NOW = new Date('2025-03-03T12:30:00.000Z');
const at = (iso: string) => `2025-03-03T${iso}:00.000Z`;

forEachDialect('account health queries (bot/sync-health/account-health)', (s) => {
  let account: AccountForHealth;

  before(async function () {
    await importDemoCrm(s.store);
    const id = await addAccount(s.store, 'alice.smith@contoso.com', 'active', {
      nextRunAt: at('12:35'),
      throttledUntil: at('12:40'),
    });
    account = await s.store.db
      .selectFrom('sync_accounts')
      .select(['id', 'state', 'mail_enabled', 'diary_enabled', 'next_run_at', 'throttled_until'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    // Yesterday late evening (UTC), this morning, and a run of another account that must not count.
    await addRun(s.store, id, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: '2025-03-02T23:10:00.000Z',
      endedAt: '2025-03-02T23:15:00.000Z',
      added: 3,
    });
    await addRun(s.store, id, {
      resource: 'mail:sentitems',
      status: 'succeeded',
      startedAt: at('09:00'),
      endedAt: at('09:05'),
      added: 2,
      updated: 2,
    });
    await addRun(s.store, id, {
      resource: 'diary',
      status: 'failed',
      startedAt: at('10:00'),
      endedAt: at('10:01'),
      errorCode: 'invalid_grant',
    });
    await addRun(s.store, id, {
      resource: 'diary',
      status: 'running',
      startedAt: at('12:20'),
      endedAt: null,
      progressDone: 5,
      progressEstimate: 20,
    });
    await addRun(s.store, id, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: '2025-02-20T10:00:00.000Z',
      endedAt: '2025-02-20T10:01:00.000Z',
      added: 50,
    });
    const other = await addAccount(s.store, 'dan.morgan@contoso.com', 'active');
    await addRun(s.store, other, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: at('11:00'),
      endedAt: at('11:01'),
      added: 100,
    });
    await addMailItem(s.store, CONTOSO, [id, other]);
    await addMailItem(s.store, CONTOSO, [other]);
    await addSkip(s.store, id, 'blocklisted', at('11:30'), 'To hr@example.com');
    await addSkip(s.store, other, 'private', at('11:31'), 'not Alice’s');
  });

  it('classifies each resource and reports freshness, counts, errors and progress', async function () {
    const health = await loadAccountHealth(s.store.db, account, NOW, 0);
    const [mail, diary] = health.resources;
    assert.equal(mail?.resource, 'mail');
    assert.equal(mail?.status, 'throttled', 'Retry-After still running');
    assert.equal(mail?.throttledUntil, at('12:40'));
    // Mail is as fresh as its least fresh folder: the inbox, last checked yesterday at 23:15.
    assert.equal(mail?.lastSuccessAt, '2025-03-02T23:15:00.000Z');
    assert.equal(mail?.lastSuccessAgeSeconds, 13 * 3600 + 15 * 60);
    assert.equal(mail?.itemsToday, 4);
    assert.equal(mail?.itemsTotal, 1);
    assert.equal(mail?.nextRunAt, at('12:35'));
    assert.equal(diary?.status, 'throttled');
    assert.equal(diary?.lastErrors.length, 1);
    assert.match(diary?.lastErrors[0]?.reason ?? '', /Reconnect/);
    assert.equal(diary?.lastSuccessAt, null);
  });

  it('shows progress while a run is going and nothing throttles it', async function () {
    const health = await loadAccountHealth(s.store.db, { ...account, throttled_until: null }, NOW, 0);
    const diary = health.resources[1];
    assert.equal(diary?.status, 'syncing');
    assert.deepEqual(diary?.progress, { done: 5, estimate: 20 });
    assert.equal(health.resources[0]?.status, 'healthy');
  });

  it('counts "today" from the viewer’s midnight', async function () {
    // At UTC-2, yesterday's 23:15 UTC run was at 21:15 local yesterday; at UTC+2 it was 01:15 today.
    const west = await loadAccountHealth(s.store.db, account, NOW, -120);
    const east = await loadAccountHealth(s.store.db, account, NOW, 120);
    assert.equal(west.resources[0]?.itemsToday, 4);
    assert.equal(east.resources[0]?.itemsToday, 7);
  });

  it('buckets items per hour over the last 7 days, this account only', async function () {
    const health = await loadAccountHealth(s.store.db, account, NOW, 0);
    assert.equal(health.hourly.length, 168);
    const busy = health.hourly.filter((p) => p.mail || p.diary);
    assert.deepEqual(busy, [
      { hour: '2025-03-02T23:00:00.000Z', mail: 3, diary: 0 },
      { hour: '2025-03-03T09:00:00.000Z', mail: 4, diary: 0 },
    ]);
  });

  it('lists this account’s skipped items with their reasons', async function () {
    const health = await loadAccountHealth(s.store.db, account, NOW, 0);
    assert.deepEqual(
      health.skipped.map((k) => [k.reason, k.summary, k.resource]),
      [['blocklisted', 'To hr@example.com', 'mail']],
    );
    assert.match(health.skipped[0]?.reasonText ?? '', /blocklist/);
  });

  it('says "paused" for a paused account and "off" for a resource switched off', async function () {
    const paused = await loadAccountHealth(s.store.db, { ...account, state: 'paused' }, NOW, 0);
    assert.deepEqual(
      paused.resources.map((r) => [r.status, r.nextRunAt]),
      [
        ['paused', null],
        ['paused', null],
      ],
    );
    const noDiary = await loadAccountHealth(
      s.store.db,
      { ...account, diary_enabled: 0, throttled_until: null },
      NOW,
      0,
    );
    assert.equal(noDiary.resources[1]?.status, 'off');
  });
});

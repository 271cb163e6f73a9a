import assert from 'node:assert/strict';
import { syncAccount } from '../../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../../bot/sync/lease.js';
import { DEMO } from '../../support/emulator-msal.js';
import { call } from '../../tab-api/fixtures/http.js';
import { testSettings, type SyncEnv } from './sync-env.js';

/**
 * Alice's CRM books one-hour interviews (the day after tomorrow, 09:00 UTC) through the CRM API with a
 * service key, and one worker run writes them to her Outlook calendar. Answers the calendar's subjects.
 */
export async function bookInterviewsInOutlook(
  env: SyncEnv,
  input: { baseUrl: string; serviceKey: string; accountId: string; crmIds: string[] },
): Promise<() => Array<string | null | undefined>> {
  const start = new Date(Date.now() + 2 * 86_400_000);
  start.setUTCHours(9, 0, 0, 0);
  for (const crmId of input.crmIds) {
    const res = await call(input.baseUrl, 'PUT', `/api/crm/diary/${crmId}`, {
      token: input.serviceKey,
      body: {
        owner: DEMO.alice.username,
        subject: `Interview ${crmId}`,
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
        timeZone: 'Europe/London',
      },
    });
    assert.equal(res.status, 201, res.text);
  }
  assert.equal(
    await claimAccount(env.db, input.accountId, { owner: 'test', leaseMs: 60_000, now: Date.now() }),
    true,
  );
  const run = await syncAccount(
    {
      db: env.db,
      owner: 'test',
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      limiter: new MailboxLimiter(4),
      tokens: env.tokens,
      settings: testSettings({ mailFolders: [] }),
      subscriptions: null,
      logger: env.logger,
      now: () => Date.now(),
      random: Math.random,
    },
    input.accountId,
    () => false,
  );
  assert.equal(run.outcome, 'completed');
  return () =>
    [...env.emu.ctx.mailboxes.mailbox(DEMO.alice.id).calendar.all()].map((e) => e.fields.subject).sort();
}

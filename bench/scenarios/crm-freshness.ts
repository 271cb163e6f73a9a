import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary, ownerAccountOf } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { createHttpServer } from '../../bot/server/http-server.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../bot/sync/core/scheduling.js';
import { CONTOSO, switchOff } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { syncWorkerOn } from '../../test/sync/support/sync-worker.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { connectMany, createUsers, setLatency, startBenchEnv } from '../support/bench-env.js';
import { percentile, round } from '../support/report.js';

/**
 * CRM → Outlook freshness: from the CRM's `PUT /api/crm/diary/{crmId}` being answered to the event
 * being in the owner's calendar (the emulator's mailbox). The CRM API and the worker (production
 * schedule) run in this process as the server runs them: an accepted change asks for its owner's run.
 * One booking at a time, each after the worker has gone idle; Graph latency model on.
 */

export interface CrmFreshnessOptions {
  samples: number;
}

export interface CrmFreshnessResult {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  settings: { latency: string; notificationDelayMs: number };
}

export async function runCrmFreshness(options: CrmFreshnessOptions): Promise<CrmFreshnessResult> {
  const env = await startBenchEnv('sqlite');
  const [user] = createUsers(env, 1, 'fresh.crm');
  const [accountId] = await connectMany(env, [user!]);
  await switchOff(env.store, [accountId!], 'mail');
  await setLatency(env, true);
  const issued = await issueServiceKey(env.db, CONTOSO.id);
  if (issued === 'unknown_tenant') throw new Error('the bench tenant is missing');
  const worker = syncWorkerOn(env, {
    settings: testSettings({ schedule: DEFAULT_SCHEDULE_SETTINGS }),
    subscriptions: null,
    maxMailboxes: 8,
  });
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  registerCrmDiaryRoutes(http.server, {
    db: env.db,
    diary: createStoreCrmDiary(env.db),
    logger: env.logger,
    onChanged: ({ tenantId, crmId }) =>
      void ownerAccountOf(env.db, tenantId, crmId).then((id) => id && worker.requests.request(id)),
  });
  const baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  worker.start();
  const samples: number[] = [];
  try {
    await waitFor(
      async () =>
        (await env.db.selectFrom('sync_accounts').select('last_synced_at').executeTakeFirst())
          ?.last_synced_at != null,
      5 * 60_000,
      'the first sync',
      50,
    );
    const mailbox = env.emu.ctx.mailboxes.mailbox(user!.id);
    for (let i = 0; i < options.samples; i += 1) {
      await waitFor(() => worker.running().length === 0, 60_000, 'the worker to go idle', 5);
      const subject = `Freshness probe ${i}`;
      const start = new Date(Date.now() + 86_400_000);
      const res = await fetch(`${baseUrl}/api/crm/diary/PROBE-${i}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          owner: user!.username,
          subject,
          start: start.toISOString(),
          end: new Date(start.getTime() + 3_600_000).toISOString(),
          timeZone: 'UTC',
        }),
      });
      if (res.status !== 201) throw new Error(`the booking was refused: ${await res.text()}`);
      const answered = performance.now();
      await waitFor(
        () => [...mailbox.calendar.all()].some((e) => e.fields.subject === subject),
        5 * 60_000,
        `${subject} in Outlook`,
        5,
      );
      samples.push(performance.now() - answered);
    }
  } finally {
    await worker.stop();
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env.close();
  }
  return {
    samples: samples.length,
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    maxMs: round(Math.max(...samples)),
    settings: { latency: 'graph preset', notificationDelayMs: DEFAULT_SCHEDULE_SETTINGS.notificationDelayMs },
  };
}

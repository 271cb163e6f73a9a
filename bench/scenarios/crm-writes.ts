import { registerCrmDiaryRoutes } from '../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary, ownerAccountOf } from '../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../bot/crm/service-keys.js';
import { createHttpServer } from '../../bot/server/http-server.js';
import { syncAccount } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { createSyncRequester } from '../../bot/sync/sync-requests.js';
import type { StoreDialect } from '../../bot/store/store.js';
import { CONTOSO, switchOff } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { retryAfterWitness } from '../../test/support/retry-after-witness.js';
import { waitFor } from '../../test/sync/support/wait.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import { connectFast, createUsers, requestCounters, startBenchEnv } from '../support/bench-env.js';

/**
 * CRM appointments written to Outlook under the read side's faults: 429 with Retry-After, 503, a worker
 * process SIGKILLed between Graph's create and the commit, the same CRM change delivered twice, and a
 * 410 re-baseline of the calendar delta while writes are pending. Each case books its own appointments
 * through the CRM API and ends by counting, per appointment, the events in the owner's calendar (the
 * emulator's mailbox) and whether the CRM entry is linked to that one event at its current version.
 */

export interface CrmWriteOptions {
  /** Appointments booked per case. */
  appointments: number;
  /** Crash cases: each books one appointment and kills the worker once between create and commit. */
  kills: number;
  dialect: StoreDialect;
  throttleRate: number;
  unavailableRate: number;
  /**
   * The fault generator's seed. The chaos run draws a fresh one each time for variety; a test fixes it
   * so that whether a few requests meet a 429 does not depend on chance.
   */
  seed?: number;
}

export interface CrmWriteCase {
  appointments: number;
  /** Appointments with no event in Outlook. */
  missing: number;
  /** Appointments with more than one event in Outlook. */
  duplicated: number;
  /** Appointments not linked to their one event at their current version. */
  unlinked: number;
  syncRounds: number;
}

export interface CrmWriteResult {
  cases: Record<'throttled' | 'unavailable' | 'duplicateDelivery' | 'resync410' | 'crash', CrmWriteCase>;
  /** Answers with a Retry-After that reached the in-process rounds (the cases with 429s and 503s). */
  retryAfterAnswersReceived: number;
  /** Requests those rounds sent after such an answer reached them, inside its wait (retry-after-witness.ts). */
  retryAfterBreaches: number;
  /** Requests the emulator read inside a Retry-After once a client could have read it (throttle.ts). */
  retryAfterViolations: number;
  throttled429: number;
  settings: Omit<CrmWriteOptions, 'dialect'> & { dialect: StoreDialect };
}

/** Upper bound of in-process rounds per case: faults make rounds end early, never loop for ever. */
const MAX_ROUNDS = 40;
const DAY = 86_400_000;

export async function runCrmWrites(options: CrmWriteOptions): Promise<CrmWriteResult> {
  const env = await startBenchEnv(options.dialect);
  const workers: WorkerProcess[] = [];
  const http = createHttpServer({ logger: env.logger, healthChecks: [] });
  try {
    const [user] = createUsers(env, 1, 'crm.writes');
    const accountId = await connectFast(env, user!);
    await switchOff(env.store, [accountId], 'mail');
    const issued = await issueServiceKey(env.db, CONTOSO.id);
    if (issued === 'unknown_tenant') throw new Error('the bench tenant is missing');
    // As the server wires it: an accepted change makes its owner's account due, for worker processes.
    const requests = createSyncRequester({ db: env.db, coalesceMs: 10 });
    registerCrmDiaryRoutes(http.server, {
      db: env.db,
      diary: createStoreCrmDiary(env.db),
      logger: env.logger,
      onChanged: ({ tenantId, crmId }) =>
        void ownerAccountOf(env.db, tenantId, crmId).then((id) => id && requests.request(id)),
    });
    const due = async (): Promise<boolean> => {
      const row = await env.db
        .selectFrom('sync_accounts')
        .select('next_run_at')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      return row.next_run_at !== null && Date.parse(row.next_run_at) <= Date.now();
    };
    const baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;

    const book = async (crmId: string, dayOffset: number): Promise<void> => {
      const start = new Date(Date.now() + (2 + dayOffset) * DAY);
      start.setUTCHours(9, 0, 0, 0);
      const res = await fetch(`${baseUrl}/api/crm/diary/${crmId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${issued.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          owner: user!.username,
          subject: `Appointment ${crmId}`,
          start: start.toISOString(),
          end: new Date(start.getTime() + 3_600_000).toISOString(),
          timeZone: 'UTC',
        }),
      });
      if (res.status !== 200 && res.status !== 201)
        throw new Error(`booking ${crmId} was refused: ${res.status} ${await res.text()}`);
    };
    const setFaults = async (faults: Record<string, unknown>): Promise<void> => {
      const res = await env.control('PUT', `/mailboxes/${user!.id}/faults`, faults);
      if (res.status !== 200) throw new Error(`faults: ${await res.text()}`);
    };
    const witness = retryAfterWitness(env.fetch);
    const syncRound = async (): Promise<void> => {
      if (!(await claimAccount(env.db, accountId, { owner: 'bench', leaseMs: 60_000, now: Date.now() })))
        throw new Error('the account is leased elsewhere');
      await syncAccount(
        {
          db: env.db,
          owner: 'bench',
          graphBaseUrl: env.emu.origin,
          fetch: witness.fetch,
          limiter: new MailboxLimiter(4),
          tokens: env.tokens,
          settings: testSettings({ mailFolders: [] }),
          subscriptions: null,
          logger: env.logger,
          now: Date.now,
          random: Math.random,
        },
        accountId,
        () => false,
      );
    };
    const tally = async (crmIds: readonly string[], syncRounds: number): Promise<CrmWriteCase> => {
      const calendar = [...env.emu.ctx.mailboxes.mailbox(user!.id).calendar.all()];
      const outcome: CrmWriteCase = {
        appointments: crmIds.length,
        missing: 0,
        duplicated: 0,
        unlinked: 0,
        syncRounds,
      };
      for (const crmId of crmIds) {
        const events = calendar.filter((e) => e.fields.subject === `Appointment ${crmId}`);
        if (events.length === 0) outcome.missing += 1;
        if (events.length > 1) outcome.duplicated += 1;
        const row = await env.db
          .selectFrom('crm_appointments')
          .select(['outlook_ical_uid', 'outlook_written_version', 'version'])
          .where('tenant_id', '=', CONTOSO.id)
          .where('crm_id', '=', crmId)
          .executeTakeFirst();
        const linked =
          events.length === 1 &&
          row?.outlook_ical_uid === events[0]!.iCalUId &&
          row.outlook_written_version === row.version;
        if (!linked) outcome.unlinked += 1;
      }
      return outcome;
    };
    const pending = async (crmIds: readonly string[]): Promise<boolean> => {
      const rows = await env.db
        .selectFrom('crm_appointments')
        .select(['outlook_event_id', 'outlook_written_version', 'version'])
        .where('tenant_id', '=', CONTOSO.id)
        .where('crm_id', 'in', crmIds)
        .execute();
      return (
        rows.length < crmIds.length ||
        rows.some((r) => r.outlook_event_id === null || r.outlook_written_version !== r.version)
      );
    };
    /** Books the case's appointments, runs rounds until all are written (bounded), and tallies. */
    const inProcessCase = async (
      name: string,
      faults: Record<string, unknown>,
      deliver: (crmId: string, i: number) => Promise<void>,
    ): Promise<CrmWriteCase> => {
      const crmIds = Array.from({ length: options.appointments }, (_, i) => `${name}-${i}`);
      for (const [i, crmId] of crmIds.entries()) await deliver(crmId, i);
      await setFaults({ ...faults, seed: options.seed ?? Math.floor(Math.random() * 1e9) });
      let rounds = 0;
      while (rounds < MAX_ROUNDS && (await pending(crmIds))) {
        await syncRound();
        rounds += 1;
      }
      await setFaults({});
      return tally(crmIds, rounds);
    };

    // A first round without faults, so the calendar has a delta token for the 410 case to lose.
    await syncRound();
    const throttled = await inProcessCase(
      'THROTTLED',
      { throttleRate: options.throttleRate, throttleRetryAfterSeconds: 1 },
      (crmId, i) => book(crmId, i),
    );
    const unavailable = await inProcessCase(
      'UNAVAILABLE',
      { unavailableRate: options.unavailableRate, unavailableRetryAfterSeconds: 1 },
      (crmId, i) => book(crmId, i),
    );
    const firstDelivery = await inProcessCase('DUPLICATE', {}, async (crmId, i) => {
      // The same change delivered twice at once and once more after: one appointment, one event.
      await Promise.all([book(crmId, i), book(crmId, i)]);
      await book(crmId, i);
    });
    // Delivered again after it was written: still the one event.
    const redelivered = Array.from({ length: options.appointments }, (_, i) => `DUPLICATE-${i}`);
    for (const [i, crmId] of redelivered.entries()) await book(crmId, i);
    await syncRound();
    const duplicateDelivery = await tally(redelivered, firstDelivery.syncRounds + 1);
    const resync410 = await inProcessCase('RESYNC', { syncStateGone: 2 }, (crmId, i) => book(crmId, i));

    // Crash: Graph's answer to the create is held back, the worker process is killed while it waits,
    // and a fresh worker finishes the write.
    const crashIds: string[] = [];
    const environment = workerEnvironment(env, { MAIL_FOLDERS: 'inbox', LOG_LEVEL: 'warn' });
    for (let k = 0; k < options.kills; k += 1) {
      const crmId = `CRASH-${k}`;
      crashIds.push(crmId);
      await book(crmId, k);
      await waitFor(due, 30_000, `${crmId} to make the account due`);
      await setFaults({ perItemLatencyMs: 1000 });
      const first = spawnWorker(environment);
      workers.push(first);
      const subject = `Appointment ${crmId}`;
      await waitFor(
        () =>
          [...env.emu.ctx.mailboxes.mailbox(user!.id).calendar.all()].some(
            (e) => e.fields.subject === subject,
          ) || first.child.exitCode !== null,
        60_000,
        `${crmId} to be created`,
      );
      first.child.kill('SIGKILL');
      await first.exited;
      await setFaults({});
      const second = spawnWorker(environment);
      workers.push(second);
      await waitFor(async () => !(await pending([crmId])), 60_000, `${crmId} to be committed`).catch(
        (err: Error) => {
          throw new Error(`${err.message}; the worker said:\n${second.output()}`);
        },
      );
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const crash = await tally(crashIds, 0);

    const counters = requestCounters(env, user!.id);
    return {
      cases: { throttled, unavailable, duplicateDelivery, resync410, crash },
      retryAfterAnswersReceived: witness.ledger.waitsGiven,
      retryAfterBreaches: witness.ledger.breaches.length,
      retryAfterViolations: counters.retryAfterViolations,
      throttled429: counters.throttled,
      settings: { ...options },
    };
  } finally {
    await killAll(workers);
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await env.close();
  }
}

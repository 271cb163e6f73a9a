import { CONTOSO, seedContact } from '../../test/sync/support/accounts.js';
import { processWitness, type RetryAfterBreach } from '../../test/support/retry-after-witness.js';
import { waitFor } from '../../test/sync/support/wait.js';
import {
  killAll,
  spawnWorker,
  workerEnvironment,
  type WorkerProcess,
} from '../../test/sync/support/worker-process.js';
import {
  connectFast,
  createUsers,
  generateMailbox,
  requestCounters,
  retryAfterViolations,
  seedContactsFromMailbox,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { compareAccount, rulesFor } from '../support/crm-compare.js';
import { roundsComplete } from '../support/worker-runs.js';

/**
 * Sync under Graph faults: the mailbox answers 10 % of requests with 429 (Retry-After), 2 % with 503,
 * and forced 410s (sync state gone) are injected at the start and again in the middle of the import
 * and after it. While the worker imports, mail is added, changed and deleted. The worker process must
 * honour every Retry-After (a witness inside its process sees what it sent after each throttled answer
 * reached it), and the CRM must end up equal to the mailbox: nothing lost, nothing duplicated,
 * converged.
 */

export interface FaultOptions {
  messages: number;
  events: number;
  throttleRate: number;
  unavailableRate: number;
  forced410: number;
  liveChanges: number;
  /** Whether live changes include deletions (see bench/README.md: deletions before a 410 are lost). */
  deletions: boolean;
  pageSize: number;
  /**
   * Seeds the emulator's fault draws: the first fault setting takes this seed and each later one the
   * next. Random when absent (the chaos run); a test names one whose draws it knows.
   */
  seed?: number;
}

export interface FaultResult {
  /** Answers with a Retry-After (429, 503) that reached the worker. */
  retryAfterAnswersReceived: number;
  /** Requests the worker sent after such an answer reached it, inside its wait (retry-after-witness.ts). */
  retryAfterBreaches: number;
  retryAfterBreachExamples: RetryAfterBreach[];
  /**
   * Requests the emulator read inside a Retry-After once a client could have read it
   * (emulator/graph/throttle.ts): breaches, and requests of another process that crossed the answer.
   */
  retryAfterViolations: number;
  /** The first of them: path and how many milliseconds after the ignored 429 was written each was read. */
  retryAfterViolationExamples: ReturnType<typeof retryAfterViolations>;
  /** Requests already on their way when another was answered 429: not violations, shown for scale. */
  onTheirWayAtRetryAfter: number;
  maxInFlight: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  converged: boolean;
  graphRequests: number;
  throttled429: number;
  forced410: number;
  liveChanges: number;
  expectedItems: number;
  actualItems: number;
  examples: string[];
  settings: {
    throttleRate: number;
    unavailableRate: number;
    retryAfterSeconds: number;
    pageSize: number;
    deletions: boolean;
  };
}

const CONTACT = 'priya.patel@example.com';

async function setFaults(
  env: SyncEnv,
  userId: string,
  options: FaultOptions,
  forced: number,
  setting: number,
): Promise<void> {
  const res = await env.control('PUT', `/mailboxes/${userId}/faults`, {
    throttleRate: options.throttleRate,
    throttleRetryAfterSeconds: 1,
    unavailableRate: options.unavailableRate,
    unavailableRetryAfterSeconds: 1,
    syncStateGone: forced,
    seed: options.seed === undefined ? Math.floor(Math.random() * 1e9) : options.seed + setting,
  });
  if (res.status !== 200) throw new Error(`faults: ${await res.text()}`);
}

/** One live change: a new message from a contact, an update, or a deletion of an existing one. */
async function liveChange(
  env: SyncEnv,
  user: { id: string; username: string },
  i: number,
  deletions: boolean,
): Promise<void> {
  const messages = env.emu.ctx.mailboxes.mailbox(user.id).messages;
  const existing = [...messages.all()];
  const record = existing[Math.floor(Math.random() * existing.length)];
  const pick = record ? messages.immutableId(record.key) : undefined;
  const kind = i % (deletions ? 3 : 2);
  let res: Response;
  if (kind === 0 || !pick) {
    res = await env.control('POST', `/mailboxes/${user.id}/messages`, {
      folder: i % 2 ? 'inbox' : 'sentitems',
      subject: `Live change ${i}`,
      from: i % 2 ? CONTACT : user.username,
      to: i % 2 ? [user.username] : [CONTACT],
    });
  } else if (kind === 1) {
    res = await env.control('PATCH', `/mailboxes/${user.id}/messages/${pick}`, {
      subject: `Changed ${i}`,
      isRead: true,
    });
  } else {
    res = await env.control('DELETE', `/mailboxes/${user.id}/messages/${pick}`);
  }
  if (res.status >= 300) throw new Error(`live change ${i} failed: ${res.status} ${await res.text()}`);
}

export async function runFaults(options: FaultOptions): Promise<FaultResult> {
  const env = await startBenchEnv('sqlite');
  const workers: WorkerProcess[] = [];
  try {
    const [user] = createUsers(env, 1, 'faults');
    const accountId = await connectFast(env, user!);
    await env.db.updateTable('sync_accounts').set({ private_mail_policy: 'include' }).execute();
    await generateMailbox(env, user!.id, { messages: options.messages, events: options.events, seed: 11 });
    const contacts = await seedContactsFromMailbox(env, user!.id);
    contacts.set(CONTACT, await seedContact(env.store, CONTOSO.id, 'Priya Patel', [CONTACT]));
    await setLatency(env, true);
    const forcedEach = Math.ceil(options.forced410 / 3);
    await setFaults(env, user!.id, options, forcedEach, 0);

    const witness = processWitness();
    const worker = spawnWorker(
      workerEnvironment(env, {
        SYNC_PAGE_SIZE: String(options.pageSize),
        POLL_INTERVAL_SECONDS: '5',
        LOG_LEVEL: 'warn',
        ...witness.environment,
      }),
      witness.nodeArgs,
    );
    workers.push(worker);
    // Live changes spread over the import, and a second batch of forced 410s half way.
    for (let i = 0; i < options.liveChanges; i += 1) {
      if (i === Math.floor(options.liveChanges / 2)) await setFaults(env, user!.id, options, forcedEach, 1);
      await liveChange(env, user!, i, options.deletions);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
    }
    await waitFor(() => roundsComplete(env.db, accountId, 3), 30 * 60_000, 'the import to finish', 100).catch(
      (err: Error) => {
        throw new Error(`${err.message}; the worker said:\n${worker.output()}`);
      },
    );
    // After the import: more 410s, so a later round has to re-baseline over a complete CRM.
    await setFaults(env, user!.id, options, forcedEach, 2);
    await liveChange(env, user!, options.liveChanges, options.deletions);

    const rules = rulesFor(contacts);
    let last = await compareAccount(env, { accountId, userId: user!.id }, rules, { diary: true });
    let converged = true;
    await waitFor(
      async () => {
        last = await compareAccount(env, { accountId, userId: user!.id }, rules, { diary: true });
        return last.lost === 0 && last.duplicated === 0 && last.unexpected === 0;
      },
      // Several poll intervals (5 s) and Retry-After waits: enough for any later round to converge.
      90_000,
      'the CRM to converge on the mailbox',
      1000,
    ).catch(() => {
      converged = false;
    });
    worker.child.kill('SIGTERM');
    await worker.exited;
    const counters = requestCounters(env, user!.id);
    const seen = witness.read();
    return {
      retryAfterAnswersReceived: seen.waitsGiven,
      retryAfterBreaches: seen.breaches.length,
      retryAfterBreachExamples: seen.breaches.slice(0, 10),
      retryAfterViolations: counters.retryAfterViolations,
      retryAfterViolationExamples: retryAfterViolations(env, user!.id),
      onTheirWayAtRetryAfter: counters.onTheirWayAtRetryAfter,
      maxInFlight: counters.maxInFlight,
      lost: last.lost,
      duplicated: last.duplicated,
      unexpected: last.unexpected,
      converged,
      graphRequests: counters.requests,
      throttled429: counters.throttled,
      forced410: forcedEach * 3,
      liveChanges: options.liveChanges + 1,
      expectedItems: last.expectedItems,
      actualItems: last.actualItems,
      examples: last.examples,
      settings: {
        throttleRate: options.throttleRate,
        unavailableRate: options.unavailableRate,
        retryAfterSeconds: 1,
        pageSize: options.pageSize,
        deletions: options.deletions,
      },
    };
  } finally {
    await killAll(workers);
    await env.close();
  }
}

import { syncAccount } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { FILTERED_DELTA_CAP } from '../../emulator/graph/message-delta.js';
import { actualMail, expectedMail, mailDifferences } from '../../test/sync/support/expectation.js';
import { CONTOSO } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import {
  connectFast,
  createUsers,
  requestCounters,
  seedContactsFromMailbox,
  setLatency,
  startBenchEnv,
  type SyncEnv,
} from '../support/bench-env.js';
import { round } from '../support/report.js';

/**
 * A busy mailbox against the documented cap of a filtered messages delta (5,000 messages): by default
 * 50,000 messages inside the 90-day history window and 200,000 older ones, over Inbox and Sent Items.
 * The sync rounds run in this process (`syncAccount`, SQLite store, page size 1,000), with the
 * emulator's Graph latency model on. Then both folders lose their sync state (410) and re-baseline,
 * which must detach nothing: every message is still there.
 */

export interface BusyMailboxOptions {
  inWindow: number;
  older: number;
}

export interface BusyMailboxResult {
  messages: number;
  inWindow: number;
  older: number;
  /** What the CRM must hold (the filing rules over the emulator's records) and what it holds. */
  expectedFiled: number;
  filed: number;
  missing: number;
  /** What a `receivedDateTime ge` filtered delta would have listed at most: the cap per folder. */
  filteredDeltaCapPerFolder: number;
  importSeconds: number;
  importRequests: number;
  requestsPer1000Messages: number;
  rebaselineSeconds: number;
  rebaselineRequests: number;
  detachedAfterRebaseline: number;
  settings: { latency: string; pageSize: number; store: string; historyDays: number };
}

const HISTORY_DAYS = 90;
const OWNER = 'bench-busy-mailbox';

export async function runBusyMailbox(options: BusyMailboxOptions): Promise<BusyMailboxResult> {
  const env = await startBenchEnv('sqlite');
  try {
    const [user] = createUsers(env, 1, 'bench.busy');
    const accountId = await connectFast(env, user!);
    await env.db.updateTable('sync_accounts').set({ diary_enabled: 0 }).where('id', '=', accountId).execute();
    const messages = options.inWindow + options.older;
    // The generator spreads messages evenly over `days`: this many days puts `inWindow` of them
    // inside the history window (a day's margin keeps the edge clear of the clock moving on).
    const days = Math.round((HISTORY_DAYS * messages) / options.inWindow);
    // In-process: a quarter of a million messages take longer to generate than the control API's
    // request timeout allows.
    env.emu.ctx.mailboxes.generate(user!.id, {
      messages,
      events: 0,
      seed: 42,
      days,
      ownerAddress: user!.username,
    });
    await dropStaleConnections(env);
    const contacts = await seedContactsFromMailbox(env, user!.id);
    await setLatency(env, true);
    const rules = {
      folders: ['inbox', 'sentitems'],
      historyDays: HISTORY_DAYS,
      tenantDomains: [CONTOSO.domain],
      contacts,
    };
    const since = Date.now() - HISTORY_DAYS * 86_400_000;
    const all = [...env.emu.ctx.mailboxes.mailbox(user!.id).messages.all()];
    const inWindow = all.filter((r) => Date.parse(r.fields.receivedDateTime ?? '') >= since).length;

    const sync = async () => {
      const before = requestCounters(env, user!.id).requests;
      const started = performance.now();
      await runOnce(env, accountId);
      return {
        seconds: (performance.now() - started) / 1000,
        requests: requestCounters(env, user!.id).requests - before,
      };
    };

    const imported = await sync();
    const expected = expectedMail(env.emu, user!.id, rules);
    const actual = await actualMail(env.db, accountId);
    const missing = mailDifferences(actual, expected).filter((d) => d.startsWith('missing')).length;

    const faults = await env.control('PUT', `/mailboxes/${user!.id}/faults`, { syncStateGone: 2 });
    if (faults.status !== 200) throw new Error(`faults: ${await faults.text()}`);
    const rebaselined = await sync();
    const detached = await env.db
      .selectFrom('mail_item_owners')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('left_at', 'is not', null)
      .executeTakeFirstOrThrow();

    return {
      messages,
      inWindow,
      older: messages - inWindow,
      expectedFiled: Object.keys(expected.filed).length,
      filed: Object.keys(actual.filed).length,
      missing,
      filteredDeltaCapPerFolder: FILTERED_DELTA_CAP,
      importSeconds: round(imported.seconds, 1),
      importRequests: imported.requests,
      requestsPer1000Messages: round((imported.requests * 1000) / messages, 2),
      rebaselineSeconds: round(rebaselined.seconds, 1),
      rebaselineRequests: rebaselined.requests,
      detachedAfterRebaseline: Number(detached.n),
      settings: {
        latency: 'graph preset (120 ms/request + 0.6 ms/item, ±25 %)',
        pageSize: 1000,
        store: 'sqlite',
        historyDays: HISTORY_DAYS,
      },
    };
  } finally {
    await env.close();
  }
}

/**
 * Generating blocks this process for longer than the emulator's keep-alive timeout, so pooled
 * connections may have been closed under the client; a failed request discards its socket. A few cheap
 * control requests take the dead ones out before the measured part starts.
 */
async function dropStaleConnections(env: SyncEnv): Promise<void> {
  let answered = 0;
  for (let attempt = 0; attempt < 16 && answered < 4; attempt += 1) {
    try {
      await (await env.control('GET', '/latency')).arrayBuffer();
      answered += 1;
    } catch {
      // that socket was dead and is gone now
    }
  }
  if (answered < 4) throw new Error('the emulator does not answer after generating the mailbox');
}

/** One sync of the account, as the worker runs it, which must complete. */
async function runOnce(env: SyncEnv, accountId: string): Promise<void> {
  if (!(await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 30 * 60_000, now: Date.now() })))
    throw new Error('the account is leased elsewhere');
  const result = await syncAccount(
    {
      db: env.db,
      owner: OWNER,
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      limiter: new MailboxLimiter(4),
      tokens: env.tokens,
      settings: testSettings({ pageSize: 1000, historyDays: HISTORY_DAYS }),
      subscriptions: null,
      logger: env.logger,
      now: Date.now,
      random: Math.random,
    },
    accountId,
    () => false,
  );
  if (result.outcome !== 'completed') {
    // The run's own warnings say why a round failed (the error code Graph or the store gave).
    const warnings = env
      .logText()
      .split('\n')
      .filter((line) => line.includes('"level":40') || line.includes('"level":50'));
    throw new Error(`the sync ended ${JSON.stringify(result)}\n${warnings.slice(-5).join('\n')}`);
  }
}

import { syncAccount } from '../../bot/sync/account-sync.js';
import { createAttentionEvents } from '../../bot/sync/account-attention.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimDueAccounts } from '../../bot/sync/lease.js';
import { createTokenProvider } from '../../bot/sync/token-provider.js';
import { DEFAULT_LEASE_MS } from '../../bot/sync/worker.js';
import { createStore } from '../../bot/store/store.js';
import { switchOff } from '../../test/sync/support/accounts.js';
import { SCOPES, testSettings } from '../../test/sync/support/sync-env.js';
import { addUsers, connectFast, generateMailbox, type SyncEnv } from './bench-env.js';

/**
 * What one account's cycle costs PostgreSQL, counted statement by statement (transaction control
 * included) on a store of its own: the claim, the token lookup, every page commit, the schedule and
 * the lease's release, as a worker does them (`syncAccount`, in this process). Measured for a new
 * account's import and then for the same account's idle poll. Heartbeats are left out: one statement
 * renews the leases of all of a worker's running accounts.
 */

export interface StatementCounts {
  import: { statements: number; pages: number; statementsPerPage: number };
  idle: { statements: number };
}

export async function statementsPerAccountCycle(
  env: SyncEnv,
  options: { messages: number; pageSize: number },
): Promise<StatementCounts> {
  const databaseUrl = env.fixture.database.options.databaseUrl;
  if (!databaseUrl) throw new Error('statements are counted on PostgreSQL');
  const [user] = await addUsers(env, 1, 'statements.');
  const accountId = await connectFast(env, user!);
  await switchOff(env.store, [accountId], 'diary');
  await env.db
    .updateTable('sync_accounts')
    .set({ private_mail_policy: 'include' })
    .where('id', '=', accountId)
    .execute();
  await generateMailbox(env, user!.id, { messages: options.messages, events: 0, seed: 99 });

  let statements = 0;
  const store = createStore({ databaseUrl, onStatement: () => (statements += 1) });
  const owner = 'statement-counter';
  const settings = testSettings({
    pageSize: options.pageSize,
    fileWithoutContact: true,
    roundsPerMailbox: 3,
  });
  const deps = {
    db: store.db,
    owner,
    graphBaseUrl: env.emu.origin,
    fetch: env.fetch,
    limiter: new MailboxLimiter(4),
    tokens: createTokenProvider({
      store,
      cipher: env.cipher,
      msal: env.msal,
      scopes: SCOPES,
      events: createAttentionEvents(),
    }),
    settings,
    subscriptions: null,
    logger: env.logger,
    now: Date.now,
    random: Math.random,
  };
  const cycle = async () => {
    statements = 0;
    const claimed = await claimDueAccounts(store.db, 'postgres', {
      owner,
      limit: 1,
      leaseMs: DEFAULT_LEASE_MS,
      now: Date.now(),
    });
    if (claimed[0] !== accountId) throw new Error('the counted account was not due');
    const result = await syncAccount(deps, accountId, () => false);
    if (result.outcome !== 'completed') throw new Error(`the counted run ended ${result.outcome}`);
    return { statements, requests: result.requests };
  };
  try {
    const imported = await cycle();
    await env.db
      .updateTable('sync_accounts')
      .set({ next_run_at: null })
      .where('id', '=', accountId)
      .execute();
    const idle = await cycle();
    // The idle poll asks each folder for one empty delta page; the import asked for every page plus
    // one folder-size request per folder.
    const pages = imported.requests - settings.mailFolders.length;
    return {
      import: {
        statements: imported.statements,
        pages,
        statementsPerPage: Math.round((imported.statements / pages) * 10) / 10,
      },
      idle: { statements: idle.statements },
    };
  } finally {
    await store.close();
  }
}

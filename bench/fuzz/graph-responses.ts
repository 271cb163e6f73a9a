import fc from 'fast-check';
import type { Logger } from '../../bot/logging/logger.js';
import type { Store } from '../../bot/store/store.js';
import { syncAccount } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import type { TokenProvider } from '../../bot/sync/token-provider.js';
import { CONTOSO, seedAccount } from '../../test/sync/support/accounts.js';
import { testSettings } from '../../test/sync/support/sync-env.js';
import { digest, newTally, note, outcome, type FuzzTally } from './tally.js';

/**
 * Hostile Graph responses fed to a real account run (syncAccount with its Graph client, middleware
 * and store) through a fetch that answers every request with a generated response: non-JSON, JSON of
 * the wrong shape, envelopes with both or neither link, links to another host or scheme, error
 * statuses with odd Retry-After values. The run must end normally (no exception) and, since no such
 * page can be committed, must change no CRM row, cursor or skip.
 */

const GRAPH = 'https://graph.fuzz.test';
const OWNER = 'fuzz-worker';

const tokens: TokenProvider = {
  accessToken: async () => 'fuzz-access-token',
  resume: () => undefined,
  forget: () => undefined,
  refresh: () => undefined,
};

interface Hostile {
  status: number;
  body: string;
  retryAfter: string | null;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '{}';
  }
}

const hostile: fc.Arbitrary<Hostile> = fc.record({
  status: fc.constantFrom(200, 200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 410, 429, 500, 502, 503),
  retryAfter: fc.option(
    fc.oneof(
      fc.constantFrom('0', '-5', 'soon', '1e3', 'Wed, 21 Oct 2015 07:28:00 GMT'),
      fc.string({ maxLength: 10 }),
    ),
  ),
  body: fc.oneof(
    fc.string({ maxLength: 500 }),
    fc.anything().map(json),
    fc.record({ value: fc.anything() }).map(json),
    // Sound-looking items but an unsound envelope: both links, neither, or links that leave Graph.
    fc
      .record({
        value: fc.array(fc.record({ id: fc.string({ minLength: 1 }), subject: fc.string() }), {
          maxLength: 5,
        }),
        links: fc.constantFrom('both', 'neither', 'foreign', 'http', 'relative', 'javascript'),
      })
      .map(({ value, links }) => {
        const page: Record<string, unknown> = { value };
        if (links === 'both')
          Object.assign(page, {
            '@odata.nextLink': `${GRAPH}/v1.0/a`,
            '@odata.deltaLink': `${GRAPH}/v1.0/b`,
          });
        if (links === 'foreign')
          page['@odata.nextLink'] = 'https://evil.example/v1.0/me/messages/delta?$skiptoken=1';
        if (links === 'http')
          page['@odata.deltaLink'] = `${GRAPH.replace('https', 'http')}/v1.0/me/messages/delta`;
        if (links === 'relative') page['@odata.nextLink'] = '/v1.0/me/messages/delta?$skiptoken=1';
        if (links === 'javascript') page['@odata.deltaLink'] = 'javascript:alert(1)';
        return json(page);
      }),
    fc.constant('{"value":[' + '['.repeat(5000) + ']'.repeat(5000) + ']}'),
  ),
});

export async function fuzzGraphResponses(
  store: Store,
  logger: Logger,
  cases: number,
  seed: number,
): Promise<FuzzTally> {
  const tally = newTally();
  const db = store.db;
  const { accountId } = await seedAccount(store, {
    tenantId: CONTOSO.id,
    email: 'hostile.graph@contoso.com',
    objectId: 'c3000000-0000-4000-8000-000000000001',
  });
  const state = async () =>
    digest([
      await db.selectFrom('mail_items').selectAll().orderBy('id').execute(),
      await db.selectFrom('mail_item_owners').selectAll().orderBy('mail_item_id').execute(),
      await db.selectFrom('diary_items').selectAll().orderBy('id').execute(),
      await db.selectFrom('sync_cursors').selectAll().orderBy('resource').execute(),
      await db.selectFrom('sync_skips').selectAll().orderBy('graph_id').execute(),
    ]);
  const before = await state();

  for (const response of fc.sample(hostile, { numRuns: cases, seed })) {
    tally.cases += 1;
    await db
      .updateTable('sync_accounts')
      .set({ state: 'active', throttled_until: null })
      .where('id', '=', accountId)
      .execute();
    await db.deleteFrom('job_leases').execute();
    await claimAccount(db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() });
    const fetch = async () =>
      new Response(response.status === 204 || response.status === 301 ? null : response.body, {
        status: response.status,
        headers: {
          'content-type': 'application/json',
          ...(response.retryAfter !== null ? { 'retry-after': response.retryAfter } : {}),
        },
      });
    try {
      const result = await syncAccount(
        {
          db,
          owner: OWNER,
          graphBaseUrl: GRAPH,
          fetch,
          limiter: new MailboxLimiter(4),
          tokens,
          settings: testSettings({ maxRetries: 0, retryDelaySeconds: 0 }),
          subscriptions: null,
          logger,
          now: Date.now,
          random: Math.random,
        },
        accountId,
        () => false,
      );
      outcome(tally, result.outcome);
    } catch (err) {
      note(tally, 'crash', `${(err as Error).message} for ${response.status} ${response.body.slice(0, 200)}`);
    }
  }
  if ((await state()) !== before)
    note(tally, 'state', 'a hostile response changed CRM rows, cursors or skips');
  return tally;
}

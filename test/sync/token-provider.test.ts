import assert from 'node:assert/strict';
import { syncAccount, type AccountSyncDeps } from '../../bot/sync/account-sync.js';
import { MailboxLimiter } from '../../bot/sync/core/mailbox-limiter.js';
import { claimAccount } from '../../bot/sync/lease.js';
import { createTokenProvider, ReconnectRequiredError } from '../../bot/sync/token-provider.js';
import { DEMO } from '../support/emulator-msal.js';
import { seedTenant } from './support/accounts.js';
import { connectAccount, SCOPES, startSyncEnv, testSettings, type SyncEnv } from './support/sync-env.js';

/**
 * Tokens come from the vault through msal-node's acquireTokenSilent. When Entra refuses the refresh
 * token (revoked sessions, expired refresh token), the account goes to reconnect_required once, with
 * its reason and an audit entry, the enablement side hears about it once, and Graph is not called
 * for that mailbox again.
 */

const OWNER = 'token-test';

describe('token provider and reconnect_required [sqlite]', function () {
  this.timeout(60_000);
  let env: SyncEnv;

  before(async function () {
    env = await startSyncEnv('sqlite');
    await seedTenant(env.store);
    // Short-lived access tokens make msal-node refresh on every acquisition, as it would after an hour.
    const res = await env.control('PATCH', '/settings', { accessTokenLifetimeSeconds: 120 });
    assert.equal(res.status, 200);
  });
  after(async function () {
    await env?.close();
  });

  function deps(tokens = env.tokens): AccountSyncDeps {
    return {
      db: env.db,
      owner: OWNER,
      graphBaseUrl: env.emu.origin,
      fetch: env.fetch,
      limiter: new MailboxLimiter(4),
      tokens,
      settings: testSettings(),
      subscriptions: null,
      logger: env.logger,
      now: Date.now,
      random: Math.random,
    };
  }

  async function graphRequests(userId: string): Promise<number> {
    const res = await env.control('GET', `/mailboxes/${userId}/requests`);
    return ((await res.json()) as { requests: number }).requests;
  }

  async function run(accountId: string, tokens = env.tokens) {
    await claimAccount(env.db, accountId, { owner: OWNER, leaseMs: 60_000, now: Date.now() });
    return syncAccount(deps(tokens), accountId, () => false);
  }

  it('syncs with refreshed tokens, then moves a revoked account to reconnect_required once and stops calling Graph', async function () {
    const accountId = await connectAccount(env, DEMO.alice);
    assert.equal((await run(accountId)).outcome, 'completed');
    assert.ok((await graphRequests(DEMO.alice.id)) > 0);

    assert.equal((await env.control('POST', `/users/${DEMO.alice.id}/revoke-sign-in-sessions`)).status, 200);
    assert.equal((await env.control('DELETE', `/mailboxes/${DEMO.alice.id}/requests`)).status, 204);

    // Two workers' providers hitting the dead grant at the same moment tell the user once.
    const other = createTokenProvider({
      store: env.store,
      cipher: env.cipher,
      msal: env.msal,
      scopes: SCOPES,
      events: env.attention,
    });
    const account = await env.db
      .selectFrom('sync_accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const ids = { id: accountId, msTenantId: account.ms_tenant_id, msObjectId: account.ms_object_id };
    const [a, b] = await Promise.allSettled([env.tokens.accessToken(ids), other.accessToken(ids)]);
    assert.ok(a.status === 'rejected' && a.reason instanceof ReconnectRequiredError);
    assert.ok(b.status === 'rejected' && b.reason instanceof ReconnectRequiredError);

    const after = await env.db
      .selectFrom('sync_accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    assert.equal(after.state, 'reconnect_required');
    assert.match(after.state_reason ?? '', /reconnect/);
    assert.equal(after.next_run_at, null);
    const cache = await env.db
      .selectFrom('token_caches')
      .select('account_key')
      .where('account_key', '=', accountId)
      .executeTakeFirst();
    assert.equal(cache, undefined, 'the dead tokens are deleted');
    const audit = await env.db
      .selectFrom('audit_log')
      .selectAll()
      .where('subject', '=', accountId)
      .orderBy('at')
      .execute();
    assert.deepEqual(
      audit.map((e) => [e.action, e.from_state, e.to_state, e.actor]),
      [
        ['activation_succeeded', 'activating', 'active', 'test fixture'],
        ['token_revoked', 'active', 'reconnect_required', 'worker'],
      ],
    );
    assert.deepEqual(
      env.attentionEvents.map((e) => [e.accountId, e.state, e.cause]),
      [[accountId, 'reconnect_required', 'invalid_grant']],
    );

    // Nothing more goes to Graph for it: a claim finds nothing, a forced run stops before any request.
    assert.equal(
      await claimAccount(env.db, accountId, { owner: 'someone', leaseMs: 60_000, now: Date.now() + 120_000 }),
      true,
    );
    assert.equal((await syncAccount(deps(), accountId, () => false)).outcome, 'not_active');
    assert.equal(await graphRequests(DEMO.alice.id), 0, 'no Graph call after the grant died');
    assert.equal(env.attentionEvents.length, 1, 'the user is told once');
    assert.ok(!env.logText().includes('eyJ'), 'no token in the log');
  });

  it('an expired refresh token in the middle of a run ends it as reconnect_required without a Graph call', async function () {
    const accountId = await connectAccount(env, DEMO.dan);
    const fresh = createTokenProvider({
      store: env.store,
      cipher: env.cipher,
      msal: env.msal,
      scopes: SCOPES,
      events: env.attention,
    });
    assert.equal((await env.control('POST', '/refresh-tokens/expire', { userId: DEMO.dan.id })).status, 200);
    assert.equal((await env.control('DELETE', `/mailboxes/${DEMO.dan.id}/requests`)).status, 204);
    const result = await run(accountId, fresh);
    assert.equal(result.outcome, 'reconnect_required');
    assert.equal(result.requests, 0);
    assert.equal(await graphRequests(DEMO.dan.id), 0);
    const state = await env.db
      .selectFrom('sync_accounts')
      .select('state')
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    assert.equal(state.state, 'reconnect_required');
    const event = env.attentionEvents.find((e) => e.accountId === accountId);
    assert.equal(event?.cause, 'token_expired', 'the enablement side hears why');
    assert.equal(
      await env.db
        .selectFrom('job_leases')
        .select('account_id')
        .where('account_id', '=', accountId)
        .executeTakeFirst(),
      undefined,
    );
    const runs = await env.db
      .selectFrom('sync_runs')
      .select(['status', 'error_code'])
      .where('account_id', '=', accountId)
      .execute();
    // The resources page side by side: one round meets the expired token and records why; the rounds
    // that started beside it stop without a Graph call, cancelled, with no error of their own.
    assert.deepEqual(
      runs.filter((r) => r.status !== 'cancelled'),
      [{ status: 'failed', error_code: 'reconnect_required' }],
    );
    assert.ok(runs.every((r) => r.status !== 'cancelled' || r.error_code === null));
  });
});

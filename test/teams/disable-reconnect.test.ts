import assert from 'node:assert/strict';
import { createAttentionEvents, markReconnectRequired } from '../../bot/sync/account-attention.js';
import {
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';
import { activate, auditActions, stateOf } from './support/journeys.js';

describe('bot journey: later — status, disable and reconnect (Alice)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('status shows the state; disable asks to confirm, then revokes with a receipt and keeps the data', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    await stack.say(alice, 'status');
    const status = stack.cardsIn(personalChat(alice)).at(-1)!;
    assert.match(textOf(status), /Sync is on/);

    await stack.say(alice, 'disable sync');
    const confirm = stack.cardsIn(personalChat(alice)).at(-1)!;
    const action = executeAction(confirm, 'confirm_disable');

    // The organisation keeps synced items, so "purge" is refused and nothing changes.
    const purge = await stack.invoke(alice, { ...action, data: { ...action.data, retention: 'purge' } });
    assert.match(textOf(purge.card), /keeps synced items/);
    assert.equal(await stateOf(stack, alice), 'active');

    // A subscription the worker made: switching off removes it (at Graph, then the row).
    await stack.store.db
      .insertInto('graph_subscriptions')
      .values({
        id: 'sub-1',
        account_id: accountId,
        resource: 'mail:inbox',
        client_state_hash: 'x',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      })
      .execute();
    const done = await stack.invoke(alice, { ...action, data: { ...action.data, retention: 'keep' } });
    assert.ok(done.card, JSON.stringify(done.body));
    assert.equal(await stateOf(stack, alice), 'disabled');
    assert.equal((await stack.store.db.selectFrom('token_caches').selectAll().execute()).length, 0);
    assert.deepEqual((await auditActions(stack, accountId)).slice(-1), ['disable']);
    assert.equal((await stack.store.db.selectFrom('graph_subscriptions').selectAll().execute()).length, 0);
    assert.match(textOf(done.card), /kept|keep/i);
  });

  it('purges what was synced when the organisation’s policy allows it and the user chooses so', async () => {
    const { alice } = PEOPLE;
    await stack.store.db
      .updateTable('tenants')
      .set({ purge_on_disable: 1 })
      .where('id', '=', alice.tenantId)
      .execute();
    await activate(stack, alice);
    await stack.say(alice, 'disable sync');
    const action = executeAction(stack.cardsIn(personalChat(alice)).at(-1)!, 'confirm_disable');
    const done = await stack.invoke(alice, { ...action, data: { ...action.data, retention: 'purge' } });
    assert.ok(done.card);
    assert.equal(await stateOf(stack, alice), 'disabled');
    const audit = await stack.store.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'disable')
      .executeTakeFirstOrThrow();
    assert.match(audit.reason ?? '', /purged/);
  });

  it('a worker report of reconnect_required gives the user one Reconnect card, which re-runs sign-in', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    const events = createAttentionEvents();
    events.on('attention', (e) => void stack.bot.onAttention(e));
    const before = stack.cardsIn(personalChat(alice)).length;
    // Two requests hit the dead token at once: the state changes once, so the user is told once.
    await Promise.all([
      markReconnectRequired(stack.store.db, events, {
        accountId,
        cause: 'invalid_grant',
        reason: 'refresh token revoked',
        now: Date.now(),
      }),
      markReconnectRequired(stack.store.db, events, {
        accountId,
        cause: 'invalid_grant',
        reason: 'refresh token revoked',
        now: Date.now(),
      }),
    ]);
    const { waitFor } = await import('./support/bot-stack.js');
    const reconnect = await waitFor('the Reconnect card', () =>
      stack
        .cardsIn(personalChat(alice))
        .slice(before)
        .find((c) => /Reconnect/.test(textOf(c))),
    );
    assert.equal(stack.cardsIn(personalChat(alice)).length, before + 1);

    const signIn = await stack.invoke(alice, executeAction(reconnect, 'reconnect'));
    assert.match(textOf(signIn.card), /Sign in/);
    const page = await stack.signInFromCard(signIn.card!, {
      username: alice.email,
      password: alice.password,
    });
    assert.match(page.html, /Cloud Sync is on/);
    assert.equal(await stateOf(stack, alice), 'active');
  });

  it('the tab’s actions are told in chat through the same effects handling', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    const before = stack.cardsIn(personalChat(alice)).length;
    // What the tab's account commands hand over after pausing (bot/tab-api/account-commands.ts).
    await stack.store.db
      .updateTable('sync_accounts')
      .set({ state: 'paused' })
      .where('id', '=', accountId)
      .execute();
    await stack.bot.onEffects(accountId, [
      { type: 'stop_sync' },
      { type: 'notify_user', notice: { kind: 'paused' } },
    ]);
    const cards = stack.cardsIn(personalChat(alice));
    assert.equal(cards.length, before + 1);
    assert.match(textOf(cards.at(-1)), /Paused/);
  });

  it('a worker in another process is heard through the audit log, and only one bot sends the card', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    const before = stack.cardsIn(personalChat(alice)).length;
    // The worker process has its own events, which nobody here listens to.
    await markReconnectRequired(stack.store.db, createAttentionEvents(), {
      accountId,
      cause: 'consent_revoked',
      reason: 'consent for Cloud Sync was revoked',
      now: Date.now(),
    });
    // Two bot processes poll the same store.
    await Promise.all([stack.bot.pollReconnectNotices(), stack.bot.pollReconnectNotices()]);
    const cards = stack.cardsIn(personalChat(alice)).slice(before);
    assert.equal(cards.length, 1);
    assert.match(textOf(cards[0]), /permission for Cloud Sync was removed/);
    await stack.bot.pollReconnectNotices();
    assert.equal(stack.cardsIn(personalChat(alice)).length, before + 1);
  });
});

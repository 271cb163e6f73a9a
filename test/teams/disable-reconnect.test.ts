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
import { addMailItem } from '../tab-api/fixtures/seed.js';

describe('bot journey: later — status, disable and reconnect (Alice)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('status shows the state; disable asks to confirm, offering keep and remove, then revokes with a receipt and keeps the data', async () => {
    const { alice } = PEOPLE;
    const accountId = await activate(stack, alice);
    await stack.say(alice, 'status');
    const status = stack.cardsIn(personalChat(alice)).at(-1)!;
    assert.match(textOf(status), /Sync is on/);

    await stack.say(alice, 'disable sync');
    const confirm = stack.cardsIn(personalChat(alice)).at(-1)!;
    const action = executeAction(confirm, 'confirm_disable');
    // A real choice: keep, or remove (the organisation's CRM does not ask to remove, so keep is chosen).
    const question = JSON.stringify(confirm);
    assert.match(question, /"title":"Keep them in TriSys","value":"keep"/);
    assert.match(question, /"title":"Remove them from TriSys[^"]*","value":"purge"/);
    assert.match(question, /"value":"keep","isRequired":true/);

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

  it('remove: what was copied for the user leaves TriSys, and the receipt counts it', async () => {
    const { alice, dan } = PEOPLE;
    const accountId = await activate(stack, alice);
    const danAccount = await activate(stack, dan);
    // What the worker had copied: three e-mails for Alice alone, one that Dan's sync copied too.
    for (let i = 0; i < 3; i += 1) await addMailItem(stack.store, alice.tenantId, [accountId]);
    const shared = await addMailItem(stack.store, alice.tenantId, [accountId, danAccount]);

    await stack.say(alice, 'disable sync');
    const confirm = stack.cardsIn(personalChat(alice)).at(-1)!;
    const action = executeAction(confirm, 'confirm_disable');
    const done = await stack.invoke(alice, { ...action, data: { ...action.data, retention: 'purge' } });
    assert.ok(done.card, JSON.stringify(done.body));
    assert.equal(await stateOf(stack, alice), 'disabled');
    const receipt = textOf(done.card);
    assert.match(
      receipt,
      /Removed from TriSys: 3 e-mails and 0 appointments that Cloud Sync had copied for you\./,
    );
    assert.match(receipt, /1 item stays in TriSys because Cloud Sync copied it for a colleague too\./);
    const left = await stack.store.db.selectFrom('mail_items').select('id').execute();
    assert.deepEqual(
      left.map((r) => r.id),
      [shared],
    );
    const audit = await stack.store.db
      .selectFrom('audit_log')
      .select('reason')
      .where('action', '=', 'disable')
      .executeTakeFirstOrThrow();
    assert.match(audit.reason ?? '', /purged/);
  });

  it('an organisation whose CRM says to remove on switch-off has "remove" chosen already', async () => {
    const { alice } = PEOPLE;
    await stack.store.db
      .updateTable('tenants')
      .set({ purge_on_disable: 1 })
      .where('id', '=', alice.tenantId)
      .execute();
    await activate(stack, alice);
    await stack.say(alice, 'disable sync');
    const question = JSON.stringify(stack.cardsIn(personalChat(alice)).at(-1));
    assert.match(question, /"value":"purge","isRequired":true/);
    assert.match(question, /"value":"keep"\}/);
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

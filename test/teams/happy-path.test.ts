import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { finishRun, startRun } from '../../bot/sync/run-record.js';
import { DIALECTS } from '../support/postgres.js';
import {
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';

for (const dialect of DIALECTS)
  describe(`bot journey: happy path (Alice, Contoso allows user consent) [${dialect}]`, function () {
    let stack: BotStack;
    beforeEach(async () => {
      stack = await startBotStack({ dialect });
    });
    afterEach(() => stack.close());

    it('welcome → enable → sign in → identity checked → active, with the confirmation e-mail and the Service active card', async () => {
      const alice = PEOPLE.alice;
      const chat = personalChat(alice);
      assert.equal(await stack.say(alice, 'help'), 200);
      const welcome = stack.cardsIn(chat).at(-1)!;
      assert.match(textOf(welcome), /Hello Alice Smith/);
      assert.match(textOf(welcome), /Ready to switch on/);

      const enabled = await stack.invoke(alice, executeAction(welcome, 'enable'));
      assert.equal(enabled.status, 200);
      assert.ok(enabled.card, `expected a card, got ${JSON.stringify(enabled.body)}`);
      assert.match(textOf(enabled.card), /Sign in/);

      const page = await stack.signInFromCard(enabled.card!, {
        username: alice.email,
        password: alice.password,
      });
      assert.equal(page.status, 200, page.html);
      assert.match(page.html, /Cloud Sync is on/);

      const account = await stack.store.db
        .selectFrom('sync_accounts')
        .select(['id', 'state', 'ms_object_id'])
        .where('crm_user_id', 'in', (eb) =>
          eb.selectFrom('crm_users').select('id').where('work_email', '=', alice.email),
        )
        .executeTakeFirstOrThrow();
      assert.equal(account.state, 'active');
      assert.equal(account.ms_object_id, alice.aadObjectId);
      assert.deepEqual(stack.syncRequests, [account.id]);
      const tokens = await stack.store.db.selectFrom('token_caches').select('account_key').execute();
      assert.deepEqual(
        tokens.map((t) => t.account_key),
        [account.id],
      );

      const cards = stack.cardsIn(chat).map(textOf);
      assert.ok(
        cards.some((c) => /Service active|Cloud Sync is on|is active/i.test(c) && c.includes('/tab/')),
        cards.join('\n'),
      );

      const sentMail = async () => {
        const res = await trustedFetch(stack.emu.caPem)(
          `${stack.emu.origin}/_emulator/mailboxes/${alice.email}/sent-mail`,
        );
        return (await res.json()) as {
          value: Array<{
            message: {
              subject?: string;
              body?: { content?: string };
              toRecipients?: Array<{ emailAddress: { address: string } }>;
            };
          }>;
        };
      };
      // The first import is followed in one card; the confirmation waits until it has started.
      assert.ok(
        cards.some((c) => /Copying your mail and diary/.test(c)),
        cards.join('\n'),
      );
      const followCard = stack
        .activitiesIn(chat)
        .find((a) => /Copying your mail and diary/.test(JSON.stringify(a.activity)))!;
      assert.equal((await sentMail()).value.length, 0, 'no confirmation before the import has started');

      // The worker opens its import runs as delta-round.ts does (bot/sync/run-record.ts).
      const db = stack.store.db;
      const runs: string[] = [];
      for (const resource of ['mail:inbox', 'mail:sentitems', 'diary'] as const)
        runs.push(
          await startRun(db, {
            accountId: account.id,
            resource,
            now: Date.now(),
            progressDone: 1,
            progressEstimate: 4,
          }),
        );
      await stack.bot.firstImports.poll();
      const updates = () =>
        stack.activitiesIn(chat).filter((a) => a.method === 'PUT' && a.activityId === followCard.activityId);
      assert.match(
        JSON.stringify(updates().at(-1)?.activity),
        /0 e-mails copied so far, 2 of about 8 looked at/,
      );

      const sent = await sentMail();
      assert.equal(sent.value.length, 1);
      const mail = sent.value[0]!.message;
      assert.equal(mail.subject, 'Cloud Sync is active');
      assert.equal(mail.toRecipients?.[0]?.emailAddress.address, alice.email);
      assert.match(mail.body?.content ?? '', /in Inbox and Sent Items/);
      assert.match(mail.body?.content ?? '', /Sync health tab/);

      for (const run of runs)
        await finishRun(db, run, { status: 'succeeded', requests: 1, throttledMs: 0, now: Date.now() });
      await stack.bot.firstImports.poll();
      assert.match(JSON.stringify(updates().at(-1)?.activity), /Your mail and diary are in TriSys/);
      assert.deepEqual(stack.bot.firstImports.following(), []);
      assert.equal((await sentMail()).value.length, 1, 'one confirmation');

      // Replies went out with the bot's own token from the emulator's Bot Framework token endpoint.
      const auth = stack.channel.activities.at(-1)!.authorization!;
      const claims = decodeJwt(auth.replace(/^Bearer /, ''));
      assert.equal(claims.aud, 'https://api.botframework.com');
      assert.equal(claims.appid, stack.botId);

      const audit = await stack.store.db
        .selectFrom('audit_log')
        .select(['action', 'to_state'])
        .where('subject', '=', account.id)
        .orderBy('at')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ['start_requested', 'sign_in_completed', 'activation_succeeded', 'confirmation_mail_sent'],
      );
    });
  });

describe('bot without a bot id (Agents Playground mode)', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack({ unauthenticated: true });
  });
  after(() => stack.close());

  it('serves loopback callers without a token and replies without one', async () => {
    assert.equal(await stack.say(PEOPLE.alice, 'help'), 200);
    const reply = stack.channel.activities.at(-1)!;
    assert.equal(reply.authorization, undefined);
    assert.match(textOf(stack.cardsIn(personalChat(PEOPLE.alice)).at(-1)), /Hello Alice Smith/);
  });

  it('refuses, with 400 and no reply, activities that are not Bot Framework activities or that it cannot answer', async () => {
    const sent = stack.channel.activities.length;
    const post = (body: unknown) =>
      fetch(`${stack.baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const valid = stack.activity(PEOPLE.alice, { type: 'message', text: 'help' });
    for (const bad of [
      { type: 'message', text: 'help' },
      { ...valid, conversation: { id: '.' } },
      { ...valid, conversation: { id: '..' } },
      { ...valid, serviceUrl: 'not a url' },
    ]) {
      const res = await post(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    assert.equal(stack.channel.activities.length, sent, 'nothing was sent to the channel');
  });

  it('refuses a request forwarded by a proxy or tunnel on this machine', async () => {
    const res = await fetch(`${stack.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ type: 'message', text: 'help' }),
    });
    assert.equal(res.status, 401);
  });

  it('welcomes the user when the bot is installed in their personal chat', async () => {
    // What Teams sends when Ben installs the app: conversationUpdate and installationUpdate together.
    const installActivity = (fields: Record<string, unknown>) => stack.activity(PEOPLE.ben, fields);
    const before = stack.cardsIn(personalChat(PEOPLE.ben)).length;
    const res = await stack.post(
      installActivity({
        type: 'conversationUpdate',
        id: 'install-1',
        membersAdded: [{ id: `28:${stack.botId}` }],
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(stack.cardsIn(personalChat(PEOPLE.ben)).length, before + 1);
    assert.match(textOf(stack.cardsIn(personalChat(PEOPLE.ben)).at(-1)), /Not available yet/);

    const install = await stack.post(
      installActivity({ type: 'installationUpdate', action: 'add', id: 'install-2' }),
    );
    assert.equal(install.status, 200);
    assert.equal(stack.cardsIn(personalChat(PEOPLE.ben)).length, before + 1, 'one welcome card');
  });
});

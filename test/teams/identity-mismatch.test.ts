import assert from 'node:assert/strict';
import {
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  waitFor,
  type BotStack,
} from './support/bot-stack.js';
import { accountOf, makeCrmAdmin, startEnabling } from './support/journeys.js';
import { cardOf } from './support/channel-recorder.js';
import { STALE_CARD_NOTE } from '../../bot/cards/card-freshness.js';

describe('bot journey: identity mismatch (Carol)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('refuses the sync, deletes the tokens, shows both addresses, and the correction request reaches the CRM admins', async () => {
    const { carol, dan } = PEOPLE;
    await stack.say(dan, 'help');
    const card = await startEnabling(stack, carol);
    const page = await stack.signInFromCard(card, { username: carol.email, password: carol.password });
    assert.match(page.html, /don’t match/);

    const account = await accountOf(stack, carol);
    assert.equal(account?.state, 'identity_mismatch');
    const tokens = await stack.store.db
      .selectFrom('token_caches')
      .select('account_key')
      .where('account_key', '=', account!.id)
      .execute();
    assert.deepEqual(tokens, []);
    const mismatch = stack.cardsIn(personalChat(carol)).at(-1)!;
    assert.match(textOf(mismatch), /carol\.white@contoso\.com/);
    assert.match(textOf(mismatch), /cwhite@contoso-recruitment\.com/);

    const asked = await stack.invoke(carol, executeAction(mismatch, 'request_email_correction'));
    assert.ok(asked.card, JSON.stringify(asked.body));
    const request = await waitFor('the correction request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('cwhite@contoso-recruitment.com')),
    );
    assert.match(textOf(request), /carol\.white@contoso\.com/);
  });

  it('Dan corrects the address in the card’s box: another organisation’s or another user’s address is refused and changes nothing; his own is set and Carol is told', async () => {
    const { carol, dan } = PEOPLE;
    await stack.say(dan, 'help');
    const card = await startEnabling(stack, carol);
    await stack.signInFromCard(card, { username: carol.email, password: carol.password });
    await stack.invoke(
      carol,
      executeAction(stack.cardsIn(personalChat(carol)).at(-1)!, 'request_email_correction'),
    );
    const request = await waitFor('the correction request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('cwhite@contoso-recruitment.com')),
    );
    const button = executeAction(request, 'correct_work_email');
    // Teams sends the box's value with the button's data, as `workEmail`.
    const press = (workEmail: string) =>
      stack.invoke(dan, { verb: button.verb, data: { ...button.data, workEmail } });
    const workEmail = async () =>
      (
        await stack.store.db
          .selectFrom('crm_users')
          .select('work_email')
          .where('display_name', '=', carol.name)
          .executeTakeFirstOrThrow()
      ).work_email;

    // Seed: fabrikam.com is Fabrikam's domain; erin.lee@fabrikam.com a Fabrikam CRM user; alice.smith@… Alice's.
    for (const [typed, why] of [
      ['carol@fabrikam.com', /belongs to another organisation/],
      ['erin.lee@fabrikam.com', /belongs to another organisation/],
      ['alice.smith@contoso.com', /already the work e-mail of Alice Smith/],
      ['not an address', /Please enter a work e-mail address/],
    ] as const) {
      const refused = await press(typed);
      assert.match(textOf(refused.card), why, typed);
      assert.equal(await workEmail(), 'cwhite@contoso-recruitment.com', `${typed} changed nothing`);
    }
    const account = await accountOf(stack, carol);
    assert.equal(account?.state, 'identity_mismatch');

    const done = await press(' Carol.White@Contoso.com ');
    assert.match(
      textOf(done.card),
      /work e-mail is now carol\.white@contoso\.com \(was cwhite@contoso-recruitment\.com\)/,
    );
    assert.equal(await workEmail(), 'carol.white@contoso.com');
    // Carol is told, and is back at signing in (the correction's own step).
    const after = await stack.store.db
      .selectFrom('sync_accounts')
      .select('state')
      .where('id', '=', account!.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.state, 'signing_in');
    const told = stack.cardsIn(personalChat(carol)).at(-1)!;
    assert.match(textOf(told), /changed your work e-mail to carol\.white@contoso\.com/);
    assert.match(textOf(told), /Sign in/);
  });

  it('refuses a sign-in with another person’s account (different directory user)', async () => {
    const { alice } = PEOPLE;
    const card = await startEnabling(stack, alice);
    const page = await stack.signInFromCard(card, { username: PEOPLE.ben.email, password: 'demo' });
    assert.match(page.html, /don’t match/);
    assert.equal((await accountOf(stack, alice))?.state, 'identity_mismatch');
    assert.equal((await stack.store.db.selectFrom('token_caches').selectAll().execute()).length, 0);
  });
  it('a double press on "Ask to correct my work e-mail" sends one request; pressing again shows when and who has it', async () => {
    const { carol, dan } = PEOPLE;
    await stack.say(dan, 'help');
    const card = await startEnabling(stack, carol);
    await stack.signInFromCard(card, { username: carol.email, password: carol.password });
    const mismatch = stack.cardsIn(personalChat(carol)).at(-1)!;
    const requests = () =>
      stack.cardsIn(personalChat(dan)).filter((c) => textOf(c).includes('cwhite@contoso-recruitment.com'));

    const answers = await Promise.all([
      stack.invoke(carol, executeAction(mismatch, 'request_email_correction')),
      stack.invoke(carol, executeAction(mismatch, 'request_email_correction')),
    ]);
    for (const a of answers) assert.match(textOf(a.card), /asked your TriSys administrator to correct/);
    await waitFor('the correction request in Dan’s chat', () => requests()[0]);
    assert.equal(requests().length, 1, 'Dan has one card, not two');

    const again = await stack.invoke(carol, executeAction(mismatch, 'request_email_correction'));
    assert.match(
      textOf(again.card),
      /Asked \d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC, waiting for Dan Morgan\./,
    );
    assert.ok(!textOf(again.card).includes('"verb":"request_email_correction"'), 'no second ask offered');
    assert.equal(requests().length, 1, 'pressing again sends nothing');
    assert.equal((await accountOf(stack, carol))?.state, 'identity_mismatch');

    // Teams refreshes Dan's card when he views it: the request as it stands, still his to answer.
    const refresh = requests()[0]!.refresh as { action: { verb: string; data: Record<string, unknown> } };
    const refreshed = await stack.invoke(dan, { verb: refresh.action.verb, data: refresh.action.data });
    assert.match(textOf(refreshed.card), /"value":"carol\.white@contoso\.com"/);
    const byCarol = await stack.invoke(carol, { verb: refresh.action.verb, data: refresh.action.data });
    assert.match(textOf(byCarol.card), /Only a TriSys administrator/);
  });
  it('with two CRM administrators, Dan’s correction shows on Alice’s card without its button; her press on the old card changes nothing', async () => {
    const { carol, dan, alice } = PEOPLE;
    await makeCrmAdmin(stack, alice);
    await stack.say(dan, 'help');
    await stack.say(alice, 'help');
    const card = await startEnabling(stack, carol);
    await stack.signInFromCard(card, { username: carol.email, password: carol.password });
    await stack.invoke(
      carol,
      executeAction(stack.cardsIn(personalChat(carol)).at(-1)!, 'request_email_correction'),
    );
    const about = (c: unknown) => textOf(c).includes('"value":"carol.white@contoso.com"');
    const dans = await waitFor('Dan’s card', () => stack.cardsIn(personalChat(dan)).find(about));
    const alices = await waitFor('Alice’s card', () => stack.cardsIn(personalChat(alice)).find(about));

    const corrected = await stack.invoke(dan, executeAction(dans, 'correct_work_email'));
    assert.match(textOf(corrected.card), /work e-mail is now carol\.white@contoso\.com .*set by Dan Morgan/);
    const posted = stack
      .activitiesIn(personalChat(alice))
      .find((a) => a.method === 'POST' && about(cardOf(a)))!;
    const alicesNow = cardOf(
      stack
        .activitiesIn(personalChat(alice))
        .filter((a) => a.method === 'PUT' && a.activityId === posted.activityId)
        .at(-1)!,
    );
    assert.match(textOf(alicesNow), /set by Dan Morgan/);
    assert.ok(!textOf(alicesNow).includes('"verb":"correct_work_email"'), 'no button left on Alice’s card');

    const told = stack.cardsIn(personalChat(carol)).length;
    const late = await stack.invoke(alice, executeAction(alices, 'correct_work_email'));
    assert.match(textOf(late.card), new RegExp(STALE_CARD_NOTE));
    assert.match(textOf(late.card), /set by Dan Morgan/);
    assert.equal(stack.cardsIn(personalChat(carol)).length, told, 'Carol is told once');
  });
});

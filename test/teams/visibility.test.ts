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
import { stateOf } from './support/journeys.js';
import { colorOfText } from '../cards/card-validation.js';

describe('bot journey: no Cloud Sync visibility (Ben) and CRM administrators', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('explains the block, asks every CRM admin, and the admin’s Grant updates their card and tells Ben', async () => {
    const { ben, dan } = PEOPLE;
    await stack.say(dan, 'help'); // Dan has a chat with the bot, so he can be reached.
    await stack.say(ben, 'enable sync');
    const notVisible = stack.cardsIn(personalChat(ben)).at(-1)!;
    assert.match(textOf(notVisible), /database administrator/);
    assert.equal(await stateOf(stack, ben), undefined, 'looking writes nothing');

    const asked = await stack.invoke(ben, executeAction(notVisible, 'ask_admin'));
    assert.ok(asked.card);
    assert.equal(await stateOf(stack, ben), 'not_visible');
    assert.doesNotMatch(textOf(asked.card), /"verb":"ask_admin"/);
    const request = await waitFor('the visibility request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('ben.jones@contoso.com')),
    );

    // Only a CRM administrator's click counts; anyone else's changes nothing.
    const refused = await stack.invoke(PEOPLE.alice, executeAction(request, 'grant_visibility'));
    assert.match(textOf(refused.card), /Only a CRM administrator/);
    assert.equal(await stateOf(stack, ben), 'not_visible');

    const granted = await stack.invoke(dan, executeAction(request, 'grant_visibility'));
    assert.match(textOf(granted.card), /Granted by Dan Morgan/);
    assert.equal(await stateOf(stack, ben), 'ready');
    const told = stack.cardsIn(personalChat(ben)).at(-1)!;
    assert.match(textOf(told), /made Cloud Sync available/);
    const visible = await stack.store.db
      .selectFrom('crm_users')
      .select('cloud_sync_visible')
      .where('work_email', '=', ben.email)
      .executeTakeFirstOrThrow();
    assert.equal(visible.cloud_sync_visible, 1);
    const audit = await stack.store.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('action', '=', 'visibility_granted')
      .execute();
    assert.equal(audit.length, 2, 'the CRM change and the account transition are both audited');
  });

  it('tells Ben in the warning colour, not the success one, when Dan declines his request', async () => {
    const { ben, dan } = PEOPLE;
    await stack.say(dan, 'help');
    await stack.say(ben, 'enable sync');
    await stack.invoke(ben, executeAction(stack.cardsIn(personalChat(ben)).at(-1)!, 'ask_admin'));
    const request = await waitFor('the visibility request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('ben.jones@contoso.com')),
    );
    await stack.invoke(dan, executeAction(request, 'decline_visibility'));
    const told = await waitFor('the decline told to Ben', () =>
      stack.cardsIn(personalChat(ben)).find((c) => textOf(c).includes('declined your request')),
    );
    assert.equal(colorOfText(told, 'declined your request'), 'Warning');
    assert.equal(await stateOf(stack, ben), 'not_visible', 'declining changes nothing');
  });

  it('grant/revoke by chat command work for CRM admins only, with audit entries', async () => {
    const { ben, dan, alice } = PEOPLE;
    await stack.say(ben, 'help');
    await stack.say(alice, 'grant ben.jones@contoso.com');
    assert.match(
      String(stack.activitiesIn(personalChat(alice)).at(-1)!.activity.text),
      /Only a CRM administrator/,
    );
    assert.equal(await stateOf(stack, ben), undefined);

    await stack.say(dan, 'grant ben.jones@contoso.com');
    assert.match(
      String(stack.activitiesIn(personalChat(dan)).at(-1)!.activity.text),
      /can now switch on Cloud Sync/,
    );
    assert.equal(await stateOf(stack, ben), 'ready');
    assert.match(textOf(stack.cardsIn(personalChat(ben)).at(-1)), /made Cloud Sync available/);
    assert.equal(colorOfText(stack.cardsIn(personalChat(ben)).at(-1), 'made Cloud Sync available'), 'Good');

    await stack.say(dan, 'list users');
    const list = textOf(stack.cardsIn(personalChat(dan)).at(-1));
    assert.match(list, /Ben Jones/);
    assert.match(list, /Alice Smith/);

    await stack.say(dan, 'revoke ben.jones@contoso.com');
    assert.equal(await stateOf(stack, ben), 'not_visible');
    // Bad news for Ben is never in the success colour.
    const withdrawn = stack.cardsIn(personalChat(ben)).at(-1);
    assert.match(textOf(withdrawn), /withdrawn Cloud Sync for you/);
    assert.equal(colorOfText(withdrawn, 'withdrawn Cloud Sync'), 'Warning');
    const actions = await stack.store.db.selectFrom('audit_log').select('action').orderBy('at').execute();
    assert.deepEqual(
      actions.map((a) => a.action).filter((a) => a.startsWith('visibility')),
      ['visibility_granted', 'visibility_granted', 'visibility_revoked', 'visibility_revoked'],
    );
  });

  it('tells a Teams user no CRM user matches which address was tried, offering only the address check', async () => {
    stack.channel.roster.set('29:zoe', {
      id: '29:zoe',
      name: 'Zoe Outsider',
      aadObjectId: 'a1000000-0000-4000-8000-0000000000ff',
      email: 'zoe@contoso.com',
      userPrincipalName: 'zoe@contoso.com',
    });
    const zoe = {
      ...PEOPLE.alice,
      key: 'zoe',
      name: 'Zoe Outsider',
      aadObjectId: 'a1000000-0000-4000-8000-0000000000ff',
      email: 'zoe@contoso.com',
    };
    await stack.say(zoe, 'enable sync');
    const card = stack.cardsIn(personalChat(zoe)).at(-1)!;
    assert.match(textOf(card), /zoe@contoso\.com/);
    assert.match(textOf(card), /Sign in to check my addresses/);
    assert.doesNotMatch(textOf(card), /Action\.Execute/);
    assert.equal((await stack.store.db.selectFrom('sync_accounts').selectAll().execute()).length, 0);
  });
});

import assert from 'node:assert/strict';
import {
  executeVerbs,
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  waitFor,
  type BotStack,
  type DemoPerson,
} from './support/bot-stack.js';
import { makeCrmAdmin, stateOf } from './support/journeys.js';
import { colorOfText } from '../cards/card-validation.js';
import { cardOf } from './support/channel-recorder.js';
import { STALE_CARD_NOTE } from '../../bot/cards/card-freshness.js';

const requestsFor = (stack: BotStack, admin: DemoPerson, email: string) =>
  stack.cardsIn(personalChat(admin)).filter((c) => textOf(c).includes(email));

/** The card's "Asked" fact: when the user asked. */
const askedFact = (card: unknown): string | undefined =>
  /"title":"Asked","value":"([^"]+)"/.exec(textOf(card))?.[1];

/** Where a posted card stands now: the last update Teams received for it, else the card as posted. */
function currentCard(stack: BotStack, admin: DemoPerson, email: string): Record<string, unknown> {
  const posted = stack
    .activitiesIn(personalChat(admin))
    .filter((a) => a.method === 'POST' && JSON.stringify(a.activity).includes(email))
    .at(-1);
  assert.ok(posted, `no card about ${email} in ${admin.name}'s chat`);
  const updated = stack
    .activitiesIn(personalChat(admin))
    .filter((a) => a.method === 'PUT' && a.activityId === posted.activityId)
    .at(-1);
  return cardOf(updated ?? posted)!;
}

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
  /** Ben asks; every reachable administrator has his request. Returns his not-visible card. */
  async function benAsks(): Promise<Record<string, unknown>> {
    const { ben } = PEOPLE;
    await stack.say(ben, 'enable sync');
    const notVisible = stack.cardsIn(personalChat(ben)).at(-1)!;
    const asked = await stack.invoke(ben, executeAction(notVisible, 'ask_admin'));
    assert.match(textOf(asked.card), /We've asked your administrator/);
    return notVisible;
  }

  /** Dan and Alice both administer the CRM and have talked to the bot; Ben asks. The card each received. */
  async function bothAdminsHaveBensRequest() {
    await makeCrmAdmin(stack, PEOPLE.alice);
    const { ben, dan, alice } = PEOPLE;
    await stack.say(dan, 'help');
    await stack.say(alice, 'help');
    await benAsks();
    const dans = await waitFor('Dan’s card', () => requestsFor(stack, dan, ben.email)[0]);
    const alices = await waitFor('Alice’s card', () => requestsFor(stack, alice, ben.email)[0]);
    return { dans, alices };
  }

  it('a double press on "Ask my administrator" sends one request; pressing again shows when it was asked and who has it', async () => {
    const { ben, dan } = PEOPLE;
    await stack.say(dan, 'help');
    await stack.say(ben, 'enable sync');
    const notVisible = stack.cardsIn(personalChat(ben)).at(-1)!;

    // Two presses at the same moment, as a double click sends them.
    const answers = await Promise.all([
      stack.invoke(ben, executeAction(notVisible, 'ask_admin')),
      stack.invoke(ben, executeAction(notVisible, 'ask_admin')),
    ]);
    for (const a of answers) assert.match(textOf(a.card), /We've asked your administrator/);
    await waitFor('the request in Dan’s chat', () => requestsFor(stack, dan, ben.email)[0]);
    assert.equal(requestsFor(stack, dan, ben.email).length, 1, 'Dan has one card, not two');

    const again = await stack.invoke(ben, executeAction(notVisible, 'ask_admin'));
    assert.match(
      textOf(again.card),
      /Asked \d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC, waiting for Dan Morgan\./,
    );
    assert.deepEqual(executeVerbs(again.card), [], 'nothing left to press');
    assert.equal(requestsFor(stack, dan, ben.email).length, 1, 'pressing again sends nothing');
    // `enable sync` shows the same: the request is still open, with Dan.
    await stack.say(ben, 'enable sync');
    assert.match(textOf(stack.cardsIn(personalChat(ben)).at(-1)), /waiting for Dan Morgan/);
  });

  it('Grant on one administrator’s card, then Decline on another’s: the grant stands on every card and Ben is never told "declined"', async () => {
    const { ben, dan, alice } = PEOPLE;
    const { dans, alices } = await bothAdminsHaveBensRequest();
    const asked = askedFact(dans);
    assert.ok(asked);
    // While open, each card asks Teams to refresh it for both administrators when they view it.
    const refresh = currentCard(stack, alice, ben.email).refresh as { userIds?: string[] };
    assert.deepEqual([...(refresh.userIds ?? [])].sort(), ['29:alice', '29:dan']);

    const granted = await stack.invoke(dan, executeAction(dans, 'grant_visibility'));
    assert.match(textOf(granted.card), /Granted by Dan Morgan/);
    assert.equal(await stateOf(stack, ben), 'ready');

    // Alice's card, updated in place: the decision and who made it, no buttons, the same "Asked".
    const alicesNow = currentCard(stack, alice, ben.email);
    assert.match(textOf(alicesNow), /Granted by Dan Morgan/);
    assert.deepEqual(executeVerbs(alicesNow), []);
    assert.equal(askedFact(alicesNow), asked);

    // Alice presses Decline on the card as it was before the update reached her.
    const declined = await stack.invoke(alice, executeAction(alices, 'decline_visibility'));
    assert.match(textOf(declined.card), new RegExp(STALE_CARD_NOTE));
    assert.match(textOf(declined.card), /Granted by Dan Morgan/);
    assert.deepEqual(executeVerbs(declined.card), []);
    assert.equal(askedFact(declined.card), asked, 'the "Asked" time never changes');
    assert.equal(await stateOf(stack, ben), 'ready');
    assert.ok(
      !stack.cardsIn(personalChat(ben)).some((c) => textOf(c).includes('declined')),
      'Ben is never told "declined"',
    );
    const rows = await stack.store.db.selectFrom('visibility_requests').selectAll().execute();
    assert.deepEqual(
      rows.map((r) => [r.status, r.decided_by]),
      [['granted', 'Dan Morgan']],
    );
  });

  it('Grant and Decline pressed at the same moment on two cards: one decision, the same on both cards, and Ben told only that one', async () => {
    const { ben, dan, alice } = PEOPLE;
    const { dans, alices } = await bothAdminsHaveBensRequest();
    const [grant, decline] = await Promise.all([
      stack.invoke(dan, executeAction(dans, 'grant_visibility')),
      stack.invoke(alice, executeAction(alices, 'decline_visibility')),
    ]);
    const row = await stack.store.db.selectFrom('visibility_requests').selectAll().executeTakeFirstOrThrow();
    const decision = row.status === 'granted' ? /Granted by Dan Morgan/ : /Declined by Alice Smith/;
    assert.notEqual(row.status, 'open');
    for (const answer of [grant, decline]) assert.match(textOf(answer.card), decision);
    for (const admin of [dan, alice]) assert.match(textOf(currentCard(stack, admin, ben.email)), decision);
    assert.equal(await stateOf(stack, ben), row.status === 'granted' ? 'ready' : 'not_visible');
    const told = stack.cardsIn(personalChat(ben)).map(textOf);
    assert.equal(
      told.some((t) => t.includes('declined your request')),
      row.status === 'declined',
    );
    assert.equal(
      told.some((t) => t.includes('made Cloud Sync available')),
      row.status === 'granted',
    );
  });

  it('the grant command answers an open request on every card; Teams’ refresh of a card gives it as it stands', async () => {
    const { ben, dan, alice } = PEOPLE;
    const { alices } = await bothAdminsHaveBensRequest();
    await stack.say(dan, 'grant ben.jones@contoso.com');
    assert.equal(await stateOf(stack, ben), 'ready');
    assert.match(textOf(currentCard(stack, alice, ben.email)), /Granted by Dan Morgan/);

    const refresh = (alices.refresh as { action: { verb: string; data: Record<string, unknown> } }).action;
    const refreshed = await stack.invoke(alice, { verb: refresh.verb, data: refresh.data });
    assert.match(textOf(refreshed.card), /Granted by Dan Morgan/);
    assert.deepEqual(executeVerbs(refreshed.card), []);
    // Only an administrator of the organisation sees it.
    const stranger = await stack.invoke(ben, { verb: refresh.verb, data: refresh.data });
    assert.match(textOf(stranger.card), /Only a CRM administrator/);
  });
});

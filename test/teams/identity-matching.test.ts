import assert from 'node:assert/strict';
import { importCrm } from '../../bot/crm/import.js';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { STALE_CARD_NOTE } from '../../bot/cards/card-freshness.js';
import {
  actionsOf,
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  waitFor,
  type BotStack,
  type DemoPerson,
} from './support/bot-stack.js';
import { DEMO } from '../support/emulator-msal.js';
import { accountOf, auditActions, startEnabling } from './support/journeys.js';

/**
 * Every way a Teams user is matched to their CRM user (stored link, Teams e-mail,
 * UPN, an alias after sign-in), and what happens when nothing matches (the addresses tried, "Ask my CRM
 * administrator", the administrator's correction or a CRM import, the user told and resuming), plus IT
 * administrators without a CRM user. Expected outcomes follow from the demo data (docs/demo-identities.md)
 * and the rows each test adds, as a CRM administrator or Microsoft 365 administrator would.
 */

const CONTOSO = PEOPLE.alice.tenantId;

/** A Contoso recruiter the demo data does not have: in Microsoft 365 and Teams, and (per test) in the CRM. */
const GRACE: DemoPerson = {
  key: 'grace',
  name: 'Grace Hall',
  aadObjectId: 'a1000000-0000-4000-8000-000000000010',
  email: 'grace.hall@contoso.com',
  tenantId: CONTOSO,
  password: 'grace-pw',
};

async function emulatorCall(stack: BotStack, method: string, path: string, body: unknown) {
  const res = await trustedFetch(stack.emu.caPem)(`${stack.emu.origin}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: ${res.status} ${await res.text()}`);
}

/** Grace's Microsoft 365 account (as its administrator would create it) and her Teams profile. */
async function addGrace(stack: BotStack): Promise<void> {
  await emulatorCall(stack, 'POST', '/_emulator/users', {
    id: GRACE.aadObjectId,
    tenantId: CONTOSO,
    userPrincipalName: GRACE.email,
    displayName: GRACE.name,
    password: GRACE.password,
    proxyAddresses: [`SMTP:${GRACE.email}`],
  });
  stack.channel.roster.set('29:grace', {
    id: '29:grace',
    name: GRACE.name,
    aadObjectId: GRACE.aadObjectId,
    email: GRACE.email,
    userPrincipalName: GRACE.email,
  });
}

async function crmUsers(stack: BotStack, users: Array<{ workEmail: string; displayName: string }>) {
  const report = await importCrm(
    stack.store,
    JSON.stringify({ users: users.map((u) => ({ tenant: CONTOSO, cloudSyncVisible: true, ...u })) }),
    { format: 'json' },
  );
  assert.deepEqual(report.rejected, []);
}

async function crmUserRow(stack: BotStack, displayName: string) {
  return stack.store.db
    .selectFrom('crm_users')
    .select(['id', 'work_email', 'teams_user_aad_id'])
    .where('display_name', '=', displayName)
    .executeTakeFirstOrThrow();
}

const lastCard = (stack: BotStack, person: DemoPerson) => stack.cardsIn(personalChat(person)).at(-1)!;

describe('bot: Teams user → CRM user', function () {
  let stack: BotStack;
  beforeEach(async () => {
    // Henry (below) is listed as Contoso's IT administrator by tenant id and object id. Some tests
    // change a person's Teams profile between their turns: the bot asks Teams afresh every turn here.
    stack = await startBotStack({
      env: {
        IT_ADMINS: `${DEMO.contoso}/a1000000-0000-4000-8000-000000000011`,
        TEAMS_MEMBER_CACHE_SECONDS: '0',
      },
    });
  });
  afterEach(() => stack.close());

  it('stored link: once linked, the user is found by object id even when Teams reports other addresses', async () => {
    const { alice } = PEOPLE;
    await startEnabling(stack, alice);
    assert.equal((await crmUserRow(stack, 'Alice Smith')).teams_user_aad_id, alice.aadObjectId);
    stack.channel.roster.set('29:alice', {
      id: '29:alice',
      name: alice.name,
      aadObjectId: alice.aadObjectId,
      email: 'alice@renamed.example',
      userPrincipalName: 'alice@renamed.example',
    });
    await stack.say(alice, 'status');
    assert.match(textOf(lastCard(stack, alice)), /Sign in/);
    assert.doesNotMatch(textOf(lastCard(stack, alice)), /find your TriSys user/);
  });

  it('Teams e-mail: Carol is found by the e-mail on her Teams profile although her UPN differs', async () => {
    await stack.say(PEOPLE.carol, 'help');
    assert.match(textOf(lastCard(stack, PEOPLE.carol)), /Hello Carol White/);
  });

  it('UPN: a Teams e-mail no CRM user has falls back to the UPN; a CRM user linked to someone else is never taken', async () => {
    const { alice } = PEOPLE;
    stack.channel.roster.set('29:alice', {
      id: '29:alice',
      name: alice.name,
      aadObjectId: alice.aadObjectId,
      email: 'alice.s@contoso-mail.example',
      userPrincipalName: alice.email,
    });
    await startEnabling(stack, alice);
    assert.equal((await crmUserRow(stack, 'Alice Smith')).teams_user_aad_id, alice.aadObjectId);

    // Someone else whose Teams profile shows Alice's address does not become Alice.
    const mallory: DemoPerson = {
      ...GRACE,
      key: 'mallory',
      name: 'Mallory',
      aadObjectId: 'a1000000-0000-4000-8000-0000000000aa',
    };
    stack.channel.roster.set('29:mallory', {
      id: '29:mallory',
      name: 'Mallory',
      aadObjectId: mallory.aadObjectId,
      email: alice.email,
      userPrincipalName: 'mallory@contoso.com',
    });
    await stack.say(mallory, 'enable sync');
    assert.match(textOf(lastCard(stack, mallory)), /find your TriSys user/);
    assert.equal((await crmUserRow(stack, 'Alice Smith')).teams_user_aad_id, alice.aadObjectId);
  });

  it('alias after sign-in: the CRM work e-mail is a mailbox alias; the sign-in finds her, keeps no token, and she activates', async () => {
    await addGrace(stack);
    // Her administrator adds the alias in Exchange; her CRM record carries the alias.
    await emulatorCall(stack, 'PATCH', `/_emulator/users/${GRACE.aadObjectId}`, {
      proxyAddresses: [`SMTP:${GRACE.email}`, 'smtp:g.hall@contoso.com'],
    });
    await crmUsers(stack, [{ workEmail: 'g.hall@contoso.com', displayName: 'Grace Hall' }]);

    await stack.say(GRACE, 'enable sync');
    const offer = lastCard(stack, GRACE);
    assert.match(textOf(offer), /find your TriSys user/);
    assert.match(textOf(offer), /grace\.hall@contoso\.com/);
    const page = await stack.signInFromCard(offer, { username: GRACE.email, password: GRACE.password });
    assert.match(page.html, /We found you in TriSys/);
    assert.match(textOf(lastCard(stack, GRACE)), /Found you: g\.hall@contoso\.com/);
    assert.equal((await crmUserRow(stack, 'Grace Hall')).teams_user_aad_id, GRACE.aadObjectId);
    assert.deepEqual(await stack.store.db.selectFrom('token_caches').select('account_key').execute(), []);

    const signIn = await stack.invoke(GRACE, executeAction(lastCard(stack, GRACE), 'enable'));
    const done = await stack.signInFromCard(signIn.card!, {
      username: GRACE.email,
      password: GRACE.password,
    });
    assert.match(done.html, /Cloud Sync is on/, done.html);
    const account = await stack.store.db
      .selectFrom('sync_accounts')
      .select(['state', 'ms_object_id'])
      .where('crm_user_id', '=', (await crmUserRow(stack, 'Grace Hall')).id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(account, { state: 'active', ms_object_id: GRACE.aadObjectId });
  });

  it('no match: the addresses tried and "Ask my CRM administrator"; the admin sets the work e-mail and she resumes', async () => {
    await addGrace(stack);
    await crmUsers(stack, [{ workEmail: 'grace@old-agency.example', displayName: 'Grace Hall' }]);
    await stack.say(PEOPLE.dan, 'help');
    await stack.say(PEOPLE.alice, 'help');

    await stack.say(GRACE, 'help');
    const page = await stack.signInFromCard(lastCard(stack, GRACE), {
      username: GRACE.email,
      password: GRACE.password,
    });
    assert.match(page.html, /No TriSys user has your addresses/);
    const notFound = lastCard(stack, GRACE);
    assert.match(textOf(notFound), /• grace\.hall@contoso\.com/);
    assert.deepEqual(await stack.store.db.selectFrom('token_caches').select('account_key').execute(), []);

    const asked = await stack.invoke(GRACE, executeAction(notFound, 'ask_crm_admin'));
    assert.match(textOf(asked.card), /We've asked your TriSys administrator/);
    const request = await waitFor('the correction request in Dan’s chat', () =>
      stack.cardsIn(personalChat(PEOPLE.dan)).find((c) => textOf(c).includes('Please correct a work e-mail')),
    );
    assert.match(
      textOf(request),
      /"label":"Work e-mail to set in TriSys"[^}]*"value":"grace\.hall@contoso\.com"/,
    );
    assert.match(textOf(request), /Grace Hall \(grace@old-agency\.example\)/);
    const grace = await crmUserRow(stack, 'Grace Hall');
    const button = executeAction(request, 'correct_work_email');

    // Refused, changing nothing: not an administrator; a CRM user of another organisation; no choice.
    const byAlice = await stack.invoke(PEOPLE.alice, {
      verb: button.verb,
      data: { ...button.data, crmUserId: grace.id },
    });
    assert.match(textOf(byAlice.card), /Only a TriSys administrator/);
    const erin = await crmUserRow(stack, 'Erin Lee');
    const foreign = await stack.invoke(PEOPLE.dan, {
      verb: button.verb,
      data: { ...button.data, crmUserId: erin.id },
    });
    assert.match(textOf(foreign.card), /not in your organisation/);
    const unchosen = await stack.invoke(PEOPLE.dan, button);
    assert.match(textOf(unchosen.card), /Choose the TriSys user/);
    assert.equal((await crmUserRow(stack, 'Grace Hall')).work_email, 'grace@old-agency.example');
    assert.equal((await crmUserRow(stack, 'Erin Lee')).work_email, 'erin.lee@fabrikam.com');

    const corrected = await stack.invoke(PEOPLE.dan, {
      verb: button.verb,
      data: { ...button.data, crmUserId: grace.id },
    });
    assert.match(
      textOf(corrected.card),
      /Grace Hall's work e-mail is now grace\.hall@contoso\.com \(was grace@old-agency\.example\)/,
    );
    assert.deepEqual(await crmUserRow(stack, 'Grace Hall'), {
      id: grace.id,
      work_email: 'grace.hall@contoso.com',
      teams_user_aad_id: GRACE.aadObjectId,
    });
    assert.deepEqual(await auditActions(stack, grace.id), ['work_email_corrected']);
    const told = await waitFor('Grace told', () =>
      stack
        .cardsIn(personalChat(GRACE))
        .find((c) => textOf(c).includes('set your work e-mail to grace.hall@contoso.com')),
    );
    assert.match(textOf(told), /Hello Grace Hall/);
    // She carries on from the step she stopped at: switching Cloud Sync on.
    const signIn = await stack.invoke(GRACE, executeAction(told, 'enable'));
    assert.match(textOf(signIn.card), /Sign in/);
    const again = await stack.invoke(PEOPLE.dan, {
      verb: button.verb,
      data: { ...button.data, crmUserId: grace.id },
    });
    // A press on the card after it was settled changes nothing and shows it settled, by whom.
    assert.match(textOf(again.card), new RegExp(STALE_CARD_NOTE));
    assert.match(
      textOf(again.card),
      /Grace Hall's work e-mail is now grace\.hall@contoso\.com .*set by Dan Morgan/,
    );
    assert.equal(actionsOf(again.card).filter((a) => a.type === 'Action.Execute').length, 0);
    assert.deepEqual(await auditActions(stack, grace.id), ['work_email_corrected']);
  });

  it('admin correction of a mismatched sign-in: refused while the address is another CRM user’s, then done and Carol resumes at sign-in', async () => {
    const { carol, dan } = PEOPLE;
    await stack.say(dan, 'help');
    const card = await startEnabling(stack, carol);
    await stack.signInFromCard(card, { username: carol.email, password: carol.password });
    await stack.invoke(carol, executeAction(lastCard(stack, carol), 'request_email_correction'));
    const request = await waitFor('the correction request in Dan’s chat', () =>
      stack.cardsIn(personalChat(dan)).find((c) => textOf(c).includes('"value":"carol.white@contoso.com"')),
    );
    assert.match(textOf(request), /cwhite@contoso-recruitment\.com/);
    const button = executeAction(request, 'correct_work_email');

    await crmUsers(stack, [{ workEmail: 'carol.white@contoso.com', displayName: 'Caroline Whitaker' }]);
    const refused = await stack.invoke(dan, button);
    assert.match(
      textOf(refused.card),
      /carol\.white@contoso\.com is already the work e-mail of Caroline Whitaker in TriSys\. Nothing was changed\./,
    );
    assert.equal((await crmUserRow(stack, 'Carol White')).work_email, 'cwhite@contoso-recruitment.com');
    assert.equal((await accountOf(stack, carol))?.state, 'identity_mismatch');

    await stack.store.db.deleteFrom('crm_users').where('display_name', '=', 'Caroline Whitaker').execute();
    const corrected = await stack.invoke(dan, button);
    assert.match(textOf(corrected.card), /Carol White's work e-mail is now carol\.white@contoso\.com/);
    const resumed = await waitFor('Carol’s sign-in card', () =>
      stack
        .cardsIn(personalChat(carol))
        .find((c) => textOf(c).includes('changed your work e-mail to carol.white@contoso.com')),
    );
    const page = await stack.signInFromCard(resumed, { username: carol.email, password: carol.password });
    assert.match(page.html, /Cloud Sync is on/, page.html);
    const row = await stack.store.db
      .selectFrom('sync_accounts')
      .select('state')
      .where('crm_user_id', '=', (await crmUserRow(stack, 'Carol White')).id)
      .executeTakeFirstOrThrow();
    assert.equal(row.state, 'active');
  });

  it('a CRM import that adds her address resolves her open request: she is told and can carry on', async () => {
    await addGrace(stack);
    await stack.say(GRACE, 'help');
    await stack.signInFromCard(lastCard(stack, GRACE), { username: GRACE.email, password: GRACE.password });
    assert.equal(await stack.bot.pollIdentityRequests(), 0);

    await crmUsers(stack, [{ workEmail: 'grace.hall@contoso.com', displayName: 'Grace Hall' }]);
    assert.equal(await stack.bot.pollIdentityRequests(), 1);
    const told = lastCard(stack, GRACE);
    assert.match(textOf(told), /added grace\.hall@contoso\.com as your work e-mail/);
    assert.equal((await crmUserRow(stack, 'Grace Hall')).teams_user_aad_id, GRACE.aadObjectId);
    assert.equal(await stack.bot.pollIdentityRequests(), 0);
    await stack.say(GRACE, 'help');
    assert.match(textOf(lastCard(stack, GRACE)), /Hello Grace Hall/);
  });

  it('an IT administrator without a CRM user is greeted as IT (what they can do here), and nothing is created', async () => {
    const henry: DemoPerson = {
      ...GRACE,
      key: 'henry',
      name: 'Henry IT',
      aadObjectId: 'a1000000-0000-4000-8000-000000000011',
      email: 'henry.it@contoso.com',
    };
    stack.channel.roster.set('29:henry', {
      id: '29:henry',
      name: henry.name,
      aadObjectId: henry.aadObjectId,
      email: henry.email,
      userPrincipalName: henry.email,
    });
    await stack.say(henry, 'enable sync');
    const card = lastCard(stack, henry);
    assert.match(textOf(card), /you're an IT administrator here/i);
    assert.doesNotMatch(textOf(card), /couldn't find|find your TriSys user/i);
    assert.equal((await stack.store.db.selectFrom('sync_accounts').selectAll().execute()).length, 0);
  });

  it('a Teams user in an organisation that does not use Cloud Sync is told so, with no sign-in offered', async () => {
    const outsider: DemoPerson = {
      ...GRACE,
      key: 'outsider',
      name: 'Olga Outsider',
      aadObjectId: 'c3000000-0000-4000-8000-000000000001',
      email: 'olga@northwind.example',
      tenantId: 'c3000000-0000-4000-8000-0000000000ff',
    };
    stack.channel.roster.set('29:outsider', {
      id: '29:outsider',
      name: outsider.name,
      aadObjectId: outsider.aadObjectId,
      email: outsider.email,
      userPrincipalName: outsider.email,
    });
    await stack.say(outsider, 'enable sync');
    const card = lastCard(stack, outsider);
    assert.match(textOf(card), /doesn't use Cloud Sync/);
    assert.doesNotMatch(textOf(card), /Action\.(OpenUrl|Execute)/);
  });
});

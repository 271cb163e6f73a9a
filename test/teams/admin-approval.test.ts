import assert from 'node:assert/strict';
import { answerToApp, EmulatorBrowser, expectPage, expectRedirect } from '../support/emulator-browser.js';
import { DEMO } from '../support/emulator-msal.js';
import { STALE_CARD_NOTE } from '../../bot/cards/card-freshness.js';
import {
  actionsOf,
  executeAction,
  itChannel,
  openUrlOf,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  waitFor,
  type BotStack,
} from './support/bot-stack.js';
import { stateOf, startEnabling } from './support/journeys.js';
import { deriveKey } from '../../bot/vault/derived-keys.js';
import { adminConsentState } from '../../bot/sign-in/sign-in-routes.js';
import { signCardRef } from '../../bot/cards/card-refs.js';

/** Erin (Fabrikam) meets "Need admin approval" and sends "Request approval" with a reason. */
async function blockedByAdminApproval(stack: BotStack): Promise<{ html: string }> {
  const { erin } = PEOPLE;
  const card = await startEnabling(stack, erin);
  return stack.signInFromCard(
    card,
    { username: erin.email, password: erin.password },
    async (browser, step) => {
      const page = expectPage(step);
      assert.match(page.html, /Need admin approval/);
      return browser.submit(
        page,
        { justification: 'I need my candidate mail in TriSys' },
        '/request-approval',
      );
    },
  );
}

const channel = itChannel(DEMO.fabrikam);

/**
 * Follows the IT card's "Open admin consent" button as IT would: our start route sends the browser to
 * Microsoft's sign-in (OpenID Connect, in the request's organisation); the person signs in on the
 * emulator's page, whose form_post answer reaches our callback.
 */
async function signInFromConsentButton(
  stack: BotStack,
  card: unknown,
  person: { email: string; password: string },
): Promise<{ browser: EmulatorBrowser; answer: Response }> {
  const res = await fetch(openUrlOf(card, 'admin consent'), { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const authorize = new URL(res.headers.get('location')!);
  assert.match(authorize.pathname, new RegExp(`^/${DEMO.fabrikam}/oauth2/v2\\.0/authorize$`));
  assert.deepEqual(
    authorize.searchParams
      .get('scope')!
      .split(' ')
      .filter((s) => s !== 'offline_access')
      .sort(),
    ['openid', 'profile'],
  );
  const browser = new EmulatorBrowser(stack.emu.origin, stack.emu.caPem);
  const step = await browser.signIn(await browser.get(authorize.toString()), {
    username: person.email,
    password: person.password,
  });
  const back = answerToApp(step);
  return { browser, answer: await fetch(back.url, { ...back.init, redirect: 'manual' }) };
}

/**
 * Signed in, the administrator is sent on to Microsoft's v2.0 admin consent URL, whose state our
 * server minted with their name.
 */
async function startConsent(
  stack: BotStack,
  card: unknown,
  person: { email: string; password: string } = PEOPLE.frank,
): Promise<{ browser: EmulatorBrowser; consentUrl: string }> {
  const { browser, answer } = await signInFromConsentButton(stack, card, person);
  assert.equal(answer.status, 302, await answer.text());
  const location = new URL(answer.headers.get('location')!);
  assert.match(location.pathname, /\/v2\.0\/adminconsent$/);
  assert.ok(location.searchParams.get('state'));
  return { browser, consentUrl: location.toString() };
}

describe('bot journey: admin approval required (Erin, Fabrikam) and IT’s answer', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack();
  });
  afterEach(() => stack.close());

  it('only a CRM admin or a listed IT admin can set the IT channel', async () => {
    await stack.say(PEOPLE.erin, 'set it channel', channel);
    assert.match(String(stack.activitiesIn(channel).at(-1)!.activity.text), /Only a CRM administrator/);
    const tenant = await stack.store.db
      .selectFrom('tenants')
      .select('it_channel_ref_key')
      .where('id', '=', DEMO.fabrikam)
      .executeTakeFirstOrThrow();
    assert.equal(tenant.it_channel_ref_key, null);
    await stack.say(PEOPLE.frank, 'set it channel', channel);
    assert.match(String(stack.activitiesIn(channel).at(-1)!.activity.text), /IT channel/);
  });

  it('posts the request to the IT channel; admin consent through our callback resumes Erin at sign-in, and she finishes', async () => {
    const { erin, frank } = PEOPLE;
    await stack.say(frank, 'set it channel', channel);
    const page = await blockedByAdminApproval(stack);
    assert.match(page.html, /Waiting for your IT team/);
    assert.equal(await stateOf(stack, erin), 'awaiting_admin_consent');
    const waiting = stack.cardsIn(personalChat(erin)).at(-1)!;
    assert.match(textOf(waiting), /justification/);

    const request = await waitFor('the approval card in the IT channel', () =>
      stack.cardsIn(channel).find((c) => textOf(c).includes('erin.lee@fabrikam.com')),
    );
    assert.match(textOf(request), /Fabrikam Staffing/);
    assert.match(textOf(request), /Mail\.Read/);

    // Erin explains why; the channel's card is redrawn in place with her reason.
    const justified = await stack.invoke(erin, {
      ...executeAction(waiting, 'submit_justification'),
      data: {
        ...executeAction(waiting, 'submit_justification').data,
        justification: 'Candidate e-mails must be in TriSys',
      },
    });
    assert.ok(justified.card, JSON.stringify(justified.body));
    const redrawn = await waitFor('the updated approval card', () =>
      stack
        .activitiesIn(channel)
        .find(
          (a) =>
            a.method === 'PUT' && JSON.stringify(a.activity).includes('Candidate e-mails must be in TriSys'),
        ),
    );
    assert.ok(redrawn);

    // The card holds only a reference to the request: no consent state to copy or leak through URL logs.
    const button = new URL(openUrlOf(request, 'admin consent'));
    assert.equal(button.pathname, '/auth/admin-consent/start');
    assert.deepEqual([...button.searchParams.keys()], ['ref']);
    assert.doesNotMatch(textOf(request), /state=|adminconsent/);

    // Frank opens "Open admin consent" from the card, signs in, and consents for the organisation.
    const { browser, consentUrl } = await startConsent(stack, request, frank);
    const consentPage = expectPage(await browser.get(consentUrl));
    const back = expectRedirect(await browser.submit(consentPage, { decision: 'accept' }, '/Consent/Set'));
    const res = await fetch(back.toString());
    assert.match(await res.text(), /Cloud Sync is approved/);

    assert.equal(await stateOf(stack, erin), 'signing_in');
    const resumed = stack.cardsIn(personalChat(erin)).at(-1)!;
    assert.match(textOf(resumed), /IT team has approved/);
    await waitFor('the channel card marked granted', () =>
      stack
        .activitiesIn(channel)
        .find(
          (a) =>
            a.method === 'PUT' &&
            JSON.stringify(a.activity).includes('Granted by Frank Ortiz (Microsoft admin consent)'),
        ),
    );
    const audit = await stack.store.db
      .selectFrom('audit_log')
      .select(['actor', 'tenant_id', 'reason'])
      .where('action', '=', 'admin_consent_given')
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor, frank.aadObjectId);
    assert.equal(audit[0]!.tenant_id, DEMO.fabrikam);
    assert.match(audit[0]!.reason!, /Frank Ortiz/);

    const done = await stack.signInFromCard(resumed, { username: erin.email, password: erin.password });
    assert.match(done.html, /Cloud Sync is on/, done.html);
    assert.equal(await stateOf(stack, erin), 'active');
  });

  it('the Granted button (consent given in the portal) updates the card and tells every waiting user', async () => {
    const { erin, frank } = PEOPLE;
    await stack.say(frank, 'set it channel', channel);
    await blockedByAdminApproval(stack);
    const request = stack.cardsIn(channel).at(-1)!;
    // Someone outside the IT channel cannot answer it.
    const outsider = await stack.invoke(erin, executeAction(request, 'consent_granted'));
    assert.match(textOf(outsider.card), /Only the IT channel/);
    assert.equal(await stateOf(stack, erin), 'awaiting_admin_consent');

    const granted = await stack.invoke(frank, executeAction(request, 'consent_granted'), channel);
    assert.match(textOf(granted.card), /Granted by Frank Ortiz/);
    assert.equal(await stateOf(stack, erin), 'signing_in');
    assert.match(textOf(stack.cardsIn(personalChat(erin)).at(-1)), /IT team has approved/);
    assert.ok(
      stack
        .activitiesIn(channel)
        .some((a) => a.method === 'PUT' && JSON.stringify(a.activity).includes('Granted by Frank Ortiz')),
    );

    // Pressed again on the old card, or Declined on it: nothing changes; the card shows the grant.
    const again = await stack.invoke(frank, executeAction(request, 'consent_granted'), channel);
    assert.match(textOf(again.card), new RegExp(STALE_CARD_NOTE));
    assert.match(textOf(again.card), /Granted by Frank Ortiz/);
    const decline = executeAction(request, 'consent_declined');
    const late = await stack.invoke(
      frank,
      { ...decline, data: { ...decline.data, declineReason: 'Changed my mind' } },
      channel,
    );
    assert.match(textOf(late.card), new RegExp(STALE_CARD_NOTE));
    assert.match(textOf(late.card), /Granted by Frank Ortiz/);
    assert.equal(actionsOf(late.card).filter((a) => a.type === 'Action.Execute').length, 0);
    assert.equal(await stateOf(stack, erin), 'signing_in');
    assert.ok(!stack.cardsIn(personalChat(erin)).some((c) => textOf(c).includes('Changed my mind')));
  });

  it('Declined tells the user with IT’s reason', async () => {
    const { erin, frank } = PEOPLE;
    await stack.say(frank, 'set it channel', channel);
    await blockedByAdminApproval(stack);
    const request = stack.cardsIn(channel).at(-1)!;
    const action = executeAction(request, 'consent_declined');
    const declined = await stack.invoke(
      frank,
      { ...action, data: { ...action.data, declineReason: 'Not licensed for Fabrikam' } },
      channel,
    );
    assert.match(textOf(declined.card), /Declined by Frank Ortiz/);
    assert.equal(await stateOf(stack, erin), 'ready');
    const told = textOf(stack.cardsIn(personalChat(erin)).at(-1));
    assert.match(told, /Not licensed for Fabrikam/);
  });

  // The consent link (and its state) is IT's alone, never in a requester's chat.
  it('without an IT channel the user is told how IT sets one, never given the consent link; a channel chosen later gets the request', async () => {
    await blockedByAdminApproval(stack);
    const waiting = stack.cardsIn(personalChat(PEOPLE.erin)).at(-1)!;
    assert.match(textOf(waiting), /set it channel/);
    const everythingErinSaw = JSON.stringify(stack.activitiesIn(personalChat(PEOPLE.erin)));
    assert.doesNotMatch(everythingErinSaw, /adminconsent|admin-consent/);
    assert.equal(stack.cardsIn(channel).length, 0);

    await stack.say(PEOPLE.frank, 'set it channel', channel);
    assert.ok(stack.cardsIn(channel).some((c) => textOf(c).includes('erin.lee@fabrikam.com')));
  });

  /**
   * Microsoft's answer at /auth/admin-consent/callback is believed only when the
   * state is IT's, unused, names a pending request, the returned tenant is that request's, and the
   * app can get a token in that tenant (client credentials: without consent Entra has no service
   * principal for it and answers AADSTS7000229 or 700016; see "Authentication Troubleshooting",
   * learn.microsoft.com/microsoftteams/platform/teams-sdk/teams/app-authentication/troubleshooting).
   */
  describe('the admin consent answer', () => {
    /** Microsoft's redirect back to us for a consent link, with the query Entra would add. */
    function answerTo(consentUrl: string, query: Record<string, string>): string {
      const link = new URL(consentUrl);
      const back = new URL(link.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({ ...query, state: link.searchParams.get('state')! }).toString();
      return back.toString();
    }
    const consentGivenInEntra = () =>
      stack.emu.ctx.directory.addGrant({
        clientId: DEMO.clientId,
        tenantId: DEMO.fabrikam,
        consentType: 'AllPrincipals',
        resourceId: '00000003-0000-0000-c000-000000000000',
        scopes: ['User.Read', 'Mail.Read'],
        roles: [],
      });
    const statusOfRequests = async () =>
      (
        await stack.store.db
          .selectFrom('approval_requests')
          .select(['status'])
          .orderBy('created_at')
          .execute()
      ).map((r) => r.status);

    async function pendingRequestCard() {
      await stack.say(PEOPLE.frank, 'set it channel', channel);
      await blockedByAdminApproval(stack);
      return stack.cardsIn(channel).at(-1)!;
    }

    it('records nothing when Microsoft 365 shows no consent, whatever the query says', async () => {
      const { consentUrl: url } = await startConsent(stack, await pendingRequestCard());
      const res = await fetch(answerTo(url, { admin_consent: 'True', tenant: DEMO.fabrikam }));
      assert.doesNotMatch(await res.text(), /approved/);
      assert.deepEqual(await statusOfRequests(), ['pending']);
      assert.equal(await stateOf(stack, PEOPLE.erin), 'awaiting_admin_consent');
      const granted = await stack.store.db
        .selectFrom('tenants')
        .select('consent_granted_at')
        .where('id', '=', DEMO.fabrikam)
        .executeTakeFirstOrThrow();
      assert.equal(granted.consent_granted_at, null);
    });

    it('needs the returned tenant to be the request’s, and takes each answer once', async () => {
      const { consentUrl: url } = await startConsent(stack, await pendingRequestCard());
      consentGivenInEntra();
      const queries: Record<string, string>[] = [
        { admin_consent: 'True' },
        { admin_consent: 'True', tenant: DEMO.contoso },
      ];
      for (const query of queries) {
        const res = await fetch(answerTo(url, query));
        assert.doesNotMatch(await res.text(), /approved/, JSON.stringify(query));
        assert.deepEqual(await statusOfRequests(), ['pending'], JSON.stringify(query));
      }
      // Erin adds her reason: IT's card is redrawn with a fresh link, which is believed, once.
      const waiting = stack.cardsIn(personalChat(PEOPLE.erin)).at(-1)!;
      const justify = executeAction(waiting, 'submit_justification');
      await stack.invoke(PEOPLE.erin, { ...justify, data: { ...justify.data, justification: 'Candidates' } });
      const redrawn = stack
        .activitiesIn(channel)
        .filter((a) => a.method === 'PUT')
        .at(-1)!;
      const { consentUrl: fresh } = await startConsent(stack, redrawn.activity.attachments![0]!.content);
      const answer = answerTo(fresh, { admin_consent: 'True', tenant: DEMO.fabrikam });
      assert.match(await (await fetch(answer)).text(), /Cloud Sync is approved/);
      assert.deepEqual(await statusOfRequests(), ['granted']);
      const replay = await fetch(answer);
      assert.match(await replay.text(), /already been used/);
      assert.equal(replay.status, 409);
    });

    it('grants only the request its link was made for', async () => {
      const { erin, frank } = PEOPLE;
      const first = await pendingRequestCard();
      const { consentUrl: oldLink } = await startConsent(stack, first);
      const decline = executeAction(first, 'consent_declined');
      await stack.invoke(frank, { ...decline, data: { ...decline.data, declineReason: 'Not yet' } }, channel);
      // Erin asks again: a new request is pending, with its own card.
      await stack.say(erin, 'enable sync');
      await stack.signInFromCard(
        stack.cardsIn(personalChat(erin)).at(-1)!,
        { username: erin.email, password: erin.password },
        async (browser, step) =>
          browser.submit(expectPage(step), { justification: 'now' }, '/request-approval'),
      );
      assert.deepEqual(await statusOfRequests(), ['declined', 'pending']);
      consentGivenInEntra();
      const res = await fetch(answerTo(oldLink, { admin_consent: 'True', tenant: DEMO.fabrikam }));
      assert.doesNotMatch(await res.text(), /Cloud Sync is approved/);
      assert.deepEqual(await statusOfRequests(), ['declined', 'pending']);
      assert.equal(await stateOf(stack, erin), 'awaiting_admin_consent');
    });

    it('a state older than its 10 minutes is refused; the same state minted now is accepted', async () => {
      await pendingRequestCard();
      consentGivenInEntra();
      const request = await stack.store.db
        .selectFrom('approval_requests')
        .select(['id', 'tenant_id'])
        .executeTakeFirstOrThrow();
      const key = deriveKey(stack.config.TOKEN_ENCRYPTION_KEY!, 'admin-consent-state');
      const answerWith = async (minted: Date) => {
        const state = await adminConsentState(
          key,
          {
            tenantId: request.tenant_id,
            requestId: request.id,
            admin: { name: 'Frank Ortiz', objectId: PEOPLE.frank.aadObjectId, tenantId: request.tenant_id },
          },
          minted,
        );
        const query = new URLSearchParams({ admin_consent: 'True', tenant: DEMO.fabrikam, state });
        return fetch(`${stack.baseUrl}/auth/admin-consent/callback?${query.toString()}`);
      };
      const stale = await answerWith(new Date(Date.now() - 11 * 60 * 1000));
      assert.equal(stale.status, 400);
      assert.match(await stale.text(), /cannot be used/);
      assert.deepEqual(await statusOfRequests(), ['pending']);

      const current = await answerWith(new Date());
      assert.match(await current.text(), /Cloud Sync is approved/);
      assert.deepEqual(await statusOfRequests(), ['granted']);
    });

    it('refuses an administrator of another organisation with a clear page, and changes nothing', async () => {
      const card = await pendingRequestCard();
      consentGivenInEntra();
      // Dan administers Contoso; the request is Fabrikam's.
      const dan = { email: DEMO.dan.username, password: DEMO.dan.password };
      const { answer } = await signInFromConsentButton(stack, card, dan);
      assert.equal(answer.headers.get('location'), null);
      const html = await answer.text();
      assert.match(html, /Admin consent was not opened/);
      assert.match(html, /administrator account of that organisation/);
      assert.deepEqual(await statusOfRequests(), ['pending']);
      assert.equal(await stateOf(stack, PEOPLE.erin), 'awaiting_admin_consent');
      assert.ok(
        !stack.activitiesIn(channel).some((a) => a.method === 'PUT' && /Granted by/.test(JSON.stringify(a))),
      );
    });

    it('refuses a changed state, at sign-in and at consent, and changes nothing', async () => {
      const card = await pendingRequestCard();
      consentGivenInEntra();
      const { consentUrl } = await startConsent(stack, card);
      // The consent answer's state names who signed in: changed, it is not believed.
      const link = new URL(consentUrl);
      const state = link.searchParams.get('state')!;
      const [header, payload, signature] = state.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { by: { name: string } };
      claims.by.name = 'Mallory';
      const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      const back = new URL(link.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({
        admin_consent: 'True',
        tenant: DEMO.fabrikam,
        state: forged,
      }).toString();
      const res = await fetch(back.toString());
      assert.equal(res.status, 400);
      assert.match(await res.text(), /cannot be used/);

      // The sign-in answer's state likewise.
      const start = await fetch(openUrlOf(card, 'admin consent'), { redirect: 'manual' });
      const signInState = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const signInAnswer = await fetch(back.origin + back.pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code: 'x', state: `${signInState.slice(0, -2)}AA` }).toString(),
        redirect: 'manual',
      });
      assert.equal(signInAnswer.status, 400);
      assert.equal(signInAnswer.headers.get('location'), null);
      assert.match(await signInAnswer.text(), /did not come from this service/);
      assert.deepEqual(await statusOfRequests(), ['pending']);
      assert.equal(await stateOf(stack, PEOPLE.erin), 'awaiting_admin_consent');
    });
  });

  describe('the card’s consent button (start route)', () => {
    const open = (url: string) => fetch(url, { redirect: 'manual' });

    it('refuses a decided request with a clear answer and no redirect to Microsoft', async () => {
      await stack.say(PEOPLE.frank, 'set it channel', channel);
      await blockedByAdminApproval(stack);
      const card = stack.cardsIn(channel).at(-1)!;
      const decline = executeAction(card, 'consent_declined');
      await stack.invoke(
        PEOPLE.frank,
        { ...decline, data: { ...decline.data, declineReason: 'Not yet' } },
        channel,
      );
      const res = await open(openUrlOf(card, 'admin consent'));
      assert.equal(res.status, 409);
      assert.equal(res.headers.get('location'), null);
      assert.match(await res.text(), /already been declined/);
    });

    it('refuses an unknown request, a changed reference and a missing one, with no redirect', async () => {
      const key = Buffer.from(deriveKey(stack.config.TOKEN_ENCRYPTION_KEY!, 'card-ref'));
      const unknown = await signCardRef(
        { kind: 'approval_request', id: 'no-such-request', tenantId: DEMO.fabrikam },
        { key, now: new Date() },
      );
      const start = `${stack.baseUrl}/auth/admin-consent/start`;
      const cases: [string, number, RegExp][] = [
        [`${start}?ref=${encodeURIComponent(unknown)}`, 404, /no such approval request/],
        [
          `${start}?ref=${encodeURIComponent(`f${unknown.slice(1)}`)}`,
          400,
          /changed or is not from Cloud Sync/,
        ],
        [start, 400, /incomplete/],
      ];
      for (const [url, status, text] of cases) {
        const res = await open(url);
        assert.equal(res.status, status, url);
        assert.equal(res.headers.get('location'), null, url);
        assert.match(await res.text(), text, url);
      }
    });
  });

  it('a user’s repeated attempts update the one request and its card', async () => {
    const { erin, frank } = PEOPLE;
    await stack.say(frank, 'set it channel', channel);
    await blockedByAdminApproval(stack);
    // She tries again (IT may have approved in the portal meanwhile) and is blocked again.
    await stack.say(erin, 'enable sync');
    const retry = stack.cardsIn(personalChat(erin)).at(-1)!;
    await stack.signInFromCard(
      retry,
      { username: erin.email, password: erin.password },
      async (browser, step) =>
        browser.submit(expectPage(step), { justification: 'still needed' }, '/request-approval'),
    );
    const requests = await stack.store.db.selectFrom('approval_requests').select('id').execute();
    assert.equal(requests.length, 1);
    const users = await stack.store.db.selectFrom('approval_request_users').select('crm_user_id').execute();
    assert.equal(users.length, 1);
    assert.equal(
      stack.activitiesIn(channel).filter((a) => a.method === 'POST' && a.activity.attachments).length,
      1,
    );
    assert.ok(stack.activitiesIn(channel).some((a) => a.method === 'PUT'));
    assert.equal(await stateOf(stack, erin), 'awaiting_admin_consent');
  });
});

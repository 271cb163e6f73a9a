import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import type { ResourceHealth } from '#shared/contract.js';
import { parseCardAction } from '../../bot/cards/card-actions.js';
import { launchChromium } from '../support/chromium.js';
import { renderCard } from '../support/card-screenshots.js';
import { signCardRef } from '../../bot/cards/card-refs.js';
import type { AdaptiveCardJson } from '../../bot/cards/expand.js';
import {
  buildDeclinedCard,
  buildDisableConfirmationCard,
  buildDisableReceiptCard,
  buildErrorCard,
  buildIdentityMismatchCard,
  buildIdentityNotFoundCard,
  buildItAdminCard,
  buildNotMappedCard,
  buildNotVisibleCard,
  buildReconnectCard,
  buildServiceActiveCard,
  buildSignInCard,
  buildStatusCard,
  buildWaitingForItCard,
  buildWelcomeCard,
  consentGrantedNotice,
} from '../../bot/cards/user-cards.js';
import { enablementStates } from '../../bot/enablement/core/states.js';
import { assertValidCard, cardText, colorOfText, executeActions } from './card-validation.js';

const key = randomBytes(32);
const now = new Date('2025-11-25T14:05:00Z');
const tenant = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const alice = 'a1000000-0000-4000-8000-000000000001';
const ref = await signCardRef({ kind: 'account', id: alice, tenantId: tenant }, { key, now });
const tabUrl = 'https://localhost:3978/tab/';
const inputs = { justification: 'Candidate e-mails must be in TriSys', retention: 'keep' };

/** Every button must survive our own validation, as Teams would send it back with its inputs merged in. */
async function assertActionsParse(card: AdaptiveCardJson): Promise<void> {
  for (const action of executeActions(card)) {
    const result = await parseCardAction(
      { type: 'Action.Execute', verb: action.verb, data: { ...action.data, ...inputs } },
      { key, now, actorAadObjectId: alice, actorTenantId: tenant },
    );
    assert.ok(result.ok, `${action.verb}: ${result.ok ? '' : result.error}`);
  }
}

const verbs = (card: AdaptiveCardJson) => executeActions(card).map((a) => a.verb);

describe('user cards', () => {
  describe('welcome', () => {
    for (const state of enablementStates) {
      it(`is valid with one next action for ${state}`, async () => {
        const card = buildWelcomeCard({ displayName: 'Alice', state, ref });
        assertValidCard(card);
        await assertActionsParse(card);
        assert.equal(executeActions(card).length, 1);
      });
    }

    it('names the state and the next action in plain words, with an optional notice', () => {
      const card = buildWelcomeCard({ displayName: 'Alice', state: 'not_visible', ref, notice: 'Heads up' });
      const text = cardText(card);
      assert.match(text, /Hello Alice/);
      assert.match(text, /Heads up/);
      assert.match(text, /Where you are: Not available yet/);
      assert.deepEqual(verbs(card), ['ask_admin']);
      assert.doesNotMatch(cardText(buildWelcomeCard({ displayName: 'A', state: 'ready', ref })), /Heads up/);
    });

    it('colours a notice by its tone: good news green, a withdrawal amber, a failure red, else plain', () => {
      const colour = (noticeTone?: 'good' | 'warning' | 'attention') =>
        colorOfText(
          buildWelcomeCard({ displayName: 'A', state: 'ready', ref, notice: 'Heads up', noticeTone }),
          'Heads up',
        );
      assert.equal(colour('good'), 'Good');
      assert.equal(colour('warning'), 'Warning');
      assert.equal(colour('attention'), 'Attention');
      assert.equal(colour(undefined), 'Default');
      const signIn = (noticeTone?: 'good' | 'attention') =>
        colorOfText(buildSignInCard({ signInUrl: 'https://x/', scopes: [], notice: 'N', noticeTone }), 'N');
      assert.equal(signIn('good'), 'Good');
      assert.equal(signIn(undefined), 'Default');
    });
  });

  it('not mapped: names the Teams addresses tried and offers a sign-in to try every address', () => {
    const card = buildNotMappedCard({
      teamsAddresses: ['someone@contoso.com', 'someone.upn@contoso.com'],
      identifyUrl: 'https://bot.example/auth/identify?ticket=t',
    });
    assertValidCard(card);
    assert.match(cardText(card), /someone@contoso\.com, someone\.upn@contoso\.com/);
    assert.deepEqual(card.actions, [
      {
        type: 'Action.OpenUrl',
        title: 'Sign in to check my addresses',
        url: 'https://bot.example/auth/identify?ticket=t',
        style: 'positive',
      },
    ]);
    const elsewhere = buildNotMappedCard({ teamsAddresses: ['someone@elsewhere.example'] });
    assertValidCard(elsewhere);
    assert.match(cardText(elsewhere), /doesn't use Cloud Sync/);
    assert.deepEqual(elsewhere.actions ?? [], []);
  });

  it('identity not found: the addresses tried, then "Ask my CRM administrator" until asked', async () => {
    const idRef = await signCardRef(
      { kind: 'identity_request', id: 'req-1', tenantId: tenant },
      { key, now },
    );
    const input = {
      ref: idRef,
      addresses: ['grace.hall@contoso.com', 'g.hall@contoso.com'],
      suggestedAddress: 'grace.hall@contoso.com',
      timeZone: 'UTC',
    };
    const before = buildIdentityNotFoundCard({ ...input, requested: false });
    const after = buildIdentityNotFoundCard({ ...input, requested: true });
    for (const c of [before, after]) assertValidCard(c);
    assert.match(cardText(before), /• grace\.hall@contoso\.com\n• g\.hall@contoso\.com/);
    assert.deepEqual(verbs(before), ['ask_crm_admin']);
    assert.deepEqual(verbs(after), []);
    assert.match(cardText(after), /We've asked your TriSys administrator/);
  });

  it('IT administrator: what they can do here, never "We couldn\'t find you"', () => {
    const card = buildItAdminCard({
      name: 'Henry',
      organisation: 'Contoso Recruitment',
      tabUrl: 'https://bot.example/tab/',
    });
    assertValidCard(card);
    assert.match(cardText(card), /you're an IT administrator/i);
    assert.match(cardText(card), /set it channel/);
    assert.doesNotMatch(cardText(card), /couldn't find/i);
  });

  it('not visible: offers "Ask my administrator" until asked, then says when and who has it', async () => {
    const before = buildNotVisibleCard({ ref, timeZone: 'UTC' });
    const after = buildNotVisibleCard({
      ref,
      timeZone: 'UTC',
      requested: { askedAt: new Date('2026-03-02T09:15:00Z'), admins: ['Dan Morgan', 'Grace Hall'] },
    });
    for (const c of [before, after]) assertValidCard(c);
    await assertActionsParse(before);
    assert.deepEqual(
      executeActions(before).map((a) => a.title),
      ['Ask my administrator'],
    );
    assert.deepEqual(verbs(after), []);
    assert.match(cardText(after), /We've asked your administrator/);
    assert.match(cardText(after), /Asked 2 Mar 2026, 09:15 UTC, waiting for Dan Morgan and Grace Hall\./);
    const nobody = buildNotVisibleCard({
      ref,
      timeZone: 'UTC',
      requested: { askedAt: new Date(0), admins: [] },
    });
    assert.match(cardText(nobody), /waiting for your TriSys administrator\./);
  });

  it('sign-in: opens the given /auth/start URL and lists the permissions in words', () => {
    const signInUrl = 'https://localhost:3978/auth/start?s=abc';
    const card = buildSignInCard({
      signInUrl,
      scopes: ['Mail.Read', 'Calendars.ReadWrite'],
      notice: consentGrantedNotice,
    });
    assertValidCard(card);
    // "Sign in" is the card's one and primary action.
    assert.deepEqual(card.actions, [
      { type: 'Action.OpenUrl', title: 'Sign in', url: signInUrl, style: 'positive' },
    ]);
    assert.match(cardText(card), /read and update your diary/);
    assert.match(cardText(card), /IT team has approved/);
  });

  // The admin consent link is IT's alone; a waiting user is told how IT gets it.
  it('waiting for IT: asks why, and without an IT channel says how IT sets one, never giving the consent link', async () => {
    const card = buildWaitingForItCard({ ref, itChannelKnown: false });
    assertValidCard(card);
    await assertActionsParse(card);
    assert.deepEqual(verbs(card), ['submit_justification']);
    assert.match(JSON.stringify(card), /"id":"justification"/);
    assert.match(cardText(card), /set it channel/);
    assert.doesNotMatch(JSON.stringify({ ...card, $schema: undefined }), /adminconsent|https?:\/\//i);

    const sent = buildWaitingForItCard({
      ref,
      itChannelKnown: true,
      justification: 'For candidates',
    });
    assertValidCard(sent);
    assert.deepEqual(sent.actions, []);
    assert.match(cardText(sent), /sent your IT team a request/);
    assert.match(cardText(sent), /For candidates/);
  });

  it('identity mismatch: both addresses, both fixes and the correction request button', async () => {
    const card = buildIdentityMismatchCard({
      ref,
      timeZone: 'UTC',
      mismatch: 'address_mismatch',
      signedInAddress: 'carol.white@contoso.com',
      expectedAddress: 'cwhite@contoso-recruitment.com',
      correctionRequested: false,
    });
    assertValidCard(card);
    await assertActionsParse(card);
    const text = cardText(card);
    assert.match(text, /carol\.white@contoso\.com/);
    assert.match(text, /cwhite@contoso-recruitment\.com/);
    assert.match(text, /1\. Sign in again/);
    assert.match(text, /2\. If carol\.white@contoso\.com is your real work address/);
    assert.deepEqual(verbs(card), ['enable', 'request_email_correction']);
  });

  it('identity mismatch: a different directory user gets only the sign-in fix', () => {
    const card = buildIdentityMismatchCard({
      ref,
      timeZone: 'UTC',
      mismatch: 'different_directory_user',
      signedInAddress: 'ben.jones@contoso.com',
      expectedAddress: 'alice.smith@contoso.com',
      correctionRequested: false,
    });
    assertValidCard(card);
    assert.deepEqual(verbs(card), ['enable']);
    assert.match(cardText(card), /You use Teams as/);
  });

  it('service active: what is synced and a link to the tab', () => {
    const card = buildServiceActiveCard({
      email: 'alice.smith@contoso.com',
      mailFolderNames: ['Inbox', 'Sent Items'],
      diaryDaysBack: 90,
      diaryDaysAhead: 365,
      tabUrl,
    });
    assertValidCard(card);
    assert.match(cardText(card), /Inbox and Sent Items/);
    assert.match(cardText(card), /90 days ago to 365 days ahead/);
    assert.deepEqual(card.actions, [{ type: 'Action.OpenUrl', title: 'Open Sync health', url: tabUrl }]);
  });

  describe('status', () => {
    const resource = (kind: 'mail' | 'diary', over: Partial<ResourceHealth> = {}): ResourceHealth => ({
      resource: kind,
      enabled: true,
      status: 'healthy',
      statusText: 'Up to date.',
      progress: null,
      throttledUntil: null,
      lastSuccessAt: now.toISOString(),
      lastSuccessAgeSeconds: 60,
      itemsToday: 2,
      itemsTotal: 7,
      lastErrors: [],
      nextRunAt: null,
      ...over,
    });
    const resources = [
      resource('mail'),
      resource('diary', {
        enabled: false,
        status: 'off',
        statusText: 'Switched off by the user; the rest of Cloud Sync carries on.',
        lastSuccessAt: null,
        itemsTotal: 0,
      }),
    ];

    for (const state of enablementStates) {
      it(`is valid for ${state}`, async () => {
        const card = buildStatusCard({ state, ref, resources, tabUrl, timeZone: 'UTC' });
        assertValidCard(card);
        await assertActionsParse(card);
      });
    }

    it('shows the health model of mail and diary: words, last sync only when there was one, counts', () => {
      const card = buildStatusCard({ state: 'active', ref, resources, tabUrl, timeZone: 'UTC' });
      assert.match(cardText(card), /E-mail\nUp to date\. Last synced 25 Nov 2025, 14:05 UTC\. 7 in TriSys\./);
      assert.match(cardText(card), /Diary\nSwitched off by the user; .* Not synced yet\. 0 in TriSys\./);
      assert.deepEqual(verbs(card), ['pause', 'disable']);
      const auckland = buildStatusCard({
        state: 'active',
        ref,
        resources,
        tabUrl,
        timeZone: 'Pacific/Auckland',
      });
      assert.match(cardText(auckland), /Last synced 26 Nov 2025, 03:05 GMT\+13\./);
      assert.deepEqual(
        verbs(buildStatusCard({ state: 'paused', ref, resources: [], tabUrl, timeZone: 'UTC' })),
        ['resume', 'disable'],
      );
    });

    it('shows the first import’s progress while it runs', () => {
      const card = buildStatusCard({
        state: 'active',
        ref,
        resources: [
          resource('mail', {
            status: 'syncing',
            statusText: 'Copying now.',
            progress: { done: 3, estimate: 9 },
          }),
        ],
        tabUrl,
        timeZone: 'UTC',
      });
      assert.match(cardText(card), /E-mail\nCopying now\. 3 copied so far of about 9\./);
    });
  });

  it('asked again gives the same card, and a changed role, zone or state gives the changed card', () => {
    const help = (crmAdmin: boolean, state: 'active' | 'paused' = 'active') =>
      cardText(buildWelcomeCard({ displayName: 'Dan Morgan', state, ref, crmAdmin, explainCommands: true }));
    const userHelp = help(false);
    assert.equal(help(false), userHelp);
    assert.doesNotMatch(userHelp, /As a CRM administrator/);
    assert.match(help(true), /As a CRM administrator/);
    assert.doesNotMatch(
      help(false),
      /As a CRM administrator/,
      'the administrator’s card is not handed to a user',
    );
    assert.notEqual(help(false, 'paused'), userHelp);

    const asked = { askedAt: new Date('2026-03-02T09:15:00Z'), admins: ['Grace Hall'] };
    const inZone = (timeZone: string) => cardText(buildNotVisibleCard({ ref, timeZone, requested: asked }));
    assert.match(inZone('UTC'), /Asked 2 Mar 2026, 09:15 UTC/);
    assert.match(inZone('Pacific/Auckland'), /Asked 2 Mar 2026, 22:15 GMT\+13/);
    assert.match(inZone('UTC'), /Asked 2 Mar 2026, 09:15 UTC/);
  });

  it('disable confirmation: keep or remove, then confirm or cancel', async () => {
    const choicesOf = (c: unknown) =>
      (
        JSON.parse(JSON.stringify(c)) as {
          body: { id?: string; value?: string; choices?: { value: string }[] }[];
        }
      ).body.find((b) => b.id === 'retention')!;
    for (const removeByDefault of [false, true]) {
      const card = buildDisableConfirmationCard({ ref, removeByDefault });
      assertValidCard(card);
      await assertActionsParse(card);
      assert.deepEqual(verbs(card), ['confirm_disable', 'cancel_disable']);
      const question = choicesOf(card);
      assert.deepEqual(
        question.choices!.map((c) => c.value),
        ['keep', 'purge'],
      );
      assert.equal(question.value, removeByDefault ? 'purge' : 'keep');
    }
  });

  it('disable receipt: says what happened to the data, with counts, in the reader’s zone', () => {
    const kept = buildDisableReceiptCard({ retention: 'keep', at: now, timeZone: 'UTC' });
    const purged = buildDisableReceiptCard({
      retention: 'purge',
      at: now,
      timeZone: 'Pacific/Auckland',
      removedFromCrm: { mail: 7, diary: 1, kept: 2 },
    });
    for (const c of [kept, purged]) assertValidCard(c);
    assert.match(cardText(kept), /have been kept/);
    assert.match(
      cardText(purged),
      /Removed from TriSys: 7 e-mails and 1 appointment that Cloud Sync had copied for you\./,
    );
    assert.match(
      cardText(purged),
      /2 items stay in TriSys because Cloud Sync copied them for a colleague too\./,
    );
    assert.match(cardText(kept), /25 Nov 2025, 14:05 UTC/);
    assert.match(cardText(purged), /26 Nov 2025, 03:05 GMT\+13/);
  });

  it('reconnect: the cause in words and a Reconnect button', async () => {
    const card = buildReconnectCard({ ref, cause: 'consent_revoked' });
    assertValidCard(card);
    await assertActionsParse(card);
    assert.match(cardText(card), /permission for Cloud Sync was removed/);
    assert.deepEqual(verbs(card), ['reconnect']);
  });

  it('declined: who and IT’s reason, and a way to try again', async () => {
    const card = buildDeclinedCard({ ref, by: 'Frank Ortiz', reason: 'Security review first' });
    assertValidCard(card);
    await assertActionsParse(card);
    assert.match(cardText(card), /Frank Ortiz/);
    assert.match(cardText(card), /Security review first/);
  });

  it('error: the message, that nothing changed, and help', async () => {
    const card = buildErrorCard({ message: 'This card has expired.' });
    assertValidCard(card);
    await assertActionsParse(card);
    assert.match(cardText(card), /This card has expired\.\nNothing has been changed\./);
  });
});

describe('help and welcome rendered in Chromium, light and dark (screenshots in .test-output/screenshots)', function () {
  let browser: Browser;
  before(async function () {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const theme of ['light', 'dark'] as const) {
    it(`help for a CRM administrator (${theme}): a sentence per command, the admin commands apart`, async function () {
      const page = await renderCard(
        browser,
        buildWelcomeCard({
          displayName: 'Dan Morgan',
          state: 'active',
          ref,
          crmAdmin: true,
          explainCommands: true,
        }),
        theme,
        'card-help-admin',
      );
      await page.getByText('As a CRM administrator', { exact: true }).waitFor();
      await page.getByText('Withdraws Cloud Sync from that user', { exact: false }).waitFor();
      assert.equal(await page.getByText(/^You can type/).count(), 0, 'no short list too');
      await page.close();
    });

    it(`welcome for a CRM administrator (${theme}): the short list names the admin commands`, async function () {
      const page = await renderCard(
        browser,
        buildWelcomeCard({ displayName: 'Dan Morgan', state: 'ready', ref, crmAdmin: true }),
        theme,
        'card-welcome-admin',
      );
      await page.getByText('As a CRM administrator also **list users**', { exact: false }).waitFor();
      await page.close();
    });
  }
});

import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import { mailDifferences } from '../sync/support/expectation.js';
import { crmOutcome } from './crm-outcome.js';
import { CONTOSO_CONFIG, FABRIKAM_CONFIG, PlaygroundPage } from '../support/playground.js';
import { E2E_OUTPUT, startE2eStack, type E2eStack } from './e2e-stack.js';
import { throughEmulator, type Shot } from './emulator-pages.js';

/**
 * The end-to-end journeys of switching Cloud Sync on, as people do them: Agents Playgrounds in a
 * headless Chromium, talking to the whole server (composeServer) against the Microsoft 365 emulator.
 * Type `enable sync`, press the cards' buttons, sign in on the emulator's pages in the window a button
 * opens, and see the chat carry on; open the tab the server serves and sign in to it. Screenshots of
 * every step go to .test-output/e2e/<person>/.
 */

const ALICE = { upn: 'alice.smith@contoso.com', password: 'demo' };
const BEN = { upn: 'ben.jones@contoso.com', password: 'demo' };
const CAROL = { upn: 'carol.white@contoso.com', password: 'demo' };
const DAN = { upn: 'dan.morgan@contoso.com', password: 'demo' };
const ERIN = { upn: 'erin.lee@fabrikam.com', password: 'demo' };
const FRANK = { upn: 'frank.ortiz@fabrikam.com', password: 'demo' };

describe('enable sync end to end: Agents Playground in Chromium, server, emulator', function () {
  this.timeout(180_000);
  let stack: E2eStack;

  before(async function () {
    stack = await startE2eStack();
  });

  after(async function () {
    await stack?.close();
  });

  /** Runs a journey; a failure also shows what the server logged. */
  async function journey(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message}\n--- server log (JSON lines) ---\n${stack.serverLog()}`);
    }
  }

  async function openChat(tenantFile: string, upn: string): Promise<PlaygroundPage> {
    const playground = await stack.playgroundFor(tenantFile, upn);
    const context = await stack.newContext();
    return PlaygroundPage.open(context, playground, {
      screenshotDir: path.join(E2E_OUTPUT, upn.split('.')[0]!),
    });
  }

  async function accountState(upn: string): Promise<string | undefined> {
    const row = await stack.server.store.db
      .selectFrom('sync_accounts')
      .innerJoin('crm_users', 'crm_users.id', 'sync_accounts.crm_user_id')
      .select('sync_accounts.state')
      .where('crm_users.work_email', '=', upn)
      .executeTakeFirst();
    return row?.state;
  }

  const outcomeOf = (upn: string) => crmOutcome(stack.emulator, stack.server.store, stack.server.config, upn);

  /**
   * The tab as a person opens it in a browser outside Teams: /tab/, its Sign in button, the emulator's
   * sign-in form (a new browser, so no session yet), consent if asked, and back on the tab.
   */
  async function openTab(user: { upn: string; password: string }): Promise<Page> {
    const page = await (await stack.newContext()).newPage();
    await page.goto(`${stack.baseUrl}/tab/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === stack.emulator.origin);
    await page.fill('#login', user.upn);
    await page.fill('#passwd', user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const accept = page.getByRole('button', { name: 'Accept' });
    const home = page.getByRole('heading', { name: 'Cloud Sync', level: 1 });
    await accept.or(home).first().waitFor();
    if (await accept.isVisible()) await accept.click();
    await page.waitForURL(`${stack.baseUrl}/tab/`);
    return page;
  }

  /** The "In the CRM" figure on a resource's card in the tab. */
  const inCrm = (page: Page, resource: 'mail' | 'diary') =>
    page.locator(
      `xpath=//*[@data-resource="${resource}"]//dt[normalize-space()="In the CRM"]/following-sibling::dd[1]`,
    );

  async function sentSubjects(upn: string): Promise<(string | undefined)[]> {
    const res = await trustedFetch(stack.emulator.caPem)(
      `${stack.emulator.origin}/_emulator/mailboxes/${upn}/sent-mail`,
    );
    const sent = (await res.json()) as { value: { message: { subject?: string } }[] };
    return sent.value.map((m) => m.message.subject);
  }

  it('Alice types "enable sync", signs in on the emulator, sees the service active card and her mail and diary in TriSys', async function () {
    await journey(async () => {
      const chat = await openChat(CONTOSO_CONFIG, ALICE.upn);
      const shot: Shot = (name, page) => chat.screenshot(name, page);
      await chat.openConversation('Personal Chat');
      // The chat is ready once the bot has greeted her (as when she installs the app).
      await chat.waitForCard('Hello Alice Smith');
      await chat.send('enable sync');
      const signInCard = await chat.waitForCard('Sign in to Microsoft 365');
      await chat.screenshot('sign-in-card');

      const target = await chat.cardAction(signInCard, 'Sign in').getAttribute('title');
      assert.ok(
        target?.startsWith(`${stack.baseUrl}/auth/`),
        `Sign in opens our sign-in route, not ${target}`,
      );
      const popup = await chat.clickCardLinkForPopup(signInCard, 'Sign in');
      assert.equal(await throughEmulator(popup, ALICE, shot), 'Cloud Sync is on');
      await popup.close();

      const active = await chat.waitForCard('Cloud Sync is on');
      await chat.screenshot('service-active');
      assert.match(
        await active.innerText(),
        /a confirmation goes to alice\.smith@contoso\.com once it is under way/,
      );
      assert.equal(await accountState(ALICE.upn), 'active');

      // The first import, followed in one card, ends with what was copied; the CRM holds exactly what
      // Alice's seed mailbox says must be filed.
      const done = await chat.waitForCard('Your mail and diary are in TriSys');
      await chat.screenshot('first-import-done');
      const outcome = await outcomeOf(ALICE.upn);
      const mailCount = Object.keys(outcome.expected.mail.filed).length;
      const diaryCount = outcome.expected.diary.length;
      assert.ok(mailCount >= 3 && diaryCount > 0, 'the demo mailbox has mail and meetings with CRM contacts');
      assert.deepEqual(mailDifferences(outcome.actual.mail, outcome.expected.mail), []);
      assert.deepEqual(outcome.actual.diary, outcome.expected.diary);
      const doneText = await done.innerText();
      assert.match(doneText, new RegExp(`${mailCount} e-mails copied`));
      assert.match(doneText, new RegExp(`${diaryCount} appointments copied`));
      assert.match(doneText, /Left out, and why/);

      // The confirmation went once the import had started.
      assert.deepEqual(await sentSubjects(ALICE.upn), ['Cloud Sync is active']);

      // `status` and the tab show the same counts.
      await chat.send('status');
      const status = await chat.waitForCard('Sync status');
      await chat.screenshot('status');
      const statusText = await status.innerText();
      assert.match(statusText, new RegExp(`E-mail[\\s\\S]*?Up to date\\.[\\s\\S]*?${mailCount} in TriSys`));
      assert.match(statusText, new RegExp(`Diary[\\s\\S]*?Up to date\\.[\\s\\S]*?${diaryCount} in TriSys`));
      const tab = await openTab(ALICE);
      await tab.getByTestId('state-title').filter({ hasText: 'Sync is on' }).waitFor();
      await tab.locator('[data-resource="mail"] [data-health="healthy"]').waitFor();
      await tab.locator('[data-resource="diary"] [data-health="healthy"]').waitFor();
      await shot('tab-my-sync', tab);
      assert.equal(await inCrm(tab, 'mail').innerText(), String(mailCount));
      assert.equal(await inCrm(tab, 'diary').innerText(), String(diaryCount));

      // Alice switches mail off in the tab: new mail stays out, the diary carries on.
      const statusCards = await chat.countCards('Sync status');
      await tab.getByRole('switch', { name: 'Copy e-mail' }).click();
      await tab.getByRole('switch', { name: 'Copy e-mail', checked: false }).waitFor();
      await tab.getByRole('switch', { name: 'Copy diary', checked: true }).waitFor();
      const control = (path: string, body: unknown) =>
        trustedFetch(stack.emulator.caPem)(
          `${stack.emulator.origin}/_emulator/mailboxes/${ALICE.upn}${path}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          },
        );
      const priya = { address: 'priya.patel@example.com', name: 'Priya Patel' };
      const me = { address: ALICE.upn, name: 'Alice Smith' };
      assert.equal(
        (
          await control('/messages', {
            folder: 'inbox',
            subject: 'Updated CV',
            from: priya,
            to: [me],
            receivedDaysAgo: 0,
            time: '09:00',
            body: 'Here is my updated CV.',
          })
        ).status,
        201,
      );
      assert.equal(
        (
          await control('/events', {
            subject: 'Interview preparation: Priya Patel',
            organizer: me,
            attendees: [priya],
            startDaysFromNow: 2,
            time: '11:00',
            durationMinutes: 30,
          })
        ).status,
        201,
      );
      const expectedDiary = (await outcomeOf(ALICE.upn)).expected.diary.length;
      assert.equal(expectedDiary, diaryCount + 1, 'the new meeting has a CRM contact');
      await tab.getByRole('button', { name: 'Sync now' }).click();
      await tab.getByText('A sync starts within a few seconds.').waitFor();
      // The tab polls its health: the new meeting shows up in the diary's count without a reload.
      await inCrm(tab, 'diary')
        .filter({ hasText: new RegExp(`^${expectedDiary}$`) })
        .waitFor({ timeout: 90_000 });
      await shot('tab-mail-off-synced', tab);
      assert.equal(await inCrm(tab, 'mail').innerText(), String(mailCount));
      const after = await outcomeOf(ALICE.upn);
      assert.deepEqual(after.actual.diary, after.expected.diary);
      assert.equal(
        Object.keys(after.expected.mail.filed).length,
        mailCount + 1,
        'the new mail has a CRM contact',
      );
      assert.deepEqual(after.actual.mail, outcome.actual.mail, 'no new mail is copied while mail is off');
      await chat.send('status');
      const offStatus = await chat.waitForCard('Sync status', { after: statusCards });
      await chat.screenshot('mail-off-status');
      assert.match(await offStatus.innerText(), /Switched off by the user/);
    });
  });

  it('Ben has no visibility and asks his administrator; Dan grants it in his chat; Ben can enable sync', async function () {
    await journey(async () => {
      // Dan opens his chat first: the bot learns his personal chat, as when he installed the app.
      const dan = await openChat(CONTOSO_CONFIG, DAN.upn);
      await dan.openConversation('Personal Chat');
      await dan.waitForCard('Hello Dan Morgan');

      const ben = await openChat(CONTOSO_CONFIG, BEN.upn);
      await ben.openConversation('Personal Chat');
      await ben.send('enable sync');
      const notVisible = await ben.waitForCard("Cloud Sync isn't available to you yet");
      await ben.screenshot('not-visible');
      await ben.clickCardAction(notVisible, 'Ask my administrator');
      await ben.waitForCard(/We've asked your administrator/);
      await ben.screenshot('asked-administrator');
      assert.equal(await accountState(BEN.upn), 'not_visible');

      const request = await dan.waitForCard('Cloud Sync request');
      assert.match(await request.innerText(), /Ben Jones \(ben\.jones@contoso\.com\)/);
      await dan.screenshot('visibility-request');
      await dan.clickCardAction(request, 'Grant');
      await dan.waitForCard(/Granted by Dan Morgan/);
      await dan.screenshot('visibility-granted');

      // Ben is told, and the card's button (Action.Execute) turns it into the sign-in card in place.
      const told = await ben.waitForCard(/has made Cloud Sync available to you/);
      await ben.screenshot('told');
      assert.equal(await accountState(BEN.upn), 'ready');
      const signInCards = await ben.countCards('Sign in to Microsoft 365');
      await ben.clickCardAction(told, 'Enable sync');
      const signIn = await ben.waitForCard('Sign in to Microsoft 365', { after: signInCards });
      await ben.screenshot('sign-in-card');
      assert.equal(await accountState(BEN.upn), 'signing_in');

      const popup = await ben.clickCardLinkForPopup(signIn, 'Sign in');
      assert.equal(
        await throughEmulator(popup, BEN, (name, page) => ben.screenshot(name, page)),
        'Cloud Sync is on',
      );
      await popup.close();
      await ben.waitForCard('Your mail and diary are in TriSys');
      await ben.screenshot('first-import-done');
      const outcome = await outcomeOf(BEN.upn);
      assert.deepEqual(mailDifferences(outcome.actual.mail, outcome.expected.mail), []);
      assert.deepEqual(outcome.actual.diary, outcome.expected.diary);
    });
  });

  it('Carol signs in with an account that is not her CRM work e-mail and is shown both, with the fixes', async function () {
    await journey(async () => {
      const carol = await openChat(CONTOSO_CONFIG, CAROL.upn);
      const shot: Shot = (name, page) => carol.screenshot(name, page);
      await carol.openConversation('Personal Chat');
      await carol.send('enable sync');
      const signInCard = await carol.waitForCard('Sign in to Microsoft 365');
      const popup = await carol.clickCardLinkForPopup(signInCard, 'Sign in');
      await throughEmulator(popup, CAROL, shot);
      await popup.close();

      const mismatch = await carol.waitForCard("Your accounts don't match");
      await carol.screenshot('identity-mismatch');
      const text = await mismatch.innerText();
      assert.match(text, /carol\.white@contoso\.com/);
      assert.match(text, /cwhite@contoso-recruitment\.com/);
      assert.equal(await accountState('cwhite@contoso-recruitment.com'), 'identity_mismatch');

      await carol.clickCardAction(mismatch, 'Ask to correct my work e-mail');
      await carol.waitForCard(/We've asked your TriSys administrator to correct your work e-mail/);
      await carol.screenshot('correction-asked');
    });
  });

  it('Erin is blocked by "Need admin approval", Frank approves from the IT channel, Erin carries on', async function () {
    await journey(async () => {
      // Frank (a Fabrikam CRM administrator) makes the team's Approvals channel the IT channel.
      const it = await openChat(FABRIKAM_CONFIG, FRANK.upn);
      const itShot: Shot = (name, page) => it.screenshot(name, page);
      await it.openConversation('Approvals');
      await it.postMentioning('Cloud Sync', 'set it channel');
      await it.waitForText(/This channel is now .*IT channel/);
      await it.screenshot('it-channel-set');

      // Erin tries, and Microsoft 365 (the emulator) says her organisation needs admin approval.
      const erin = await openChat(FABRIKAM_CONFIG, ERIN.upn);
      const erinShot: Shot = (name, page) => erin.screenshot(name, page);
      await erin.openConversation('Personal Chat');
      await erin.waitForCard('Hello Erin Lee');
      await erin.send('enable sync');
      const signInCard = await erin.waitForCard('Sign in to Microsoft 365');
      await erin.screenshot('sign-in-card');
      const popup = await erin.clickCardLinkForPopup(signInCard, 'Sign in');
      assert.equal(
        await throughEmulator(popup, ERIN, erinShot, { justification: 'Candidate e-mails in TriSys' }),
        'Waiting for your IT team',
      );
      await popup.close();

      const waiting = await erin.waitForCard('Waiting for your IT team');
      assert.match(await waiting.innerText(), /sent your IT team a request/);
      await erin.fillCardInput(
        waiting,
        'Let IT know why you need Cloud Sync',
        'So my candidate e-mails are in TriSys',
      );
      await erin.screenshot('waiting-for-it');
      await erin.clickCardAction(waiting, 'Send to IT');
      await erin.waitForCard(/Your reason, as IT see it/);
      await erin.screenshot('reason-sent');
      assert.equal(await accountState(ERIN.upn), 'awaiting_admin_consent');

      // The approval request in the IT channel: who, and why.
      const request = await it.waitForCard('Approval needed: Cloud Sync');
      await it.waitForCard(/So my candidate e-mails are in TriSys/);
      const requestText = await request.innerText();
      assert.match(requestText, /Erin Lee/);
      assert.match(requestText, /erin\.lee@fabrikam\.com/);
      await it.screenshot('approval-request');

      // Frank opens admin consent, signs in and accepts for the organisation.
      const signInCards = await erin.countCards('Sign in to Microsoft 365');
      const consent = await it.clickCardLinkForPopup(request, 'Open admin consent');
      assert.equal(await throughEmulator(consent, FRANK, itShot), 'Thank you — Cloud Sync is approved');
      await consent.close();

      const decided = await it.waitForCard(
        /Granted by Frank Ortiz \(Microsoft admin consent\)\. Everyone waiting has been told/,
      );
      // The Playground writes the card's DATE and TIME out in its own zone, as Teams does for each reader.
      assert.match(await decided.innerText(), /Decided \w{3}, .*\d{4} at \d{1,2}:\d\d/);
      assert.doesNotMatch(await decided.innerText(), /\{\{/);
      assert.equal(await it.cardAction(decided, 'Granted').count(), 0, 'a decided request has no buttons');
      await it.screenshot('approval-granted');

      // Erin is told in her chat and resumes at sign-in, without starting again.
      const again = await erin.waitForCard('Sign in to Microsoft 365', { after: signInCards });
      await erin.screenshot('resumed-at-sign-in');
      assert.equal(await accountState(ERIN.upn), 'signing_in');
      const second = await erin.clickCardLinkForPopup(again, 'Sign in');
      assert.equal(await throughEmulator(second, ERIN, erinShot), 'Cloud Sync is on');
      await second.close();
      await erin.waitForCard('Cloud Sync is on');
      await erin.screenshot('service-active');
      assert.equal(await accountState(ERIN.upn), 'active');
      await erin.waitForCard('Your mail and diary are in TriSys');
      await erin.screenshot('first-import-done');
      const outcome = await outcomeOf(ERIN.upn);
      assert.ok(
        Object.keys(outcome.expected.mail.filed).length > 0,
        'Erin’s demo mailbox has mail with CRM contacts',
      );
      assert.deepEqual(mailDifferences(outcome.actual.mail, outcome.expected.mail), []);
      assert.deepEqual(outcome.actual.diary, outcome.expected.diary);
    });
  });
});

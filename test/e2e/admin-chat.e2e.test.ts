import assert from 'node:assert/strict';
import path from 'node:path';
import { CONTOSO_CONFIG, PlaygroundPage } from '../support/playground.js';
import { E2E_OUTPUT, startE2eStack, type E2eStack } from './e2e-stack.js';
import { throughEmulator } from './emulator-pages.js';

/**
 * What people type that the README does not script, and what a CRM administrator does in their chat,
 * in Agents Playgrounds in a headless Chromium against the whole server and the emulator: text that is
 * no command, help, and revoking a person whose sync is on. Screenshots go to .test-output/e2e/<person>/.
 */

const ALICE = { upn: 'alice.smith@contoso.com', password: 'demo' };
const BEN = { upn: 'ben.jones@contoso.com', password: 'demo' };
const DAN = { upn: 'dan.morgan@contoso.com', password: 'demo' };

describe('chat as people use it end to end: unknown text, help, an administrator revoking', function () {
  this.timeout(180_000);
  let stack: E2eStack;

  before(async function () {
    stack = await startE2eStack();
  });

  after(async function () {
    await stack?.close();
  });

  async function journey(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`${message}\n--- server log (JSON lines) ---\n${stack.serverLog()}`);
    }
  }

  async function openChat(upn: string, shots: string): Promise<PlaygroundPage> {
    const playground = await stack.playgroundFor(CONTOSO_CONFIG, upn);
    const chat = await PlaygroundPage.open(await stack.newContext(), playground, {
      screenshotDir: path.join(E2E_OUTPUT, shots),
    });
    await chat.openConversation('Personal Chat');
    return chat;
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

  it('Ben types something that is no command and is told so with the short list; help explains each command', async function () {
    await journey(async () => {
      const ben = await openChat(BEN.upn, 'ben-commands');
      await ben.waitForCard('Hello Ben Jones');
      const cards = await ben.cards().count();
      await ben.send('can you book a meeting room?');
      // The whole answer: the short list of a user's commands and nothing more.
      await ben.waitForText(
        /^I didn't catch that\. You can type "enable sync", "status", "mail off" \/ "mail on", "diary off" \/ "diary on", "disable sync" or "help"\. Type "help" to see what each one does\.$/,
      );
      await ben.screenshot('not-understood');
      assert.equal(await ben.cards().count(), cards, 'no card, only the short answer');

      await ben.send('help');
      const help = await ben.waitForCard('What you can type');
      await ben.screenshot('help');
      const text = await help.innerText();
      assert.match(text, /enable sync: Switches Cloud Sync on/);
      assert.match(text, /status: Shows whether your e-mail and diary are up to date/);
      assert.doesNotMatch(text, /As a CRM administrator/);
    });
  });

  it('Dan, a CRM administrator, sees the admin commands; revoking Alice, whose sync is on, asks first and tells her', async function () {
    await journey(async () => {
      const dan = await openChat(DAN.upn, 'dan-admin');
      const welcome = await dan.waitForCard('Hello Dan Morgan');
      assert.match(await welcome.innerText(), /As a CRM administrator also list users/);
      await dan.send('help');
      const help = await dan.waitForCard('As a CRM administrator');
      await dan.screenshot('admin-help');
      assert.match(await help.innerText(), /list users: Lists your organisation’s TriSys users/);
      assert.match(await help.innerText(), /revoke <work e-mail>: Withdraws Cloud Sync/);
      await dan.send('what now');
      await dan.waitForText(
        /^I didn't catch that\. .* As a CRM administrator also "list users", and "grant" or "revoke" followed by a work e-mail\./,
      );
      await dan.screenshot('admin-not-understood');

      // Alice switches Cloud Sync on.
      const alice = await openChat(ALICE.upn, 'alice-revoked');
      await alice.waitForCard('Hello Alice Smith');
      await alice.send('enable sync');
      const signIn = await alice.waitForCard('Sign in to Microsoft 365');
      const popup = await alice.clickCardLinkForPopup(signIn, 'Sign in');
      assert.equal(
        await throughEmulator(popup, ALICE, (name, page) => alice.screenshot(name, page)),
        'Cloud Sync is on',
      );
      await popup.close();
      await alice.waitForCard('Cloud Sync is on');
      assert.equal(await accountState(ALICE.upn), 'active');

      // Dan revokes her: first the question, saying it stops her sync.
      await dan.send('revoke alice.smith@contoso.com');
      const confirm = await dan.waitForCard('Revoke Cloud Sync for Alice Smith?');
      await dan.screenshot('revoke-confirmation');
      assert.match(await confirm.innerText(), /stops their sync at once/);
      assert.equal(await accountState(ALICE.upn), 'active', 'asking changes nothing');
      await dan.clickCardAction(confirm, 'Revoke and stop their sync');
      const done = await dan.waitForCard(
        /Alice Smith no longer sees Cloud Sync: their sync has been stopped/,
      );
      await dan.screenshot('revoked');
      assert.equal(await accountState(ALICE.upn), 'not_visible');

      // Alice is told in her chat, and what she can do.
      const told = await alice.waitForCard(/which stopped your sync/);
      await alice.screenshot('told-sync-stopped');
      assert.match(await told.innerText(), /If you still need it, press "Ask my administrator"/);
      assert.equal(await alice.cardAction(told, 'Ask my administrator').count(), 1);

      // The list Dan got back has a Grant button under Alice's address, and it works.
      const aliceRow = done.locator('.ac-container').filter({ hasText: ALICE.upn }).last();
      await dan.clickCardAction(aliceRow, 'Grant');
      await dan.waitForCard(/Alice Smith can now switch on Cloud Sync/);
      await dan.screenshot('granted-from-list');
      assert.equal(await accountState(ALICE.upn), 'ready');
      await alice.waitForCard(/made Cloud Sync available to you/);
    });
  });
});

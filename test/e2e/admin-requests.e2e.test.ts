import assert from 'node:assert/strict';
import path from 'node:path';
import { importCrm } from '../../bot/crm/import.js';
import { CONTOSO_CONFIG, PlaygroundPage } from '../support/playground.js';
import { E2E_OUTPUT, startE2eStack, type E2eStack } from './e2e-stack.js';

/**
 * Requests to CRM administrators as people make and answer them in Agents Playgrounds (Chromium):
 * Ben double-clicks "Ask my administrator"; Contoso's two CRM administrators, Dan and Alice, each get
 * one card; Dan grants; Alice's card shows Dan's decision with no buttons left, and Ben is told once,
 * never "declined". Screenshots of every step go to .test-output/e2e/requests-<person>/.
 */

const BEN = 'ben.jones@contoso.com';
const DAN = 'dan.morgan@contoso.com';
const ALICE = 'alice.smith@contoso.com';

describe('requests to CRM administrators end to end: Agents Playground in Chromium, server, emulator', function () {
  this.timeout(180_000);
  let stack: E2eStack;

  before(async function () {
    stack = await startE2eStack();
    // The CRM names Alice a second administrator (its own data, through the CRM import).
    const report = await importCrm(
      stack.server.store,
      JSON.stringify({
        users: [
          {
            tenant: '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51',
            workEmail: ALICE,
            displayName: 'Alice Smith',
            admin: true,
            cloudSyncVisible: true,
          },
        ],
      }),
      { format: 'json', actor: 'e2e' },
    );
    assert.deepEqual(report.rejected, []);
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

  async function openChat(upn: string): Promise<PlaygroundPage> {
    const playground = await stack.playgroundFor(CONTOSO_CONFIG, upn);
    const chat = await PlaygroundPage.open(await stack.newContext(), playground, {
      screenshotDir: path.join(E2E_OUTPUT, `requests-${upn.split('.')[0]!}`),
    });
    await chat.openConversation('Personal Chat');
    return chat;
  }

  async function benState(): Promise<string | undefined> {
    const row = await stack.server.store.db
      .selectFrom('sync_accounts')
      .innerJoin('crm_users', 'crm_users.id', 'sync_accounts.crm_user_id')
      .select('sync_accounts.state')
      .where('crm_users.work_email', '=', BEN)
      .executeTakeFirst();
    return row?.state;
  }

  it('Ben double-clicks "Ask my administrator": Dan and Alice get one card each; Dan grants, Alice’s card shows it with no buttons, Ben is told once', async function () {
    await journey(async () => {
      // Both administrators have talked to the bot, so their chats can be reached.
      const dan = await openChat(DAN);
      await dan.waitForCard('Hello Dan Morgan');
      const alice = await openChat(ALICE);
      await alice.waitForCard('Hello Alice Smith');

      const ben = await openChat(BEN);
      await ben.send('enable sync');
      const notVisible = await ben.waitForCard("Cloud Sync isn't available to you yet");
      // The playground's log panel lists each invoke it sends the bot: both presses go out.
      const invokes = ben.page.getByText('invoke 200');
      const before = await invokes.count();
      await ben.cardAction(notVisible, 'Ask my administrator').dblclick({ timeout: ben.timeoutMs });
      await invokes.nth(before + 1).waitFor({ timeout: ben.timeoutMs });
      // Ben's card says when he asked and who has it, once the request has gone to both.
      const asked = await ben.waitForCard(
        /waiting for (Dan Morgan and Alice Smith|Alice Smith and Dan Morgan)/,
      );
      await ben.screenshot('asked-once');
      assert.match(await asked.innerText(), /Asked \d{1,2} [A-Z][a-z]{2,3} \d{4}, \d\d:\d\d UTC/);

      const dansCard = await dan.waitForCard('Cloud Sync request');
      const alicesCard = await alice.waitForCard('Cloud Sync request');
      await dan.screenshot('request');
      await alice.screenshot('request');
      assert.equal(await dan.countCards('Cloud Sync request'), 1, 'Dan has one card, not two');
      assert.equal(await alice.countCards('Cloud Sync request'), 1, 'Alice has one card, not two');
      const askedAt = /Asked\s*([^\n]+)/.exec(await alicesCard.innerText())?.[1];
      assert.ok(askedAt);

      // Typed again, the answer is the same: one open request, with Dan and Alice.
      const states = await ben.countCards("Cloud Sync isn't available to you yet");
      await ben.send('enable sync');
      const again = await ben.waitForCard("Cloud Sync isn't available to you yet", { after: states });
      assert.match(await again.innerText(), /waiting for/);
      assert.equal(await ben.cardAction(again, 'Ask my administrator').count(), 0);

      await dan.clickCardAction(dansCard, 'Grant');
      await dan.waitForCard(/Granted by Dan Morgan/);
      await dan.screenshot('granted');

      // Alice's card, updated in place: Dan's decision, when Ben asked, and nothing left to press.
      const alicesNow = await alice.waitForCard(/Granted by Dan Morgan/);
      await alice.screenshot('granted-by-dan');
      assert.equal(await alice.cardAction(alicesNow, 'Decline').count(), 0);
      assert.equal(await alice.cardAction(alicesNow, 'Grant').count(), 0);
      assert.equal(/Asked\s*([^\n]+)/.exec(await alicesNow.innerText())?.[1], askedAt);

      await ben.waitForCard(/has made Cloud Sync available to you/);
      await ben.screenshot('told-granted');
      assert.equal(await benState(), 'ready');
      assert.equal(await ben.countCards(/declined/), 0, 'Ben is never told "declined"');
      const rows = await stack.server.store.db.selectFrom('visibility_requests').selectAll().execute();
      assert.deepEqual(
        rows.map((r) => [r.status, r.decided_by]),
        [['granted', 'Dan Morgan']],
      );
    });
  });
});

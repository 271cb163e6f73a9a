import assert from 'node:assert/strict';
import {
  executeAction,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
} from './support/bot-stack.js';
import { DEMO } from '../support/emulator-msal.js';

/**
 * The two deployment shapes (README, "Who hosts the Entra app"), each signed in end to end: the bot's
 * card, /auth/start, the emulator's sign-in pages, the code redeemed by msal-node, Graph /me, active.
 * The emulator refuses a single-tenant app on /organizations (AADSTS50194), as Entra does
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
 */
const shapes = [
  { name: 'an organisation hosting its own single-tenant app (AzureADMyOrg)', singleTenant: true },
  { name: 'the CRM vendor hosting one multi-tenant app (AzureADMultipleOrgs)', singleTenant: false },
];

for (const shape of shapes)
  describe(`deployment shape: ${shape.name}`, function () {
    let stack: BotStack;
    beforeEach(async () => {
      stack = await startBotStack(shape.singleTenant ? { singleTenantApp: { tenantId: DEMO.contoso } } : {});
    });
    afterEach(() => stack.close());

    it('Alice enables sync: she signs in with her Contoso account and her sync is on', async () => {
      const alice = PEOPLE.alice;
      await stack.say(alice, 'help');
      const welcome = stack.cardsIn(personalChat(alice)).at(-1)!;
      const enabled = await stack.invoke(alice, executeAction(welcome, 'enable'));
      assert.match(textOf(enabled.card!), /Sign in/);
      const page = await stack.signInFromCard(enabled.card!, { username: alice.email, password: 'demo' });
      assert.equal(page.status, 200, page.html);
      assert.match(page.html, /Cloud Sync is on/);
      const account = await stack.store.db
        .selectFrom('sync_accounts')
        .select(['state', 'tenant_id', 'ms_object_id'])
        .where('ms_object_id', '=', alice.aadObjectId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(account, {
        state: 'active',
        tenant_id: DEMO.contoso,
        ms_object_id: alice.aadObjectId,
      });
    });
  });

describe('deployment shape: a single-tenant app serves only its own tenant', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack({ singleTenantApp: { tenantId: DEMO.contoso } });
  });
  afterEach(() => stack.close());

  it('a Contoso user who signs in with an account of another tenant is told why, and nothing is switched on', async () => {
    const alice = PEOPLE.alice;
    await stack.say(alice, 'help');
    const welcome = stack.cardsIn(personalChat(alice)).at(-1)!;
    const enabled = await stack.invoke(alice, executeAction(welcome, 'enable'));
    const page = await stack.signInFromCard(enabled.card!, {
      username: DEMO.erin.username,
      password: 'demo',
    });
    assert.equal(page.status, 200, page.html);
    assert.match(page.html, /Sign-in did not work/);
    assert.match(page.html, /belongs to another organisation/);
    const account = await stack.store.db
      .selectFrom('sync_accounts')
      .select(['state'])
      .where('crm_user_id', 'in', (eb) =>
        eb.selectFrom('crm_users').select('id').where('work_email', '=', alice.email),
      )
      .executeTakeFirst();
    assert.notEqual(account?.state, 'active');
    const tokens = await stack.store.db.selectFrom('token_caches').select('account_key').execute();
    assert.deepEqual(tokens, []);
  });
});

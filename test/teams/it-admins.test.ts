import assert from 'node:assert/strict';
import { DEMO } from '../support/emulator-msal.js';
import { itChannel, PEOPLE, startBotStack, type BotStack, type DemoPerson } from './support/bot-stack.js';

/**
 * IT rights belong to one person in one tenant — (tenant id, object id) — never to
 * an e-mail address, which follows a person into every tenant they are a guest of.
 */
describe('IT administrators are per tenant', function () {
  let stack: BotStack;
  afterEach(() => stack.close());

  /** Frank, Fabrikam's IT admin, as a guest in Contoso's team: another object id, same e-mail. */
  const frankAsContosoGuest: DemoPerson = {
    ...PEOPLE.frank,
    key: 'frank-guest',
    aadObjectId: 'c3000000-0000-4000-8000-00000000f001',
    tenantId: DEMO.contoso,
  };

  async function itChannelOf(tenantId: string): Promise<string | null> {
    const row = await stack.store.db
      .selectFrom('tenants')
      .select('it_channel_ref_key')
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return row.it_channel_ref_key;
  }

  function addGuestToRoster(): void {
    stack.channel.roster.set(`29:${frankAsContosoGuest.key}`, {
      id: `29:${frankAsContosoGuest.key}`,
      name: frankAsContosoGuest.name,
      aadObjectId: frankAsContosoGuest.aadObjectId,
      email: frankAsContosoGuest.email,
      userPrincipalName: frankAsContosoGuest.email,
    });
  }

  it("another tenant's IT admin, a guest here, cannot choose this tenant's IT channel", async () => {
    stack = await startBotStack({ env: { IT_ADMINS: `${DEMO.fabrikam}/${PEOPLE.frank.aadObjectId}` } });
    addGuestToRoster();
    await stack.say(frankAsContosoGuest, 'set it channel', itChannel(DEMO.contoso));
    assert.match(
      String(stack.activitiesIn(itChannel(DEMO.contoso)).at(-1)!.activity.text),
      /Only a CRM administrator or an IT administrator/,
    );
    assert.equal(await itChannelOf(DEMO.contoso), null);
  });

  it('someone listed as IT admin of their own tenant (tenant id, object id) may choose its IT channel, and only its', async () => {
    stack = await startBotStack({ env: { IT_ADMINS: `${DEMO.contoso}/${PEOPLE.ben.aadObjectId}` } });
    await stack.say(PEOPLE.ben, 'set it channel', itChannel(DEMO.contoso));
    assert.match(String(stack.activitiesIn(itChannel(DEMO.contoso)).at(-1)!.activity.text), /IT channel/);
    assert.notEqual(await itChannelOf(DEMO.contoso), null);
    // Ben's object id listed under Contoso means nothing for Erin's tenant.
    const benInFabrikam: DemoPerson = { ...PEOPLE.ben, key: 'ben-fab', tenantId: DEMO.fabrikam };
    await stack.say(benInFabrikam, 'set it channel', itChannel(DEMO.fabrikam));
    assert.equal(await itChannelOf(DEMO.fabrikam), null);
  });
});

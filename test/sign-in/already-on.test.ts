import assert from 'node:assert/strict';
import { signInUrl } from '../../bot/sign-in/sign-in-routes.js';
import { deriveKey } from '../../bot/vault/derived-keys.js';
import { openUrlOf, PEOPLE, startBotStack, type BotStack } from '../teams/support/bot-stack.js';
import { accountOf, activate, startEnabling } from '../teams/support/journeys.js';

/**
 * A person who has switched Cloud Sync on and opens the sign-in link again (a second click on the card's
 * button, a reload) is told sync is already on and nothing more is needed; every other used, forged or
 * borrowed link is still refused.
 */
describe('a used sign-in link opened again (bot/sign-in/already-on.ts)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack({ dialect: 'sqlite' });
  });
  afterEach(() => stack.close());

  const open = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };

  it('says sync is already on, for the person whose link it is, once they have signed in with it', async () => {
    const alice = PEOPLE.alice;
    const card = await startEnabling(stack, alice);
    const link = openUrlOf(card, 'Sign in');
    const page = await stack.signInFromCard(card, { username: alice.email, password: alice.password });
    assert.match(page.html, /Cloud Sync is on/);
    assert.equal((await accountOf(stack, alice))?.state, 'active');

    const again = await open(link);
    assert.equal(again.status, 200);
    assert.match(again.text, /Cloud Sync is already on/);
    assert.match(again.text, /nothing more is needed/);
    assert.doesNotMatch(again.text, /start again|Enable sync" again|cannot be used/);

    // A link whose signature does not hold names nobody, so it is refused as before.
    const url = new URL(link);
    const ticket = url.searchParams.get('ticket')!;
    url.searchParams.set('ticket', `${ticket.slice(0, -2)}${ticket.endsWith('A') ? 'BB' : 'AA'}`);
    const forged = await open(url.toString());
    assert.equal(forged.status, 400);
    assert.match(forged.text, /cannot be used/);
  });

  it('still refuses a used link while sign-in is unfinished, and a link made out to someone else', async () => {
    const { alice, ben, carol } = PEOPLE;
    const link = openUrlOf(await startEnabling(stack, carol), 'Sign in');
    assert.equal((await open(link)).status, 302);
    const unfinished = await open(link);
    assert.equal(unfinished.status, 409);
    assert.match(unfinished.text, /already been used/);

    await activate(stack, alice);
    const account = await accountOf(stack, alice);
    // A correctly signed link for Alice's account but made out to Ben's Teams identity: not Alice's.
    const borrowed = await signInUrl(
      {
        publicUrl: stack.baseUrl,
        ticketKey: deriveKey(stack.config.TOKEN_ENCRYPTION_KEY!, 'sign-in-ticket'),
      },
      { accountId: account!.id, tenantId: alice.tenantId, aadObjectId: ben.aadObjectId },
    );
    assert.equal((await open(borrowed)).status, 302);
    const reopened = await open(borrowed);
    assert.equal(reopened.status, 409);
    assert.match(reopened.text, /already been used/);
  });
});

import assert from 'node:assert/strict';
import { domainHintFor } from '../../bot/sign-in/sign-in-hints.js';
import { EmulatorBrowser, expectPage } from '../support/emulator-browser.js';
import { PEOPLE, startBotStack } from '../teams/support/bot-stack.js';
import { startEnabling } from '../teams/support/journeys.js';

/** The URL of the card's "Sign in" button. */
function signInLink(card: unknown): string {
  const actions = (card as { actions?: Array<{ title?: string; url?: string }> }).actions ?? [];
  const url = actions.find((a) => a.title === 'Sign in')?.url;
  assert.ok(url, 'the card has a Sign in button');
  return url;
}

describe('sign-in hints (bot/sign-in/sign-in-hints.ts)', function () {
  it('names the organisation by a domain it is known to own, the address’s own when it is one', function () {
    assert.equal(domainHintFor('alice.smith@contoso.com', ['contoso.com']), 'contoso.com');
    assert.equal(domainHintFor('a@Contoso.co.uk', ['contoso.com', 'contoso.co.uk']), 'contoso.co.uk');
    // A CRM work e-mail on a domain the organisation has not verified: its own domain instead.
    assert.equal(domainHintFor('cwhite@contoso-recruitment.com', ['contoso.com']), 'contoso.com');
    assert.equal(domainHintFor('a@contoso.com', []), undefined);
    assert.equal(domainHintFor(undefined, ['contoso.com']), 'contoso.com');
  });

  it('opens Microsoft’s sign-in page from the card with Alice’s address filled in and her organisation named', async function () {
    const stack = await startBotStack();
    try {
      const card = await startEnabling(stack, PEOPLE.alice);
      const start = await fetch(signInLink(card), { redirect: 'manual' });
      assert.equal(start.status, 302);
      const authorize = new URL(start.headers.get('location') ?? '');
      assert.equal(authorize.searchParams.get('login_hint'), PEOPLE.alice.email);
      assert.equal(authorize.searchParams.get('domain_hint'), 'contoso.com');
      // What Alice sees: the emulator's sign-in form, her address already in the box.
      const page = expectPage(
        await new EmulatorBrowser(stack.emu.origin, stack.emu.caPem).get(authorize.href),
      );
      assert.match(page.html, new RegExp(`id="login" name="login"[^>]*value="${PEOPLE.alice.email}"`));
    } finally {
      await stack.close();
    }
  });
});

import assert from 'node:assert/strict';
import { answerToApp, EmulatorBrowser, isFormPostAnswer } from '../support/emulator-browser.js';
import { openUrlOf, PEOPLE, startBotStack, type BotStack } from './support/bot-stack.js';
import { accountOf, startEnabling } from './support/journeys.js';

// Microsoft identity platform, "OAuth 2.0 authorization code flow": with response_mode=form_post the
// code and state are posted to the redirect URI as form fields instead of travelling in its query
// string (which browser history, proxies and Application Insights request telemetry record).
describe('sign-in answer (form_post: the code never travels in a URL)', function () {
  let stack: BotStack;
  beforeEach(async () => {
    stack = await startBotStack({ dialect: 'sqlite' });
  });
  afterEach(() => stack.close());

  it('asks Entra for form_post, completes on the posted code, and the same answer cannot be used again', async () => {
    const alice = PEOPLE.alice;
    const card = await startEnabling(stack, alice);
    const start = await fetch(openUrlOf(card, 'Sign in'), { redirect: 'manual' });
    assert.equal(start.status, 302);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.searchParams.get('response_mode'), 'form_post');

    const browser = new EmulatorBrowser(stack.emu.origin, stack.emu.caPem);
    const step = await browser.signIn(await browser.get(authorize.toString()), {
      username: alice.email,
      password: alice.password,
    });
    assert.ok(isFormPostAnswer(step), 'Entra answers with a page that posts to the app');
    const answer = answerToApp(step);
    const callback = new URL(answer.url);
    assert.equal(callback.pathname, '/auth/callback');
    assert.equal(callback.search, '', 'no code, state or error in the URL');
    assert.match(String(answer.init.body), /(^|&)code=[^&]+/);

    const res = await fetch(answer.url, answer.init);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Cloud Sync is on/);
    assert.equal((await accountOf(stack, alice))?.state, 'active');

    const replay = await fetch(answer.url, answer.init);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /already been used/);
  });

  it('refuses an oversized posted answer with 413 and changes nothing', async () => {
    const alice = PEOPLE.alice;
    await startEnabling(stack, alice);
    const res = await fetch(`${stack.baseUrl}/auth/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `state=x&code=${'a'.repeat(70 * 1024)}`,
    });
    assert.equal(res.status, 413);
    assert.notEqual((await accountOf(stack, alice))?.state, 'active');
  });
});

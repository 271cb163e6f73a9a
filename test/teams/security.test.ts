import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { deriveKey } from '../../bot/vault/derived-keys.js';
import { signCardRef } from '../../bot/cards/card-refs.js';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import {
  executeAction,
  openUrlOf,
  PEOPLE,
  personalChat,
  startBotStack,
  textOf,
  type BotStack,
  type DemoPerson,
} from './support/bot-stack.js';
import { stateOf } from './support/journeys.js';

describe('bot security: channel tokens and card payloads', function () {
  let stack: BotStack;
  before(async () => {
    stack = await startBotStack();
  });
  after(() => stack.close());

  const message = (text: string) => stack.activity(PEOPLE.alice, { type: 'message', text });

  async function expectRefused(authorization: string | null, why: string): Promise<void> {
    const sentBefore = stack.channel.activities.length;
    const accountsBefore = (await stack.store.db.selectFrom('sync_accounts').selectAll().execute()).length;
    const res = await stack.post(message('enable sync'), authorization);
    assert.equal(res.status, 401, `${why}: ${JSON.stringify(res.body)}`);
    assert.equal(stack.channel.activities.length, sentBefore, `${why}: the bot replied`);
    assert.equal(
      (await stack.store.db.selectFrom('sync_accounts').selectAll().execute()).length,
      accountsBefore,
    );
  }

  it('accepts a genuine channel token', async () => {
    assert.equal((await stack.post(message('help'))).status, 200);
  });

  it('refuses a missing, malformed, expired, wrong-audience, wrong-service-URL or forged token', async () => {
    await expectRefused(null, 'no token');
    await expectRefused('Bearer not-a-jwt', 'malformed');
    await expectRefused(`Bearer ${await stack.channelToken({ lifetimeSeconds: -600 })}`, 'expired');
    await expectRefused(`Bearer ${await stack.channelToken({ appId: randomUUID() })}`, 'wrong audience');
    await expectRefused(
      `Bearer ${await stack.channelToken({ serviceUrl: 'http://127.0.0.1:9/' })}`,
      'other service URL',
    );

    // Right claims and the emulator's key id, but signed with another key.
    const jwks = (await (
      await trustedFetch(stack.emu.caPem)(`${stack.emu.origin}/botframework/v1/.well-known/keys`)
    ).json()) as {
      keys: Array<{ kid: string }>;
    };
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ serviceurl: stack.channel.url })
      .setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0]!.kid })
      .setIssuer('https://api.botframework.com')
      .setAudience(stack.botId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectRefused(`Bearer ${forged}`, 'forged');

    // An Entra token for our app is not a channel token either.
    const entra = await trustedFetch(stack.emu.caPem)(`${stack.emu.origin}/_emulator/tokens/teams-sso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        userPrincipalName: PEOPLE.alice.email,
        appId: '11111111-2222-4333-8444-555555555555',
      }),
    });
    await expectRefused(
      `Bearer ${((await entra.json()) as { access_token: string }).access_token}`,
      'Entra token',
    );
  });

  it('answers unknown verbs, tampered or foreign refs and bad fields with an error card and changes nothing', async () => {
    const { alice, ben } = PEOPLE;
    await stack.say(alice, 'help');
    const welcome = stack.cardsIn(personalChat(alice)).at(-1)!;
    const enable = executeAction(welcome, 'enable');
    const before = await stateOf(stack, alice);
    const audits = (await stack.store.db.selectFrom('audit_log').selectAll().execute()).length;

    const cases: Array<[string, { verb: string; data?: unknown }, RegExp, DemoPerson]> = [
      ['unknown verb', { verb: 'delete_everything', data: enable.data }, /not one Cloud Sync knows/, alice],
      ['missing ref', { verb: 'enable', data: {} }, /ref is missing/, alice],
      [
        'tampered ref',
        {
          verb: 'enable',
          data: { ref: String(enable.data.ref).replace(/^./, (c) => (c === 'e' ? 'f' : 'e')) },
        },
        /changed or is not from Cloud Sync/,
        alice,
      ],
      ['another user’s card', enable, /belongs to someone else/, ben],
      [
        'wrong kind of ref',
        { verb: 'consent_granted', data: enable.data },
        /changed or is not from Cloud Sync/,
        alice,
      ],
      [
        'bad field',
        { verb: 'confirm_disable', data: { ref: enable.data.ref, retention: 'shred' } },
        /keep or remove/,
        alice,
      ],
    ];
    for (const [why, action, expected, who] of cases) {
      const answer = await stack.invoke(who, action);
      assert.equal(answer.status, 200, why);
      assert.match(textOf(answer.card), expected, why);
      assert.match(textOf(answer.card), /Nothing|nothing/, `${why}: the error card says nothing changed`);
    }
    assert.equal(await stateOf(stack, alice), before);
    assert.equal((await stack.store.db.selectFrom('audit_log').selectAll().execute()).length, audits);
  });

  it('refuses an expired card and a replayed sign-in link', async () => {
    const { carol } = PEOPLE;
    await stack.say(carol, 'status');
    const key = Buffer.from(deriveKey(stack.config.TOKEN_ENCRYPTION_KEY!, 'card-ref'));
    const old = await signCardRef(
      { kind: 'account', id: carol.aadObjectId, tenantId: carol.tenantId },
      { key, now: new Date(Date.now() - 8 * 24 * 3600_000) },
    );
    const expired = await stack.invoke(carol, { verb: 'enable', data: { ref: old } });
    assert.match(textOf(expired.card), /expired/);
    assert.equal(await stateOf(stack, carol), undefined, 'nothing was stored for Carol');

    const signIn = await stack.invoke(carol, {
      verb: 'enable',
      data: {
        ref: await signCardRef(
          { kind: 'account', id: carol.aadObjectId, tenantId: carol.tenantId },
          { key, now: new Date() },
        ),
      },
    });
    const link = openUrlOf(signIn.card, 'Sign in');
    assert.equal((await fetch(link, { redirect: 'manual' })).status, 302);
    const replay = await fetch(link, { redirect: 'manual' });
    assert.equal(replay.status, 409);
    assert.match(await replay.text(), /already been used/);
  });
});

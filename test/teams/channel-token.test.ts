import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { ChannelTokenError, createChannelTokenValidator } from '../../bot/teams/channel-token.js';
import type { FetchLike } from '../../bot/net/tls-trust.js';

const ISSUER = 'https://api.botframework.com';
const BOT = '0f0e0d0c-0000-4000-8000-000000000001';
const SERVICE = 'https://smba.example/teams/';

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { privateKey, jwk };
}

function sign(privateKey: CryptoKey, kid: string, issuer = ISSUER) {
  return new SignJWT({ serviceurl: SERVICE })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(issuer)
    .setAudience(BOT)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

/** A token issued at `atMs` on the test's clock, valid for `lifetimeSeconds`. */
function signIssuedAt(privateKey: CryptoKey, kid: string, atMs: number, lifetimeSeconds: number) {
  return new SignJWT({ serviceurl: SERVICE })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setAudience(BOT)
    .setIssuedAt(atMs / 1000)
    .setExpirationTime(atMs / 1000 + lifetimeSeconds)
    .sign(privateKey);
}

/** The validator under test, reading its keys from `server`, on the test's clock when one is given. */
function validatorOn(server: { fetch: FetchLike }, now?: () => Date) {
  return createChannelTokenValidator({
    openIdMetadataUrl: 'https://meta.example/openid',
    issuer: ISSUER,
    audience: BOT,
    fetch: server.fetch,
    ...(now ? { now } : {}),
  });
}

/** A metadata + JWKS server in memory, counting how often the keys are read. */
function keyServer(keys: () => Array<JWK & { endorsements?: string[] }>) {
  const calls = { jwks: 0 };
  const fetch: FetchLike = async (input) => {
    const url = input.toString();
    if (url.endsWith('/openid')) return Response.json({ jwks_uri: 'https://keys.example/jwks' });
    calls.jwks += 1;
    return Response.json({ keys: keys() });
  };
  return { fetch, calls };
}

describe('channel token validation', function () {
  it('accepts a token from an endorsed key and refuses it for a channel the key is not endorsed for', async () => {
    const k = await key('k1');
    const server = keyServer(() => [{ ...k.jwk, endorsements: ['msteams'] }]);
    const v = validatorOn(server);
    const token = await sign(k.privateKey, 'k1');
    const claims = await v.validate(`Bearer ${token}`, { serviceUrl: SERVICE, channelId: 'msteams' });
    assert.equal(claims.aud, BOT);
    await assert.rejects(
      v.validate(`Bearer ${token}`, { serviceUrl: SERVICE, channelId: 'slack' }),
      /not endorsed/,
    );
    await assert.rejects(
      v.validate(`Bearer ${token}`, { serviceUrl: 'https://elsewhere/', channelId: 'msteams' }),
      ChannelTokenError,
    );
    await assert.rejects(
      v.validate(`Bearer ${await sign(k.privateKey, 'k1', 'https://evil.example')}`, {
        serviceUrl: SERVICE,
      }),
      /refused/,
    );
    assert.equal(server.calls.jwks, 1, 'keys are cached');
  });

  // With one key in the set, jose picks it for a token without `kid`, while an endorsement lookup by
  // kid finds nothing: the channel check must not be skipped for that.
  it('refuses a token without a key id, even when the key set has one key', async () => {
    const k = await key('k1');
    const server = keyServer(() => [{ ...k.jwk, endorsements: ['msteams'] }]);
    const v = validatorOn(server);
    const noKid = await new SignJWT({ serviceurl: SERVICE })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(ISSUER)
      .setAudience(BOT)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(k.privateKey);
    for (const channelId of ['slack', 'msteams']) {
      await assert.rejects(
        v.validate(`Bearer ${noKid}`, { serviceUrl: SERVICE, channelId }),
        /key id/,
        `accepted for ${channelId}`,
      );
    }
  });

  it('re-reads the keys for an unknown key id, but at most every few minutes', async () => {
    const k1 = await key('k1');
    const k2 = await key('k2');
    let published = [k1.jwk];
    const server = keyServer(() => published);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const v = validatorOn(server, () => new Date(clock));
    const t1 = await signIssuedAt(k1.privateKey, 'k1', clock, 3 * 3600);
    await v.validate(`Bearer ${t1}`, { serviceUrl: SERVICE });
    published = [k1.jwk, k2.jwk];
    const t2 = await signIssuedAt(k2.privateKey, 'k2', clock, 3 * 3600);
    clock += 60_000;
    await assert.rejects(v.validate(`Bearer ${t2}`, { serviceUrl: SERVICE }), /refused/);
    assert.equal(server.calls.jwks, 1, 'an unknown key id does not hammer the key endpoint');
    clock += 10 * 60_000;
    await v.validate(`Bearer ${t2}`, { serviceUrl: SERVICE });
    assert.equal(server.calls.jwks, 2);
  });

  it('refuses a token that was accepted before once it has expired (beyond the 5-minute skew)', async () => {
    const k = await key('k1');
    const server = keyServer(() => [k.jwk]);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const v = validatorOn(server, () => new Date(clock));
    const token = await signIssuedAt(k.privateKey, 'k1', clock, 60);
    await v.validate(`Bearer ${token}`, { serviceUrl: SERVICE });
    clock += (60 + 299) * 1000;
    await v.validate(`Bearer ${token}`, { serviceUrl: SERVICE });
    clock += 2000;
    await assert.rejects(v.validate(`Bearer ${token}`, { serviceUrl: SERVICE }), /refused/);
  });

  it('refuses a token that was accepted before once its key is no longer published', async () => {
    const k1 = await key('k1');
    const k2 = await key('k2');
    let published = [k1.jwk];
    const server = keyServer(() => published);
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const v = validatorOn(server, () => new Date(clock));
    const signed = (k: typeof k1, kid: string) => signIssuedAt(k.privateKey, kid, clock, 3 * 3600);
    const old = await signed(k1, 'k1');
    await v.validate(`Bearer ${old}`, { serviceUrl: SERVICE });
    // The channel rolls its keys: k1 is withdrawn, and a token from k2 makes the bot read them again.
    published = [k2.jwk];
    clock += 10 * 60_000;
    await v.validate(`Bearer ${await signed(k2, 'k2')}`, { serviceUrl: SERVICE });
    assert.equal(server.calls.jwks, 2);
    await assert.rejects(v.validate(`Bearer ${old}`, { serviceUrl: SERVICE }), /refused/);
  });
});

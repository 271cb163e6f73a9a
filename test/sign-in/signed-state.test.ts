import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { signState, verifyState, SignedStateError } from '../../bot/sign-in/signed-state.js';
import { deriveKey } from '../../bot/vault/derived-keys.js';

const vaultKey = randomBytes(32).toString('base64');
const key = deriveKey(vaultKey, 'sign-in-ticket');
const schema = z.object({ acc: z.string() });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SignedStateError);
    return err.reason;
  }
  assert.fail('expected a SignedStateError');
}

describe('signed state', () => {
  it('round-trips its claims with a jti', async () => {
    const { token, jti } = await signState(key, 'p', { acc: 'a1' }, 600);
    const claims = await verifyState(key, 'p', token, schema);
    assert.equal(claims.acc, 'a1');
    assert.equal(claims.jti, jti);
  });

  it('expires', async () => {
    const issued = new Date('2026-01-01T10:00:00Z');
    const { token } = await signState(key, 'p', { acc: 'a1' }, 600, issued);
    await verifyState(key, 'p', token, schema, new Date('2026-01-01T10:09:00Z'));
    assert.equal(
      await reason(verifyState(key, 'p', token, schema, new Date('2026-01-01T10:11:00Z'))),
      'expired',
    );
  });

  it('refuses a tampered token, another purpose, another key, and bad claims', async () => {
    const { token } = await signState(key, 'p', { acc: 'a1' }, 600);
    const [h, body, sig] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), acc: 'a2' }),
    ).toString('base64url');
    assert.equal(await reason(verifyState(key, 'p', `${h}.${forged}.${sig}`, schema)), 'invalid');
    assert.equal(await reason(verifyState(key, 'other', token, schema)), 'invalid');
    assert.equal(await reason(verifyState(deriveKey(vaultKey, 'card-ref'), 'p', token, schema)), 'invalid');
    const wrongShape = await signState(key, 'p', { acc: 42 }, 600);
    assert.equal(await reason(verifyState(key, 'p', wrongShape.token, schema)), 'invalid');
    assert.equal(await reason(verifyState(key, 'p', 'not-a-jwt', schema)), 'invalid');
  });

  it('derives distinct keys per purpose and refuses a malformed vault key', () => {
    assert.notDeepEqual(deriveKey(vaultKey, 'sign-in-ticket'), deriveKey(vaultKey, 'card-ref'));
    assert.throws(() => deriveKey('c2hvcnQ=', 'card-ref'), /32 bytes/);
  });
});

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { signCardRef, verifyCardRef } from '../../bot/cards/card-refs.js';
import { signState } from '../../bot/sign-in/signed-state.js';
import { deriveKey } from '../../bot/vault/derived-keys.js';

const vaultKey = randomBytes(32).toString('base64');
const key = deriveKey(vaultKey, 'card-ref');
const now = new Date('2025-11-25T10:00:00Z');
const ref = { kind: 'approval_request', id: 'req-1', tenantId: 'tenant-1' } as const;
const changed = {
  ok: false,
  error: 'This card’s data was changed or is not from Cloud Sync.',
} as const;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;

describe('card refs', () => {
  it('round-trips a signed reference', async () => {
    const checked = await verifyCardRef(await signCardRef(ref, { key, now }), { key, now });
    assert.ok(checked.ok);
    assert.deepEqual(
      { k: checked.ref.k, id: checked.ref.id, tid: checked.ref.tid },
      { k: 'approval_request', id: 'req-1', tid: 'tenant-1' },
    );
  });

  it('is a JWT whose header names the card-ref type and whose lifetime is the kind’s', async () => {
    const [header, payload] = (await signCardRef(ref, { key, now })).split('.') as [string, string];
    assert.deepEqual(decode(header), { alg: 'HS256', typ: 'card-ref+jwt' });
    const claims = decode(payload) as Record<string, unknown>;
    assert.equal(claims.aud, 'card-ref');
    // An approval card may wait in IT's channel for 30 days.
    assert.equal(claims.exp, Date.parse('2025-12-25T10:00:00Z') / 1000);
  });

  it('catches a changed id under the original signature', async () => {
    const [header, payload, signature] = (await signCardRef(ref, { key, now })).split('.') as [
      string,
      string,
      string,
    ];
    const forged = b64({ ...(decode(payload) as object), id: 'req-2' });
    assert.deepEqual(await verifyCardRef(`${header}.${forged}.${signature}`, { key, now }), changed);
  });

  it('refuses a reference signed with another key, and malformed ones', async () => {
    const other = await signCardRef(ref, { key: randomBytes(32), now });
    const unsigned = `${b64({ alg: 'none', typ: 'card-ref+jwt' })}.${b64({ k: 'account', id: 'x', tid: 't', aud: 'card-ref', exp: 9e9 })}.`;
    for (const token of [other, unsigned, 'abc', 'a.b.c', '', '.', '..']) {
      assert.deepEqual(await verifyCardRef(token, { key, now }), changed, token);
    }
  });

  it('expires after its lifetime', async () => {
    const token = await signCardRef(ref, { key, now });
    const later = new Date(now.getTime() + 31 * 24 * 3600 * 1000);
    assert.deepEqual(await verifyCardRef(token, { key, now: later }), {
      ok: false,
      error: 'This card has expired. Type "help" to get a fresh one.',
    });
  });

  it('says "changed", not "expired", for an expired reference under the wrong key', async () => {
    const token = await signCardRef(ref, { key: randomBytes(32), now });
    const later = new Date(now.getTime() + 31 * 24 * 3600 * 1000);
    assert.deepEqual(await verifyCardRef(token, { key, now: later }), changed);
  });

  it('refuses a signed token with an unknown kind', async () => {
    const token = await new SignJWT({ k: 'tenant_admin', id: 'req-1', tid: 'tenant-1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'card-ref+jwt' })
      .setAudience('card-ref')
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 3600)
      .sign(key);
    assert.deepEqual(await verifyCardRef(token, { key, now }), changed);
  });

  it('never takes a sign-in or consent state for a card, even under the card key', async () => {
    const claims = { k: 'account', id: 'a1', tid: 'tenant-1' };
    const underItsOwnKey = await signState(
      deriveKey(vaultKey, 'sign-in-ticket'),
      'sign-in',
      claims,
      600,
      now,
    );
    const underTheCardKey = await signState(key, 'admin-consent', claims, 600, now);
    for (const { token } of [underItsOwnKey, underTheCardKey]) {
      assert.deepEqual(await verifyCardRef(token, { key, now }), changed);
    }
  });

  it('refuses a reference in the earlier hand-made format (base64url JSON and an HMAC)', async () => {
    const body = b64({ k: 'approval_request', id: 'req-1', tid: 'tenant-1', exp: 9e9 });
    const old = `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
    assert.deepEqual(await verifyCardRef(old, { key, now }), changed);
  });

  it('refuses a short key', async () => {
    await assert.rejects(signCardRef(ref, { key: Buffer.alloc(8), now }), /at least 32 bytes/);
  });
});

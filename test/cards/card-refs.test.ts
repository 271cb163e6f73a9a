import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { signCardRef, verifyCardRef } from '../../bot/cards/card-refs.js';

const key = randomBytes(32);
const now = new Date('2025-11-25T10:00:00Z');
const ref = { kind: 'approval_request', id: 'req-1', tenantId: 'tenant-1' } as const;

describe('card refs', () => {
  it('round-trips a signed reference', () => {
    const checked = verifyCardRef(signCardRef(ref, { key, now }), { key, now });
    assert.ok(checked.ok);
    assert.deepEqual(
      { k: checked.ref.k, id: checked.ref.id, tid: checked.ref.tid },
      {
        k: 'approval_request',
        id: 'req-1',
        tid: 'tenant-1',
      },
    );
  });

  it('catches a changed id', () => {
    const [, signature] = signCardRef(ref, { key, now }).split('.');
    const forged = Buffer.from(
      JSON.stringify({ k: 'approval_request', id: 'req-2', tid: 'tenant-1', exp: 9e9 }),
    ).toString('base64url');
    assert.deepEqual(verifyCardRef(`${forged}.${signature}`, { key, now }), {
      ok: false,
      error: 'This card’s data was changed or is not from Cloud Sync.',
    });
  });

  it('rejects a reference signed with another key, and malformed ones', () => {
    const other = signCardRef(ref, { key: randomBytes(32), now });
    for (const token of [other, 'abc', 'a.b.c', '', '.']) {
      assert.equal(verifyCardRef(token, { key, now }).ok, false, token);
    }
  });

  it('expires after its lifetime', () => {
    const token = signCardRef(ref, { key, now });
    const later = new Date(now.getTime() + 31 * 24 * 3600 * 1000);
    assert.deepEqual(verifyCardRef(token, { key, now: later }), {
      ok: false,
      error: 'This card has expired. Type "help" to get a fresh one.',
    });
  });

  it('refuses a short key', () => {
    assert.throws(() => signCardRef(ref, { key: Buffer.alloc(8), now }), /at least 32 bytes/);
  });
});

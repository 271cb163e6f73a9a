import assert from 'node:assert/strict';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  createTokenCipher,
  tokenCipherFromConfig,
  VaultDecryptError,
  type VaultDecryptReason,
} from '../../bot/vault/token-cipher.js';
import { sealVersion1 } from './legacy-envelope.js';

const newKey = () => randomBytes(32).toString('base64');
const SECRET = '{"RefreshToken":{"k":{"secret":"do-not-leak-this-refresh-token"}}}';

function assertDecryptError(work: () => unknown, reason: VaultDecryptReason) {
  assert.throws(work, (err: unknown) => {
    assert.ok(err instanceof VaultDecryptError, `expected VaultDecryptError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.doesNotMatch(err.message, /do-not-leak/);
    return true;
  });
}

/** Flips one bit of the decoded envelope at `index`. */
function flipByte(ciphertext: string, index: number): string {
  const bytes = Buffer.from(ciphertext, 'base64');
  bytes[index] = bytes[index]! ^ 0x01;
  return bytes.toString('base64');
}

describe('token cipher', function () {
  const key = newKey();
  const cipher = createTokenCipher(key);

  it('round-trips a cache for its account, with a fresh IV every time', function () {
    const a = cipher.seal(SECRET, 'account-1');
    const b = cipher.seal(SECRET, 'account-1');
    assert.notEqual(a.ciphertext, b.ciphertext);
    assert.equal(cipher.open(a.ciphertext, 'account-1'), SECRET);
    assert.equal(cipher.open(b.ciphertext, 'account-1'), SECRET);
    assert.equal(a.keyId, cipher.keyId);
    assert.doesNotMatch(Buffer.from(a.ciphertext, 'base64').toString('latin1'), /do-not-leak/);
  });

  it('refuses an envelope copied to another account', function () {
    const sealed = cipher.seal(SECRET, 'account-1');
    assertDecryptError(() => cipher.open(sealed.ciphertext, 'account-2'), 'authentication_failed');
  });

  it('refuses an envelope sealed under a key it does not hold', function () {
    const sealed = createTokenCipher(newKey()).seal(SECRET, 'account-1');
    assertDecryptError(() => cipher.open(sealed.ciphertext, 'account-1'), 'unknown_key');
  });

  it('refuses truncated, empty and non-base64 input as malformed', function () {
    const sealed = cipher.seal(SECRET, 'account-1').ciphertext;
    const bytes = Buffer.from(sealed, 'base64');
    assertDecryptError(() => cipher.open(bytes.subarray(0, 30).toString('base64'), 'account-1'), 'malformed');
    assertDecryptError(() => cipher.open('', 'account-1'), 'malformed');
    assertDecryptError(() => cipher.open('not base64 at all!', 'account-1'), 'malformed');
  });

  it('detects a changed format version, key id, IV, tag or body', function () {
    const sealed = cipher.seal(SECRET, 'account-1').ciphertext;
    assertDecryptError(() => cipher.open(flipByte(sealed, 0), 'account-1'), 'unsupported_version');
    assertDecryptError(() => cipher.open(flipByte(sealed, 3), 'account-1'), 'unknown_key');
    for (const index of [9, 21, 30, 37, 40]) {
      assertDecryptError(() => cipher.open(flipByte(sealed, index), 'account-1'), 'authentication_failed');
    }
    const cut = Buffer.from(sealed, 'base64');
    assertDecryptError(
      () => cipher.open(cut.subarray(0, cut.length - 1).toString('base64'), 'account-1'),
      'authentication_failed',
    );
  });

  it('never returns anything for an envelope with any one byte changed', function () {
    const sealed = cipher.seal(SECRET, 'account-1').ciphertext;
    const length = Buffer.from(sealed, 'base64').length;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (index, mask) => {
          const bytes = Buffer.from(sealed, 'base64');
          bytes[index] = bytes[index]! ^ mask;
          assert.throws(() => cipher.open(bytes.toString('base64'), 'account-1'), VaultDecryptError);
        },
      ),
    );
  });

  it('opens envelopes of a previous key after rotation and seals new ones with the new key', function () {
    const oldCipher = createTokenCipher(key);
    const sealedOld = oldCipher.seal(SECRET, 'account-1');
    const rotated = createTokenCipher(newKey(), [key]);
    assert.equal(rotated.open(sealedOld.ciphertext, 'account-1'), SECRET);
    const sealedNew = rotated.seal(SECRET, 'account-1');
    assert.notEqual(sealedNew.keyId, sealedOld.keyId);
    assertDecryptError(() => oldCipher.open(sealedNew.ciphertext, 'account-1'), 'unknown_key');
  });

  it('rejects a key of the wrong size, naming the setting', function () {
    assert.throws(
      () => createTokenCipher(randomBytes(16).toString('base64')),
      /TOKEN_ENCRYPTION_KEY must be 32 bytes/,
    );
    assert.throws(() => createTokenCipher(key, ['short']), /TOKEN_ENCRYPTION_PREVIOUS_KEYS\[0\]/);
  });

  it('builds from configuration and refuses to run without a key', function () {
    const fromConfig = tokenCipherFromConfig({
      TOKEN_ENCRYPTION_KEY: key,
      TOKEN_ENCRYPTION_PREVIOUS_KEYS: [],
    });
    assert.equal(fromConfig.open(cipher.seal(SECRET, 'a').ciphertext, 'a'), SECRET);
    assert.throws(
      () => tokenCipherFromConfig({ TOKEN_ENCRYPTION_PREVIOUS_KEYS: [] }),
      /TOKEN_ENCRYPTION_KEY is not set/,
    );
  });
  describe('keys derived from the vault key', function () {
    /** Opens an envelope with a given AES key, as an attacker or auditor holding that key would. */
    function openWith(aesKey: Buffer, ciphertext: string, accountKey: string): string {
      const envelope = Buffer.from(ciphertext, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', aesKey, envelope.subarray(9, 21));
      decipher.setAAD(Buffer.concat([envelope.subarray(0, 9), Buffer.from(`account:${accountKey}`)]));
      decipher.setAuthTag(envelope.subarray(21, 37));
      return Buffer.concat([decipher.update(envelope.subarray(37)), decipher.final()]).toString('utf8');
    }
    // RFC 5869 HKDF-SHA256, salt "cloud-sync", one info label per purpose.
    const hkdf = (info: string) =>
      Buffer.from(hkdfSync('sha256', Buffer.from(key, 'base64'), 'cloud-sync', info, 32));

    it('seals with the key derived for token encryption, never with the vault key itself or a signing key', function () {
      const sealed = cipher.seal(SECRET, 'account-1').ciphertext;
      assert.equal(Buffer.from(sealed, 'base64')[0], 2, 'format version 2');
      assert.equal(openWith(hkdf('token-encryption'), sealed, 'account-1'), SECRET);
      for (const other of [
        Buffer.from(key, 'base64'),
        hkdf('sign-in-ticket'),
        hkdf('admin-consent-state'),
        hkdf('card-ref'),
      ]) {
        assert.throws(() => openWith(other, sealed, 'account-1'));
      }
    });

    it('still opens a cache sealed under the vault key itself (version 1), also under a previous key', function () {
      const legacy = sealVersion1(key, SECRET, 'account-1');
      assert.equal(cipher.open(legacy, 'account-1'), SECRET);
      assert.equal(createTokenCipher(newKey(), [key]).open(legacy, 'account-1'), SECRET);
      assertDecryptError(() => cipher.open(legacy, 'account-2'), 'authentication_failed');
      assertDecryptError(() => createTokenCipher(newKey()).open(legacy, 'account-1'), 'unknown_key');
    });

    it('names the derived key differently from the raw key, so rows sealed the old way show up as due for re-sealing', function () {
      const legacy = Buffer.from(sealVersion1(key, SECRET, 'account-1'), 'base64');
      assert.notEqual(legacy.subarray(1, 9).toString('hex'), cipher.keyId);
      const sealed = Buffer.from(cipher.seal(SECRET, 'account-1').ciphertext, 'base64');
      assert.equal(sealed.subarray(1, 9).toString('hex'), cipher.keyId);
    });
  });
});

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deriveKey } from './derived-keys.js';

/**
 * AES-256-GCM envelope for token caches at rest, base64 of:
 *
 *   [1 byte format version][8 bytes key id][12 bytes IV][16 bytes GCM tag][ciphertext]
 *
 * Version 2 (written now) is sealed with a key derived from the vault key for this purpose alone
 * (derived-keys.ts, label `token-encryption`), apart from the keys that sign links. Version 1 was
 * sealed with the vault key itself: it still opens, and the next save of that cache seals it as
 * version 2 under a new key id, so rows migrate as their caches are written.
 *
 * The key id (a truncated hash of the key, never the key) says which key sealed the envelope, so a new
 * key can take over while old envelopes stay readable under the previous one. The header and the
 * account key are authenticated data: an envelope copied to another account, or with an edited header,
 * fails to open.
 */

const FORMAT_RAW_KEY = 1;
const FORMAT_DERIVED_KEY = 2;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_ENVELOPE_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export type VaultDecryptReason =
  'malformed' | 'unsupported_version' | 'unknown_key' | 'authentication_failed';

const REASON_TEXT: Record<VaultDecryptReason, string> = {
  malformed: 'it is not a vault envelope (truncated or not base64)',
  unsupported_version: 'its format version is not supported',
  unknown_key:
    'it was sealed with a key that is not configured (TOKEN_ENCRYPTION_KEY / TOKEN_ENCRYPTION_PREVIOUS_KEYS)',
  authentication_failed: 'it was altered, or belongs to another account',
};

/** A stored token cache that cannot be opened. Carries no ciphertext or plaintext. */
export class VaultDecryptError extends Error {
  constructor(readonly reason: VaultDecryptReason) {
    super(`Cannot decrypt the stored token cache: ${REASON_TEXT[reason]}`);
    this.name = 'VaultDecryptError';
  }
}

export interface SealedToken {
  ciphertext: string;
  keyId: string;
}

export interface TokenCipher {
  /** Id of the key new envelopes are sealed with. */
  readonly keyId: string;
  seal(plaintext: string, accountKey: string): SealedToken;
  /** @throws VaultDecryptError */
  open(ciphertext: string, accountKey: string): string;
}

function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256')
    .update('cloud-sync vault key id\0')
    .update(key)
    .digest()
    .subarray(0, KEY_ID_BYTES);
}

function decodeKey(base64: string, name: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${name} must be ${KEY_BYTES} bytes encoded as base64`);
  return key;
}

function additionalData(header: Buffer, accountKey: string): Buffer {
  return Buffer.concat([header, Buffer.from(`account:${accountKey}`, 'utf8')]);
}

/** Keys are base64 as in configuration; the first seals, all open. */
export function createTokenCipher(currentKey: string, previousKeys: readonly string[] = []): TokenCipher {
  const configured = [
    { base64: currentKey, name: 'TOKEN_ENCRYPTION_KEY' },
    ...previousKeys.map((base64, i) => ({ base64, name: `TOKEN_ENCRYPTION_PREVIOUS_KEYS[${i}]` })),
  ];
  // Per format version: key id (hex) → AES key.
  const keys = new Map<number, Map<string, Buffer>>([
    [FORMAT_RAW_KEY, new Map()],
    [FORMAT_DERIVED_KEY, new Map()],
  ]);
  for (const { base64, name } of configured.reverse()) {
    const raw = decodeKey(base64, name);
    const derived = Buffer.from(deriveKey(base64, 'token-encryption'));
    keys.get(FORMAT_RAW_KEY)!.set(keyIdOf(raw).toString('hex'), raw);
    keys.get(FORMAT_DERIVED_KEY)!.set(keyIdOf(derived).toString('hex'), derived);
  }
  const current = Buffer.from(deriveKey(currentKey, 'token-encryption'));
  const currentId = keyIdOf(current);

  return {
    keyId: currentId.toString('hex'),

    seal(plaintext, accountKey) {
      const header = Buffer.concat([Buffer.of(FORMAT_DERIVED_KEY), currentId]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(additionalData(header, accountKey));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const envelope = Buffer.concat([header, iv, cipher.getAuthTag(), body]);
      return { ciphertext: envelope.toString('base64'), keyId: currentId.toString('hex') };
    },

    open(ciphertext, accountKey) {
      if (!BASE64.test(ciphertext)) throw new VaultDecryptError('malformed');
      const envelope = Buffer.from(ciphertext, 'base64');
      if (envelope.length < MIN_ENVELOPE_BYTES) throw new VaultDecryptError('malformed');
      const keysById = keys.get(envelope[0]!);
      if (!keysById) throw new VaultDecryptError('unsupported_version');
      const header = envelope.subarray(0, HEADER_BYTES);
      const key = keysById.get(header.subarray(1).toString('hex'));
      if (!key) throw new VaultDecryptError('unknown_key');
      const iv = envelope.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const tag = envelope.subarray(HEADER_BYTES + IV_BYTES, MIN_ENVELOPE_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(header, accountKey));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([
          decipher.update(envelope.subarray(MIN_ENVELOPE_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new VaultDecryptError('authentication_failed');
      }
    },
  };
}

/** The cipher configured by TOKEN_ENCRYPTION_KEY (and TOKEN_ENCRYPTION_PREVIOUS_KEYS for rotation). */
export function tokenCipherFromConfig(config: {
  TOKEN_ENCRYPTION_KEY?: string;
  TOKEN_ENCRYPTION_PREVIOUS_KEYS: readonly string[];
}): TokenCipher {
  if (!config.TOKEN_ENCRYPTION_KEY) {
    throw new Error(
      'TOKEN_ENCRYPTION_KEY is not set: it encrypts stored refresh tokens (32 bytes as base64, e.g. from `openssl rand -base64 32`)',
    );
  }
  return createTokenCipher(config.TOKEN_ENCRYPTION_KEY, config.TOKEN_ENCRYPTION_PREVIOUS_KEYS);
}

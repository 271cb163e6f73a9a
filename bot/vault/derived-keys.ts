import { hkdfSync } from 'node:crypto';

/**
 * Purpose-bound keys derived from the vault key (HKDF-SHA256, one info label per purpose), so one
 * configured secret serves every signature (sign-in tickets, admin-consent state, card references)
 * and the encryption of stored tokens, a value signed for one purpose never verifies for another,
 * and the configured key itself is never used directly by any algorithm.
 */
export type KeyPurpose = 'sign-in-ticket' | 'admin-consent-state' | 'card-ref' | 'token-encryption';

export function deriveKey(vaultKeyBase64: string, purpose: KeyPurpose): Uint8Array {
  const ikm = Buffer.from(vaultKeyBase64, 'base64');
  if (ikm.length !== 32) throw new Error('TOKEN_ENCRYPTION_KEY must be 32 bytes encoded as base64');
  return new Uint8Array(hkdfSync('sha256', ikm, Buffer.from('cloud-sync'), Buffer.from(purpose), 32));
}

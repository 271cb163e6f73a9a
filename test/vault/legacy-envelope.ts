import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A token cache envelope as the first vault format wrote it (version 1): AES-256-GCM under the
 * configured vault key itself, header = version byte 1 + the first 8 bytes of
 * SHA-256("cloud-sync vault key id\0" ‖ key), header and `account:<key>` authenticated. Written out
 * here so migration tests do not depend on the product's code to produce old rows.
 */
export function sealVersion1(vaultKeyBase64: string, plaintext: string, accountKey: string): string {
  const key = Buffer.from(vaultKeyBase64, 'base64');
  const keyId = createHash('sha256').update('cloud-sync vault key id\0').update(key).digest().subarray(0, 8);
  const header = Buffer.concat([Buffer.of(1), keyId]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.from(`account:${accountKey}`, 'utf8')]));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]).toString('base64');
}

import type { Kysely } from 'kysely';
import { nowIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { TokenCipher } from './token-cipher.js';

/** Encrypted msal token caches in the token_caches table, one row per account key. */

/**
 * The decrypted cache of an account, or undefined when none is stored.
 * @throws VaultDecryptError when the stored row cannot be opened (corrupt, foreign or unknown key)
 */
export async function loadTokenCache(
  store: Store,
  cipher: TokenCipher,
  accountKey: string,
): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('token_caches')
    .where('account_key', '=', accountKey)
    .select('ciphertext')
    .executeTakeFirst();
  return row ? cipher.open(row.ciphertext, accountKey) : undefined;
}

export async function saveTokenCache(
  store: Store,
  cipher: TokenCipher,
  accountKey: string,
  serializedCache: string,
): Promise<void> {
  const { ciphertext, keyId } = cipher.seal(serializedCache, accountKey);
  const row = { account_key: accountKey, ciphertext, key_id: keyId, updated_at: nowIso() };
  await store.db
    .insertInto('token_caches')
    .values(row)
    .onConflict((oc) =>
      oc.column('account_key').doUpdateSet({ ciphertext, key_id: keyId, updated_at: row.updated_at }),
    )
    .execute();
}

/**
 * Forgets an account's tokens (sync disabled, identity mismatch, sign-in not used). Takes the database
 * or an open transaction, so the deletion can commit with the state change that calls for it. Returns
 * whether a cache existed.
 */
export async function deleteTokenCache(db: Kysely<Database>, accountKey: string): Promise<boolean> {
  const result = await db.deleteFrom('token_caches').where('account_key', '=', accountKey).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

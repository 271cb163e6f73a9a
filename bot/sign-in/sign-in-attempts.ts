import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import { isUniqueViolation } from '../store/errors.js';

/** Sign-in attempts live for as long as a person may reasonably take on the sign-in pages. */
export const ATTEMPT_LIFETIME_MS = 10 * 60 * 1000;

export interface SignInAttempt {
  id: string;
  accountId: string;
  codeVerifier: string;
}

export type StartResult = { ok: true; attempt: SignInAttempt } | { ok: false; reason: 'ticket_used' };
export type CompleteResult =
  { ok: true; attempt: SignInAttempt } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

const verifierAad = (id: string) => `sign-in:${id}`;

/** Records a new attempt for a ticket; a ticket that already started one is refused. */
export async function startAttempt(
  store: Store,
  cipher: TokenCipher,
  input: { ticketJti: string; accountId: string; codeVerifier: string },
  now = new Date(),
): Promise<StartResult> {
  const id = randomBytes(24).toString('base64url');
  try {
    await store.db
      .insertInto('sign_in_attempts')
      .values({
        id,
        ticket_jti: input.ticketJti,
        account_id: input.accountId,
        code_verifier: cipher.seal(input.codeVerifier, verifierAad(id)).ciphertext,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ATTEMPT_LIFETIME_MS).toISOString(),
        completed_at: null,
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: 'ticket_used' };
    throw err;
  }
  return { ok: true, attempt: { id, accountId: input.accountId, codeVerifier: input.codeVerifier } };
}

/** Marks the attempt complete exactly once (the conditional update is the lock) and returns it. */
export async function completeAttempt(
  store: Store,
  cipher: TokenCipher,
  id: string,
  now = new Date(),
): Promise<CompleteResult> {
  const row = await store.db
    .selectFrom('sign_in_attempts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.completed_at) return { ok: false, reason: 'used' };
  if (row.expires_at <= now.toISOString()) return { ok: false, reason: 'expired' };
  const claimed = await store.db
    .updateTable('sign_in_attempts')
    .set({ completed_at: now.toISOString() })
    .where('id', '=', id)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return { ok: false, reason: 'used' };
  return {
    ok: true,
    attempt: { id, accountId: row.account_id, codeVerifier: cipher.open(row.code_verifier, verifierAad(id)) },
  };
}

/** Attempts nobody finished are of no use after they expire. */
export async function purgeExpiredAttempts(store: Store, now = new Date()): Promise<number> {
  const res = await store.db
    .deleteFrom('sign_in_attempts')
    .where('expires_at', '<', new Date(now.getTime() - ATTEMPT_LIFETIME_MS).toISOString())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

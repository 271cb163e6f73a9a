import type { Store } from '../store/store.js';
import { isUniqueViolation } from '../store/errors.js';

/** Marks a single-use link as used; false when it already was (the primary key is the lock). */
export async function useOnce(
  store: Store,
  link: { jti: string; purpose: string; expiresAt: Date },
  now = new Date(),
): Promise<boolean> {
  try {
    await store.db
      .insertInto('used_link_states')
      .values({
        jti: link.jti,
        purpose: link.purpose,
        used_at: now.toISOString(),
        expires_at: link.expiresAt.toISOString(),
      })
      .execute();
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Once a link has expired its signature refuses it anyway: its row is no longer needed. */
export async function purgeExpiredLinkStates(store: Store, now = new Date()): Promise<number> {
  const res = await store.db
    .deleteFrom('used_link_states')
    .where('expires_at', '<', now.toISOString())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

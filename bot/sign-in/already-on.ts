import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ResultPage } from './result-page.js';

/**
 * A used sign-in link opened again once sync is on (a second click, a reload, the browser's history):
 * nothing is left to do, so the page says so instead of sending the person to start again. Only for the
 * link's own account, still bound to the Teams user the link was made for; any other used link is
 * refused as before.
 */
export async function syncAlreadyOnFor(
  db: Kysely<Database>,
  link: { accountId: string; tenantId: string; aadObjectId: string },
): Promise<boolean> {
  const row = await db
    .selectFrom('sync_accounts as a')
    .innerJoin('crm_users as u', 'u.id', 'a.crm_user_id')
    .select(['a.state', 'a.tenant_id', 'u.teams_user_aad_id'])
    .where('a.id', '=', link.accountId)
    .executeTakeFirst();
  return (
    row !== undefined &&
    row.tenant_id === link.tenantId &&
    row.teams_user_aad_id === link.aadObjectId &&
    // Activating: signed in, the first import starting; both mean the sign-in is done.
    (row.state === 'active' || row.state === 'activating')
  );
}

export const alreadyOnPage: ResultPage = {
  tone: 'success',
  title: 'Cloud Sync is already on',
  message:
    'You have already signed in with this link and Cloud Sync is on for your account, so nothing more is needed. Type status in your chat with Cloud Sync to see how it is doing.',
};

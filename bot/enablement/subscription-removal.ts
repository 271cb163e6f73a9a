import type { Store } from '../store/store.js';
import { userGraph, type UserGraphDeps } from './user-graph.js';

/**
 * Deletes an account's Graph change-notification subscriptions at Graph when sync stops, while the
 * account's tokens still exist; the rows go with the state change either way.
 */
export function createSubscriptionRemoval(deps: { store: Store; graph: UserGraphDeps }) {
  return async (accountId: string): Promise<void> => {
    const db = deps.store.db;
    const subs = await db
      .selectFrom('graph_subscriptions')
      .select('id')
      .where('account_id', '=', accountId)
      .execute();
    if (subs.length === 0) return;
    const ms = await db
      .selectFrom('sync_accounts')
      .select(['ms_tenant_id', 'ms_object_id'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!ms?.ms_tenant_id || !ms.ms_object_id) return;
    const client = userGraph(deps.graph, { accountId, tenantId: ms.ms_tenant_id, objectId: ms.ms_object_id });
    for (const sub of subs) {
      try {
        await client.api(`/subscriptions/${encodeURIComponent(sub.id)}`).delete();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
    }
  };
}

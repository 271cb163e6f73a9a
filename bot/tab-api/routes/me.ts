import { z } from 'zod';
import { describeState } from '../../enablement/core/describe-state.js';
import { loadAccountHealth } from '../../sync-health/account-health.js';
import { loadCrmDiaryHealth } from '../../sync-health/crm-diary-health.js';
import type { SyncAccountState } from '../../store/schema.js';
import { isTenantViewer } from '../caller/principal.js';
import type { MeResponse, MyHealthResponse } from '#shared/contract.js';
import { readQuery } from '../json-body.js';
import { requireCrmUser, type RouteKit } from './context.js';

const healthQuery = z.object({
  /** Minutes east of UTC, so "today" is the viewer's day (UTC+14 to UTC-12). */
  utcOffsetMinutes: z.coerce.number().int().min(-720).max(840).default(0),
});

export function registerMeRoutes(kit: RouteKit): void {
  const { store } = kit.deps;

  kit.get('/api/me', async (p) => {
    const body: MeResponse = {
      tenant: { id: p.tenantId, name: p.tenantName },
      email: p.email,
      crmUser: p.crmUser
        ? { id: p.crmUser.id, displayName: p.crmUser.displayName, workEmail: p.crmUser.workEmail }
        : null,
      roles: { crmAdmin: p.crmAdmin, itAdmin: p.itAdmin, tenantViewer: isTenantViewer(p) },
    };
    return { json: body };
  });

  kit.get('/api/me/health', async (p, req) => {
    const crmUser = requireCrmUser(p);
    const { utcOffsetMinutes } = readQuery(req, healthQuery);
    const now = kit.now();
    const [user, account] = await Promise.all([
      store.db
        .selectFrom('crm_users')
        .select('cloud_sync_visible')
        .where('tenant_id', '=', p.tenantId)
        .where('id', '=', crmUser.id)
        .executeTakeFirstOrThrow(),
      store.db
        .selectFrom('sync_accounts')
        .select(['id', 'state', 'mail_enabled', 'diary_enabled', 'next_run_at', 'throttled_until'])
        .where('tenant_id', '=', p.tenantId)
        .where('crm_user_id', '=', crmUser.id)
        .executeTakeFirst(),
    ]);
    // No account yet: the user is where the bot would start them.
    const state: SyncAccountState =
      account?.state ?? (user.cloud_sync_visible === 1 ? 'ready' : 'not_visible');
    const described = describeState(state, { viewer: 'owner' });
    const health = account
      ? await loadAccountHealth(store.db, account, now, utcOffsetMinutes)
      : { resources: [], hourly: [], skipped: [] };
    const crmDiary = account ? await loadCrmDiaryHealth(store.db, crmUser.id) : null;
    const body: MyHealthResponse = {
      generatedAt: now.toISOString(),
      state: { state, title: described.title, detail: described.summary, nextAction: described.nextAction },
      account: account ? { id: account.id, state: account.state, paused: account.state === 'paused' } : null,
      reconnectUrl:
        account && described.nextAction.kind === 'reconnect' && kit.deps.reconnectLink
          ? await kit.deps.reconnectLink({
              accountId: account.id,
              tenantId: p.tenantId,
              objectId: p.objectId,
              loginHint: crmUser.workEmail,
            })
          : null,
      ...health,
      crmDiary,
    };
    return { json: body };
  });
}

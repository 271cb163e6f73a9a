import { z } from 'zod';
import { loadPendingApprovals, loadTenantStats, loadTenantUsers } from '../../sync-health/tenant-health.js';
import { startOfLocalDay } from '../../sync-health/time-window.js';
import type {
  TenantApprovalsResponse,
  TenantStatsResponse,
  TenantUserRow,
  TenantUsersResponse,
} from '#shared/contract.js';
import { toCsv } from '../csv.js';
import { readQuery } from '../json-body.js';
import { requireTenantViewer, type RouteKit } from './context.js';

const SORT_KEYS = ['name', 'email', 'state', 'freshness', 'errors'] as const;

const usersQuery = z
  .object({
    sort: z.enum(SORT_KEYS).default('name'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    /** A state name, or `attention` for everyone who needs someone to act. */
    state: z
      .string()
      .regex(/^[a-z_]{1,40}$/, 'must be a state name such as active or attention')
      .optional(),
    q: z.string().trim().max(100).optional(),
  })
  .strict();

const statsQuery = z
  .object({ utcOffsetMinutes: z.coerce.number().int().min(-720).max(840).default(0) })
  .strict();

const ATTENTION_STATES = new Set(['reconnect_required', 'identity_mismatch', 'awaiting_admin_consent']);
const needsAttention = (u: TenantUserRow) =>
  ATTENTION_STATES.has(u.state) || u.mail === 'failing' || u.diary === 'failing' || u.errors24h > 0;

/** Never-synced users sort as the stalest. */
const freshness = (u: TenantUserRow) => u.freshnessSeconds ?? Number.MAX_SAFE_INTEGER;
const comparators: Record<(typeof SORT_KEYS)[number], (a: TenantUserRow, b: TenantUserRow) => number> = {
  name: (a, b) => a.displayName.localeCompare(b.displayName),
  email: (a, b) => a.email.localeCompare(b.email),
  // By what the table shows, not by the internal state name.
  state: (a, b) => a.stateTitle.localeCompare(b.stateTitle),
  freshness: (a, b) => freshness(a) - freshness(b),
  errors: (a, b) => a.errors24h - b.errors24h,
};

function selectUsers(users: TenantUserRow[], query: z.infer<typeof usersQuery>): TenantUserRow[] {
  const q = query.q?.toLowerCase();
  const filtered = users.filter(
    (u) =>
      (!query.state || (query.state === 'attention' ? needsAttention(u) : u.state === query.state)) &&
      (!q || u.displayName.toLowerCase().includes(q) || u.email.includes(q)),
  );
  const compare = comparators[query.sort];
  const sign = query.dir === 'asc' ? 1 : -1;
  // Ties fall back to the name so the order is stable across refreshes.
  return filtered.sort((a, b) => sign * compare(a, b) || comparators.name(a, b));
}

export function registerTenantRoutes(kit: RouteKit): void {
  const db = kit.deps.store.db;

  kit.get('/api/tenant/users', async (p, req) => {
    requireTenantViewer(p);
    const query = readQuery(req, usersQuery);
    const now = kit.now();
    const body: TenantUsersResponse = {
      generatedAt: now.toISOString(),
      users: selectUsers(await loadTenantUsers(db, p.tenantId, now), query),
    };
    return { json: body };
  });

  kit.get('/api/tenant/users.csv', async (p, req) => {
    requireTenantViewer(p);
    const query = readQuery(req, usersQuery);
    const now = kit.now();
    const users = selectUsers(await loadTenantUsers(db, p.tenantId, now), query);
    const text = toCsv(
      [
        'Name',
        'E-mail',
        'CRM admin',
        'Cloud Sync visible',
        'State',
        'Mail',
        'Diary',
        'Last sync (UTC)',
        'Errors (24 h)',
      ],
      users.map((u) => [
        u.displayName,
        u.email,
        u.crmAdmin,
        u.visible,
        u.stateTitle,
        u.mail,
        u.diary,
        u.lastSyncAt,
        u.errors24h,
      ]),
    );
    return {
      text,
      contentType: 'text/csv; charset=utf-8',
      headers: {
        'Content-Disposition': `attachment; filename="cloud-sync-users-${now.toISOString().slice(0, 10)}.csv"`,
      },
    };
  });

  kit.get('/api/tenant/approvals', async (p) => {
    requireTenantViewer(p);
    const body: TenantApprovalsResponse = { approvals: await loadPendingApprovals(db, p.tenantId) };
    return { json: body };
  });

  kit.get('/api/tenant/stats', async (p, req) => {
    requireTenantViewer(p);
    const { utcOffsetMinutes } = readQuery(req, statsQuery);
    const now = kit.now();
    const users = await loadTenantUsers(db, p.tenantId, now);
    const stats = await loadTenantStats(db, p.tenantId, now, users, startOfLocalDay(now, utcOffsetMinutes));
    const body: TenantStatsResponse = { generatedAt: now.toISOString(), ...stats };
    return { json: body };
  });
}

import {
  Button,
  Card,
  Field,
  Input,
  Select,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useContext, useState } from 'react';
import type {
  MeResponse,
  TenantApprovalsResponse,
  TenantStatsResponse,
  TenantUsersResponse,
} from '#shared/contract.js';
import type { ApiClient } from '../../api/client.js';
import { HourlyChart } from '../../charts/HourlyChart.js';
import { LoadState } from '../../components/LoadState.js';
import { usePolling } from '../../hooks/usePolling.js';
import { TimeZoneContext, utcOffsetMinutes } from '../../time/time-zone.js';
import { ApprovalsList } from './ApprovalsList.js';
import { UsersTable, type Sort } from './UsersTable.js';

const useStyles = makeStyles({
  column: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  totals: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(8rem, 1fr))',
    gap: tokens.spacingHorizontalM,
  },
  total: { display: 'flex', flexDirection: 'column' },
  filters: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

const POLL_MS = 30_000;

const STATE_FILTERS = [
  ['', 'Everyone'],
  ['attention', 'Needs attention'],
  ['active', 'Sync on'],
  ['paused', 'Paused'],
  ['reconnect_required', 'Reconnect needed'],
  ['awaiting_admin_consent', 'Waiting for IT'],
  ['identity_mismatch', 'Accounts don’t match'],
  ['ready', 'Not switched on'],
  ['not_visible', 'Not available yet'],
  ['disabled', 'Switched off'],
] as const;

export function TenantView({ api, me }: { api: ApiClient; me: MeResponse }) {
  const styles = useStyles();
  const [sort, setSort] = useState<Sort>({ key: 'name', dir: 'asc' });
  const [state, setState] = useState('');
  const [q, setQ] = useState('');
  // The user's day, for "today" counts, starts at midnight in their zone.
  const offset = utcOffsetMinutes(useContext(TimeZoneContext), new Date());

  const query = new URLSearchParams({
    sort: sort.key,
    dir: sort.dir,
    ...(state ? { state } : {}),
    ...(q.trim() ? { q: q.trim() } : {}),
  }).toString();
  const loadUsers = useCallback(
    () => api.get<TenantUsersResponse>(`/api/tenant/users?${query}`),
    [api, query],
  );
  const loadStats = useCallback(
    () => api.get<TenantStatsResponse>(`/api/tenant/stats?utcOffsetMinutes=${offset}`),
    [api, offset],
  );
  const loadApprovals = useCallback(() => api.get<TenantApprovalsResponse>('/api/tenant/approvals'), [api]);
  const users = usePolling(loadUsers, { intervalMs: POLL_MS });
  const stats = usePolling(loadStats, { intervalMs: POLL_MS });
  const approvals = usePolling(loadApprovals, { intervalMs: POLL_MS });
  const [exporting, setExporting] = useState(false);

  const exportCsv = async () => {
    setExporting(true);
    try {
      // The export needs the bearer token, so it is fetched and handed to the browser as a file.
      const blob = await api.download(`/api/tenant/users.csv?${query}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `cloud-sync-users-${new Date().toISOString().slice(0, 10)}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className={styles.column}>
      <Text>Every user of {me.tenant.name} and their Cloud Sync health.</Text>
      <LoadState label="totals" data={stats.data} error={stats.error}>
        {(s) => (
          <>
            <section className={styles.totals} aria-label="Totals">
              {(
                [
                  ['Users', s.totals.users],
                  ['Sync on', s.totals.active],
                  ['Paused', s.totals.paused],
                  ['Reconnect needed', s.totals.needsReconnect],
                  ['Failing', s.totals.failing],
                  ['Items today', s.totals.itemsToday],
                  ['Errors (24 h)', s.totals.errors24h],
                ] as const
              ).map(([label, value]) => (
                <Card key={label} className={styles.total}>
                  <Text size={600} weight="semibold">
                    {value}
                  </Text>
                  <Text>{label}</Text>
                </Card>
              ))}
            </section>
            <section className={styles.section} aria-labelledby="tenant-chart-title">
              <Subtitle2 as="h3" id="tenant-chart-title">
                Items and errors per hour
              </Subtitle2>
              <HourlyChart
                title="Items synced and errors per hour, last 7 days"
                series={[
                  { key: 'items', legend: 'Items', kind: 'bar' },
                  { key: 'errors', legend: 'Errors', kind: 'line' },
                ]}
                points={s.hourly.map((p) => ({ hour: p.hour, values: { items: p.items, errors: p.errors } }))}
              />
            </section>
          </>
        )}
      </LoadState>

      <section className={styles.section} aria-labelledby="approvals-title">
        <Subtitle2 as="h3" id="approvals-title">
          Waiting for IT approval
        </Subtitle2>
        <LoadState label="approval requests" data={approvals.data} error={approvals.error}>
          {(a) => <ApprovalsList approvals={a.approvals} />}
        </LoadState>
      </section>

      <section className={styles.section} aria-labelledby="users-title">
        <Subtitle2 as="h3" id="users-title">
          Users
        </Subtitle2>
        <div className={styles.filters}>
          <Field label="Show">
            <Select value={state} onChange={(_, d) => setState(d.value)}>
              {STATE_FILTERS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Search">
            <Input value={q} onChange={(_, d) => setQ(d.value)} placeholder="Name or e-mail" />
          </Field>
          <Button onClick={() => void exportCsv()} disabled={exporting}>
            Export CSV
          </Button>
        </div>
        <LoadState label="users" data={users.data} error={users.error}>
          {(u) => <UsersTable users={u.users} sort={sort} onSort={setSort} />}
        </LoadState>
      </section>
    </div>
  );
}

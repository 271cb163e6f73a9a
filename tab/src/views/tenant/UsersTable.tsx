import { useContext } from 'react';
import {
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  makeStyles,
} from '@fluentui/react-components';
import type { TenantUserRow } from '#shared/contract.js';
import { HealthBadge } from '../../components/HealthBadge.js';
import { ago, dateTime } from '../../format.js';
import { TimeZoneContext } from '../../time/time-zone.js';

export type SortKey = 'name' | 'email' | 'state' | 'freshness' | 'errors';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const useStyles = makeStyles({ scroll: { overflowX: 'auto' }, table: { minWidth: '44rem' } });

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'name', label: 'User' },
  { key: 'state', label: 'State' },
  { key: null, label: 'Mail' },
  { key: null, label: 'Diary' },
  { key: 'freshness', label: 'Last sync' },
  { key: 'errors', label: 'Errors (24 h)' },
];

/**
 * Sorting happens on the server (the same order the CSV export uses); the header cells are buttons
 * that announce their sort direction. Wide tables scroll inside their own focusable region in a
 * narrow pane instead of squeezing columns.
 */
export function UsersTable(props: { users: TenantUserRow[]; sort: Sort; onSort: (sort: Sort) => void }) {
  const styles = useStyles();
  const timeZone = useContext(TimeZoneContext);
  const toggle = (key: SortKey) =>
    props.onSort({ key, dir: props.sort.key === key && props.sort.dir === 'asc' ? 'desc' : 'asc' });
  if (props.users.length === 0) return <Caption1>No users match.</Caption1>;
  return (
    <div className={styles.scroll} role="region" aria-label="Users of your organisation" tabIndex={0}>
      <Table
        className={styles.table}
        sortable
        aria-label="Users and their sync health"
        data-testid="tenant-users"
      >
        <TableHeader>
          <TableRow>
            {COLUMNS.map((c) =>
              c.key ? (
                <TableHeaderCell
                  key={c.label}
                  sortDirection={
                    props.sort.key === c.key
                      ? props.sort.dir === 'asc'
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                  onClick={() => toggle(c.key as SortKey)}
                >
                  {c.label}
                </TableHeaderCell>
              ) : (
                <TableHeaderCell key={c.label}>{c.label}</TableHeaderCell>
              ),
            )}
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.users.map((u) => (
            <TableRow key={u.crmUserId} data-email={u.email}>
              <TableCell>
                <div>{u.displayName}</div>
                <Caption1>{u.email}</Caption1>
              </TableCell>
              <TableCell>{u.stateTitle}</TableCell>
              <TableCell title={u.mailText}>
                <HealthBadge status={u.mail} />
              </TableCell>
              <TableCell title={u.diaryText}>
                <HealthBadge status={u.diary} />
              </TableCell>
              <TableCell title={dateTime(u.lastSyncAt, timeZone)}>{ago(u.freshnessSeconds)}</TableCell>
              <TableCell>{u.errors24h}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

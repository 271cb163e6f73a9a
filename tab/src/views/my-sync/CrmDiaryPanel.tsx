import { useContext } from 'react';
import {
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
} from '@fluentui/react-components';
import type { CrmDiaryHealth } from '#shared/contract.js';
import { dateTime } from '../../format.js';
import { TimeZoneContext } from '../../time/time-zone.js';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto' },
  counts: { display: 'block', marginBottom: '8px' },
});

/**
 * CRM appointments going to Outlook, next to the diary coming from it: counts, then the latest failed
 * writes and the changes that lost a conflict (the rule is in the README: the later change wins).
 */
export function CrmDiaryPanel({ health }: { health: CrmDiaryHealth }) {
  const styles = useStyles();
  const timeZone = useContext(TimeZoneContext);
  return (
    <div>
      <Text className={styles.counts} data-testid="crm-diary-counts">
        {health.inOutlook} in your Outlook calendar · {health.waiting} waiting · {health.failed} failed ·{' '}
        {health.fromOutlook} changes from Outlook
      </Text>
      {health.notes.length === 0 ? (
        <Caption1>No failed writes or conflicts.</Caption1>
      ) : (
        <div
          className={styles.scroll}
          role="region"
          aria-label="CRM appointments that need a look"
          tabIndex={0}
        >
          <Table size="small" aria-label="CRM appointments that need a look">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>When</TableHeaderCell>
                <TableHeaderCell>Appointment</TableHeaderCell>
                <TableHeaderCell>What happened</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {health.notes.map((n, i) => (
                <TableRow key={`${n.at}-${i}`} data-kind={n.kind}>
                  <TableCell>{n.at ? dateTime(n.at, timeZone) : ''}</TableCell>
                  <TableCell>{n.subject}</TableCell>
                  <TableCell>{n.text}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </div>
  );
}

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
import type { SkippedItem } from '#shared/contract.js';
import { dateTime, RESOURCE_LABEL } from '../../format.js';
import { TimeZoneContext } from '../../time/time-zone.js';

const useStyles = makeStyles({ scroll: { overflowX: 'auto' } });

/** Answers "why didn't this e-mail sync?" for the most recent items the filters left out. */
export function SkippedTable({ items }: { items: SkippedItem[] }) {
  const styles = useStyles();
  const timeZone = useContext(TimeZoneContext);
  if (items.length === 0) return <Caption1>Nothing has been left out recently.</Caption1>;
  return (
    <div className={styles.scroll} role="region" aria-label="Recently skipped items" tabIndex={0}>
      <Table size="small" aria-label="Recently skipped items">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>When</TableHeaderCell>
            <TableHeaderCell>Item</TableHeaderCell>
            <TableHeaderCell>Why it was not copied</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((s, i) => (
            <TableRow key={`${s.at}-${i}`} data-reason={s.reason}>
              <TableCell>{dateTime(s.at, timeZone)}</TableCell>
              <TableCell>
                {RESOURCE_LABEL[s.resource]}: {s.summary}
              </TableCell>
              <TableCell>{s.reasonText}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

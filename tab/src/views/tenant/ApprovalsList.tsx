import { useContext } from 'react';
import { Caption1, Card, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { ApprovalRow } from '#shared/contract.js';
import { dateTime } from '../../format.js';
import { TimeZoneContext } from '../../time/time-zone.js';

const useStyles = makeStyles({
  list: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    margin: 0,
    padding: 0,
    listStyle: 'none',
  },
  users: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

export function ApprovalsList({ approvals }: { approvals: ApprovalRow[] }) {
  const styles = useStyles();
  const timeZone = useContext(TimeZoneContext);
  if (approvals.length === 0) return <Caption1>No one is waiting for IT approval.</Caption1>;
  return (
    <ul className={styles.list}>
      {approvals.map((a) => (
        <li key={a.id}>
          <Card>
            <Text weight="semibold">Waiting since {dateTime(a.createdAt, timeZone)}</Text>
            <Caption1>Permissions: {a.requestedScopes.join(', ') || '—'}</Caption1>
            <ul className={styles.users}>
              {a.users.map((u) => (
                <li key={u.email}>
                  {u.displayName} ({u.email}){u.justification ? ` — “${u.justification}”` : ''}
                </li>
              ))}
            </ul>
          </Card>
        </li>
      ))}
    </ul>
  );
}

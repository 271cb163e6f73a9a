import { useContext } from 'react';
import {
  Body1,
  Caption1,
  Card,
  CardHeader,
  ProgressBar,
  Switch,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { ResourceHealth } from '#shared/contract.js';
import { HealthBadge } from '../../components/HealthBadge.js';
import { ago, dateTime, RESOURCE_LABEL, until } from '../../format.js';
import { TimeZoneContext } from '../../time/time-zone.js';

const useStyles = makeStyles({
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground2 },
  detail: { margin: 0 },
  errors: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
});

export function ResourceCard({
  health,
  switchable,
  busy,
  onSwitch,
}: {
  health: ResourceHealth;
  /** The account went through activation, so mail and diary can be switched separately. */
  switchable: boolean;
  busy: boolean;
  onSwitch: (on: boolean) => void;
}) {
  const styles = useStyles();
  const timeZone = useContext(TimeZoneContext);
  const label = RESOURCE_LABEL[health.resource];
  const progress = health.progress;
  return (
    <Card aria-labelledby={`${health.resource}-title`} data-resource={health.resource}>
      <CardHeader
        header={
          <Text weight="semibold" id={`${health.resource}-title`}>
            {label}
          </Text>
        }
        action={<HealthBadge status={health.status} />}
      />
      {health.statusText && <Text data-testid={`${health.resource}-why`}>{health.statusText}</Text>}
      {switchable && (
        <Switch
          label={`Copy ${health.resource === 'mail' ? 'e-mail' : 'diary'}`}
          checked={health.enabled}
          disabled={busy}
          onChange={(_, data) => onSwitch(data.checked)}
        />
      )}
      {progress && (
        <ProgressBar
          aria-label={`${label} sync progress`}
          value={progress.estimate ? Math.min(1, progress.done / progress.estimate) : undefined}
          thickness="large"
        />
      )}
      <dl className={styles.facts}>
        <dt className={styles.term}>Last successful sync</dt>
        <dd className={styles.detail} data-testid={`${health.resource}-last-sync`}>
          {health.lastSuccessAt
            ? `${ago(health.lastSuccessAgeSeconds)} (${dateTime(health.lastSuccessAt, timeZone)})`
            : ago(null)}
        </dd>
        {progress && (
          <>
            <dt className={styles.term}>Progress</dt>
            <dd className={styles.detail}>
              {progress.done} {progress.estimate ? `of about ${progress.estimate}` : 'items so far'}
            </dd>
          </>
        )}
        {health.throttledUntil && (
          <>
            <dt className={styles.term}>Carries on</dt>
            <dd className={styles.detail}>{until(health.throttledUntil)}</dd>
          </>
        )}
        <dt className={styles.term}>Synced today</dt>
        <dd className={styles.detail} data-testid={`${health.resource}-today`}>
          {health.itemsToday}
        </dd>
        <dt className={styles.term}>In the CRM</dt>
        <dd className={styles.detail}>{health.itemsTotal}</dd>
        <dt className={styles.term}>Next run</dt>
        <dd className={styles.detail} data-testid={`${health.resource}-next-run`}>
          {health.nextRunAt
            ? `${until(health.nextRunAt)} (${dateTime(health.nextRunAt, timeZone)})`
            : 'not scheduled'}
        </dd>
      </dl>
      {health.lastErrors.length > 0 && (
        <div>
          <Body1 as="h4">Recent problems</Body1>
          <ul className={styles.errors}>
            {health.lastErrors.map((e) => (
              <li key={`${e.at}-${e.code ?? ''}`}>
                <Caption1>{dateTime(e.at, timeZone)}</Caption1> — {e.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

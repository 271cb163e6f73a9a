import {
  Button,
  Card,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Subtitle2,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useContext, useState } from 'react';
import type { ActionResponse, MeResponse, MyHealthResponse } from '#shared/contract.js';
import type { ApiClient } from '../../api/client.js';
import { HourlyChart } from '../../charts/HourlyChart.js';
import { LoadState } from '../../components/LoadState.js';
import { clockTime } from '../../format.js';
import { usePolling } from '../../hooks/usePolling.js';
import { TimeZoneContext, utcOffsetMinutes } from '../../time/time-zone.js';
import { ActionsBar, type Action } from './ActionsBar.js';
import { PrivacyPanel } from './PrivacyPanel.js';
import { ResourceCard } from './ResourceCard.js';
import { SkippedTable } from './SkippedTable.js';
import { CrmDiaryPanel } from './CrmDiaryPanel.js';

const useStyles = makeStyles({
  column: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  grid: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(16rem, 1fr))',
    gap: tokens.spacingHorizontalL,
  },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

const POLL_MS = 15_000;
const FAST_POLL_MS = 3_000;

/** Poll faster while something is about to change: a sync running, or a run due within a minute. */
function moving(h: MyHealthResponse): boolean {
  return h.resources.some(
    (r) => r.status === 'syncing' || (r.nextRunAt !== null && Date.parse(r.nextRunAt) - Date.now() < 60_000),
  );
}

const ENDPOINT: Record<Action['kind'], string> = {
  'switch-on': '/api/me/switch-on',
  'sync-now': '/api/me/sync-now',
  pause: '/api/me/pause',
  resume: '/api/me/resume',
  disable: '/api/me/disable',
  switch: '/api/me/resource',
};

function bodyOf(action: Action): unknown {
  if (action.kind === 'disable') return { retention: action.retention, confirm: true };
  if (action.kind === 'switch') return { resource: action.resource, on: action.on };
  return undefined;
}

export function MySyncView({ api }: { api: ApiClient; me: MeResponse }) {
  const styles = useStyles();
  // The user's day, for "today" counts, starts at midnight in their zone.
  const timeZone = useContext(TimeZoneContext);
  const offset = utcOffsetMinutes(timeZone, new Date());
  const load = useCallback(
    () => api.get<MyHealthResponse>(`/api/me/health?utcOffsetMinutes=${offset}`),
    [api, offset],
  );
  const health = usePolling(load, { intervalMs: POLL_MS, fastIntervalMs: FAST_POLL_MS, fastWhile: moving });
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ intent: 'success' | 'error'; text: string }>();

  const act = async (action: Action) => {
    setBusy(true);
    setNotice(undefined);
    try {
      const result = await api.send<ActionResponse>('POST', ENDPOINT[action.kind], bodyOf(action));
      setNotice({ intent: 'success', text: result.message });
    } catch (err) {
      setNotice({ intent: 'error', text: (err as Error).message });
    } finally {
      setBusy(false);
      await health.refresh();
    }
  };

  return (
    <LoadState label="your sync health" data={health.data} error={health.error}>
      {(h) => (
        <div className={styles.column}>
          <Card>
            <Subtitle2 as="h2" data-testid="state-title">
              {h.state.title}
            </Subtitle2>
            <Text>{h.state.detail}</Text>
            {h.state.nextAction.kind === 'reconnect' && h.reconnectUrl ? (
              <Link href={h.reconnectUrl} target="_blank" rel="noopener noreferrer">
                {h.state.nextAction.label}
              </Link>
            ) : h.account === null ? (
              <Text weight="semibold">
                Next: {h.state.nextAction.label} — in the chat with the Cloud Sync bot.
              </Text>
            ) : null}
            {h.account && (
              <ActionsBar
                health={h}
                reconnectHref={h.reconnectUrl}
                busy={busy}
                onAction={(a) => void act(a)}
              />
            )}
            {notice && (
              <MessageBar intent={notice.intent} role={notice.intent === 'error' ? 'alert' : 'status'}>
                <MessageBarBody>{notice.text}</MessageBarBody>
              </MessageBar>
            )}
          </Card>

          {h.account && (
            <>
              <section className={styles.grid} aria-label="Mail and diary health">
                {h.resources.map((r) => (
                  <ResourceCard
                    key={r.resource}
                    health={r}
                    switchable={h.account?.state !== undefined && h.account.state !== 'disabled'}
                    busy={busy}
                    onSwitch={(on) => void act({ kind: 'switch', resource: r.resource, on })}
                  />
                ))}
              </section>
              <section className={styles.section} aria-labelledby="chart-title">
                <Subtitle2 as="h3" id="chart-title">
                  Items synced per hour
                </Subtitle2>
                <HourlyChart
                  title="Items synced per hour, last 7 days"
                  series={[
                    { key: 'mail', legend: 'Mail', kind: 'bar' },
                    { key: 'diary', legend: 'Diary', kind: 'bar' },
                  ]}
                  points={h.hourly.map((p) => ({ hour: p.hour, values: { mail: p.mail, diary: p.diary } }))}
                />
              </section>
              <section className={styles.section} aria-labelledby="skipped-title">
                <Subtitle2 as="h3" id="skipped-title">
                  Recently not copied
                </Subtitle2>
                <SkippedTable items={h.skipped} />
              </section>
              {h.crmDiary && (
                <section className={styles.section} aria-labelledby="crm-diary-title">
                  <Subtitle2 as="h3" id="crm-diary-title">
                    CRM appointments in Outlook
                  </Subtitle2>
                  <CrmDiaryPanel health={h.crmDiary} />
                </section>
              )}
            </>
          )}
          {/* From `ready` on, before the first import: the API says when it is not available yet. */}
          <section className={styles.section} aria-labelledby="privacy-title">
            <Subtitle2 as="h3" id="privacy-title">
              Privacy
            </Subtitle2>
            <PrivacyPanel api={api} />
          </section>
          {health.data && (
            <Button appearance="subtle" onClick={() => void health.refresh()}>
              Updated {clockTime(h.generatedAt, timeZone)} — refresh
            </Button>
          )}
        </div>
      )}
    </LoadState>
  );
}

export function NotACrmUser({ me }: { me: MeResponse }) {
  return (
    <MessageBar intent="warning">
      <MessageBarBody>
        <MessageBarTitle>You're not a CRM user here</MessageBarTitle>
        No CRM user in {me.tenant.name} has the work e-mail {me.email}. Ask your CRM administrator to check
        your user record.
      </MessageBarBody>
    </MessageBar>
  );
}

import {
  Button,
  FluentProvider,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Tab,
  TabList,
  Text,
  Title3,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { MeResponse } from '#shared/contract.js';
import { ApiRequestError, createApiClient, SignInRequiredError } from './api/client.js';
import type { Host } from './host/host.js';
import { FLUENT_THEMES, ThemeNameContext, type ThemeName } from './theme/theme-name.js';
import { TimeZoneContext } from './time/time-zone.js';
import { MySyncView, NotACrmUser } from './views/my-sync/MySyncView.js';
import { TenantView } from './views/tenant/TenantView.js';

const useStyles = makeStyles({
  page: {
    minHeight: '100vh',
    boxSizing: 'border-box',
    padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalL}`,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  header: { display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', gap: tokens.spacingHorizontalM },
});

type View = 'me' | 'tenant';

export function App({ host }: { host: Host }) {
  const styles = useStyles();
  const [theme, setTheme] = useState<ThemeName>(host.theme);
  useEffect(() => host.onThemeChange(setTheme), [host]);
  const api = useMemo(() => createApiClient(host), [host]);
  const [me, setMe] = useState<MeResponse>();
  const [problem, setProblem] = useState<Error>();
  const [view, setView] = useState<View>(
    new URLSearchParams(window.location.search).get('view') === 'tenant' ? 'tenant' : 'me',
  );

  useEffect(() => {
    api.get<MeResponse>('/api/me').then(setMe, setProblem);
  }, [api]);

  let content;
  if (problem instanceof SignInRequiredError) {
    content = (
      <div>
        <Text as="p">
          Sign in with your Microsoft 365 work account to see how your mail and diary sync is doing.
        </Text>
        <Button appearance="primary" onClick={host.signIn}>
          Sign in
        </Button>
      </div>
    );
  } else if (problem) {
    content = (
      <MessageBar intent="error">
        <MessageBarBody>
          <MessageBarTitle>Cloud Sync could not load</MessageBarTitle>
          {problem.message}
          {problem instanceof ApiRequestError && problem.status === 401 ? ' Close and reopen the tab.' : ''}
        </MessageBarBody>
      </MessageBar>
    );
  } else if (!me) {
    content = <Spinner label="Loading…" />;
  } else {
    const tenantViewer = me.roles.tenantViewer;
    const current: View = view === 'tenant' && tenantViewer ? 'tenant' : 'me';
    content = (
      <>
        {tenantViewer && (
          <TabList
            selectedValue={current}
            onTabSelect={(_, d) => setView(d.value as View)}
            aria-label="Views"
          >
            <Tab value="me">My sync</Tab>
            <Tab value="tenant">Organisation</Tab>
          </TabList>
        )}
        <div role="tabpanel" aria-label={current === 'me' ? 'My sync' : 'Organisation'}>
          {current === 'tenant' ? (
            <TenantView api={api} me={me} />
          ) : me.crmUser ? (
            <MySyncView api={api} me={me} />
          ) : (
            <NotACrmUser me={me} />
          )}
        </div>
      </>
    );
  }

  return (
    <FluentProvider theme={FLUENT_THEMES[theme]} data-theme={theme}>
      <ThemeNameContext.Provider value={theme}>
        <TimeZoneContext.Provider value={host.timeZone}>
          <main className={styles.page}>
            <header className={styles.header}>
              <Title3 as="h1">Cloud Sync</Title3>
              {me && <Text>{me.crmUser?.displayName ?? me.email}</Text>}
            </header>
            {content}
          </main>
        </TimeZoneContext.Provider>
      </ThemeNameContext.Provider>
    </FluentProvider>
  );
}

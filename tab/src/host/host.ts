import { app, authentication } from '@microsoft/teams-js';
import { currentToken, forgetToken, startBrowserSignIn } from '../auth/browser-session.js';
import { browserTheme, fromTeamsTheme, watchBrowserTheme, type ThemeName } from '../theme/theme-name.js';
import { browserTimeZone, usableTimeZone } from '../time/time-zone.js';

/**
 * Where the tab runs. In Teams, the token comes from SSO and the theme from Teams; in a plain browser,
 * from our own sign-in and from the page's preferences. The rest of the app sees only this interface.
 */
export interface Host {
  kind: 'teams' | 'browser';
  /** An API access token, or null when the user must sign in first (browser only). */
  token(): Promise<string | null>;
  /** The token was refused: forget it so the next call signs in again. */
  tokenRejected(): void;
  signIn(): void;
  theme: ThemeName;
  /** The user's IANA time zone: every time on the tab is shown in it. */
  timeZone: string;
  onThemeChange(listener: (theme: ThemeName) => void): () => void;
}

/** teams-js never settles outside a Teams host (it waits for a parent that will not answer). */
const TEAMS_INIT_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms)),
  ]);
}

function browserHost(): Host {
  return {
    kind: 'browser',
    token: async () => currentToken(),
    tokenRejected: forgetToken,
    signIn: startBrowserSignIn,
    theme: browserTheme(),
    timeZone: browserTimeZone(),
    onThemeChange: watchBrowserTheme,
  };
}

async function teamsHost(): Promise<Host> {
  await withTimeout(app.initialize(), TEAMS_INIT_TIMEOUT_MS);
  const context = await app.getContext();
  const listeners = new Set<(theme: ThemeName) => void>();
  app.registerOnThemeChangeHandler((theme) => listeners.forEach((l) => l(fromTeamsTheme(theme))));
  app.notifySuccess();
  return {
    kind: 'teams',
    // teams-js caches the SSO token and renews it before expiry, so asking each time is cheap.
    token: () => authentication.getAuthToken(),
    tokenRejected: () => undefined,
    signIn: () => undefined,
    theme: fromTeamsTheme(context.app.theme),
    // Teams gives the zone of the user's OS locale; a client that does not falls back to the browser's.
    timeZone: usableTimeZone(context.app.osLocaleInfo?.timezone),
    onThemeChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A top-level page is never inside Teams; a framed one is, if teams-js can talk to its parent. */
export async function detectHost(): Promise<Host> {
  if (window.parent === window.self) return browserHost();
  try {
    return await teamsHost();
  } catch {
    return browserHost();
  }
}

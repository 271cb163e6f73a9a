/**
 * The API token of a browser sign-in, kept in sessionStorage: it lives as long as the tab, is not sent
 * anywhere automatically (unlike a cookie), and is gone when the window closes.
 */

const TOKEN_KEY = 'cloud-sync.token';
const RETURN_KEY = 'cloud-sync.return';
/** Renew a little early so a request never leaves with a token that expires in flight. */
const EXPIRY_MARGIN_MS = 60_000;

interface StoredToken {
  accessToken: string;
  expiresOn: string | null;
}

export function storeToken(token: StoredToken): void {
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
}

export function currentToken(now = Date.now()): string | null {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return null;
  try {
    const token = JSON.parse(raw) as StoredToken;
    if (token.expiresOn && Date.parse(token.expiresOn) - EXPIRY_MARGIN_MS < now) return null;
    return token.accessToken;
  } catch {
    return null;
  }
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Leaves for the server's sign-in, remembering the tab's query (theme, view) to come back to. */
export function startBrowserSignIn(): void {
  sessionStorage.setItem(RETURN_KEY, window.location.search);
  window.location.assign('/auth/tab/start');
}

/** Where auth-end sends the browser back to. Only a query string is kept, so it cannot point elsewhere. */
export function returnUrl(): string {
  const search = sessionStorage.getItem(RETURN_KEY) ?? '';
  sessionStorage.removeItem(RETURN_KEY);
  return `/tab/${search.startsWith('?') ? search : ''}`;
}

import type { ApiError, TabSignInResponse } from '#shared/contract.js';
import { returnUrl, storeToken } from './auth/browser-session.js';

/**
 * Where the authority sends the browser after sign-in. The code and state are taken off the address
 * bar at once (so they stay out of history), exchanged by our server, and the token is kept in this
 * tab's session storage before going back to the app.
 */

const status = document.getElementById('status');
const retry = document.getElementById('retry');

function fail(message: string): void {
  if (status) status.textContent = message;
  if (retry) {
    retry.hidden = false;
    retry.textContent = 'Try signing in again';
  }
}

async function finish(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  window.history.replaceState(null, '', window.location.pathname);
  const error = params.get('error');
  if (error) {
    fail(`Sign-in did not finish: ${params.get('error_description') ?? error}`);
    return;
  }
  const code = params.get('code');
  const state = params.get('state');
  if (!code || !state) {
    fail('This page is only reached from the Microsoft 365 sign-in.');
    return;
  }
  const response = await fetch('/auth/tab/callback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ code, state }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as ApiError | null;
    fail(body?.message ?? `Sign-in failed (HTTP ${response.status}).`);
    return;
  }
  storeToken((await response.json()) as TabSignInResponse);
  window.location.replace(returnUrl());
}

finish().catch((err: unknown) => fail(`Sign-in failed: ${err instanceof Error ? err.message : String(err)}`));

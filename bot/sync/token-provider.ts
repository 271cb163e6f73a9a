import { InteractionRequiredAuthError, type AccountInfo } from '@azure/msal-node';
import { GraphClientError } from '@microsoft/microsoft-graph-client';
import { msalClientFor, type MsalSettings } from '../sign-in/msal-client-factory.js';
import { graphPermissions } from '../sign-in/oidc-scopes.js';
import type { Store } from '../store/store.js';
import { VaultDecryptError, type TokenCipher } from '../vault/token-cipher.js';
import { markReconnectRequired, type AttentionCause, type AttentionEvents } from './account-attention.js';

/**
 * Access tokens for one account's mailbox, from its encrypted msal cache via `acquireTokenSilent`
 * (which refreshes with the stored refresh token when the access token is stale). Tokens are kept in
 * memory until shortly before they expire, so a delta round does not decrypt the cache per request.
 *
 * A grant-level failure (invalid_grant, interaction/consent required, no usable cache) is final: the
 * account goes to `reconnect_required` and every later call for it fails at once with
 * ReconnectRequiredError, without contacting Entra or Graph.
 */

export interface TokenAccount {
  id: string;
  msTenantId: string | null;
  msObjectId: string | null;
}

/**
 * Extends GraphClientError because the Graph client rethrows that class unchanged from middleware,
 * where it would wrap any other error into a GraphError and lose what it was.
 */
export class ReconnectRequiredError extends GraphClientError {
  constructor(
    readonly accountId: string,
    readonly attentionCause: AttentionCause,
    reason: string,
  ) {
    super(`sync account ${accountId} must reconnect: ${reason}`);
    // GraphClientError resets the prototype to its own, which would hide this subclass from instanceof.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ReconnectRequiredError';
  }
}

export interface TokenProviderDeps {
  store: Store;
  cipher: TokenCipher;
  msal: MsalSettings;
  /** Graph scopes to request; msal adds the OpenID ones itself. */
  scopes: readonly string[];
  events: AttentionEvents;
  now?: () => number;
}

export interface TokenProvider {
  accessToken(account: TokenAccount): Promise<string>;
  /**
   * The account is active (again) at the start of a run: acquisitions may be tried. Its state, not
   * this process's memory, says whether it must reconnect, so a reconnected account syncs again.
   */
  resume(accountId: string): void;
  /** Drops the remembered access token (Graph refused it, or the lease moved elsewhere). */
  forget(accountId: string): void;
  /**
   * The next token is redeemed anew rather than taken from any cache, so it has its full lifetime
   * (a subscription reauthorized with it stays authorized that long).
   */
  refresh(accountId: string): void;
}

/** Refresh this long before expiry, so a token never lapses in the middle of a page request. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export function createTokenProvider(deps: TokenProviderDeps): TokenProvider {
  const now = deps.now ?? Date.now;
  const db = deps.store.db;
  const cached = new Map<string, { token: string; expiresAt: number }>();
  const pending = new Map<string, Promise<string>>();
  const dead = new Map<string, ReconnectRequiredError>();
  const forceRefresh = new Set<string>();
  const scopes = graphPermissions(deps.scopes);

  async function acquire(account: TokenAccount): Promise<string> {
    if (!account.msTenantId || !account.msObjectId) {
      throw await giveUp(
        account.id,
        'invalid_grant',
        'the account has no Microsoft 365 identity; sign in again',
      );
    }
    const client = msalClientFor(
      deps.msal,
      { store: deps.store, cipher: deps.cipher },
      account.id,
      account.msTenantId,
    );
    let msAccount: AccountInfo | undefined;
    try {
      const accounts = await client.getTokenCache().getAllAccounts();
      msAccount = accounts.find(
        (a) =>
          a.localAccountId === account.msObjectId || a.homeAccountId.startsWith(`${account.msObjectId}.`),
      );
    } catch (err) {
      if (err instanceof VaultDecryptError)
        throw await giveUp(account.id, 'invalid_grant', 'the stored sign-in cannot be read; sign in again');
      throw err;
    }
    if (!msAccount)
      throw await giveUp(account.id, 'invalid_grant', 'no stored sign-in for this account; sign in again');
    try {
      const fresh = forceRefresh.delete(account.id);
      const result = await client.acquireTokenSilent({
        account: msAccount,
        scopes: [...scopes],
        ...(fresh ? { forceRefresh: true } : {}),
      });
      const expiresAt = result.expiresOn?.getTime() ?? now() + 60 * 60_000;
      cached.set(account.id, { token: result.accessToken, expiresAt });
      return result.accessToken;
    } catch (err) {
      const grant = grantFailure(err);
      if (grant) throw await giveUp(account.id, grant.cause, grant.reason);
      throw err;
    }
  }

  async function giveUp(
    accountId: string,
    cause: AttentionCause,
    reason: string,
  ): Promise<ReconnectRequiredError> {
    cached.delete(accountId);
    const error = new ReconnectRequiredError(accountId, cause, reason);
    dead.set(accountId, error);
    await markReconnectRequired(db, deps.events, { accountId, cause, reason, now: now() });
    return error;
  }

  return {
    async accessToken(account) {
      const known = dead.get(account.id);
      if (known) throw known;
      const hit = cached.get(account.id);
      if (hit && hit.expiresAt - EXPIRY_MARGIN_MS > now()) return hit.token;
      // Concurrent requests of one mailbox share one acquisition (one refresh, one cache write).
      let inFlight = pending.get(account.id);
      if (!inFlight) {
        inFlight = acquire(account).finally(() => pending.delete(account.id));
        pending.set(account.id, inFlight);
      }
      return inFlight;
    },
    resume(accountId) {
      dead.delete(accountId);
    },
    forget(accountId) {
      cached.delete(accountId);
    },
    refresh(accountId) {
      cached.delete(accountId);
      forceRefresh.add(accountId);
    },
  };
}

/** Grant-level failures need the user; anything else (network, 5xx) is worth retrying later. */
function grantFailure(err: unknown): { cause: AttentionCause; reason: string } | null {
  const e = err as { errorCode?: string; errorMessage?: string; subError?: string } | null;
  const code = e?.errorCode ?? '';
  const text = `${e?.errorMessage ?? ''} ${e?.subError ?? ''}`;
  const grantCodes = [
    'invalid_grant',
    'interaction_required',
    'consent_required',
    'login_required',
    'no_tokens_found',
    'refresh_token_expired',
    'bad_token',
  ];
  if (!(err instanceof InteractionRequiredAuthError) && !grantCodes.includes(code)) return null;
  // AADSTS65001: consent missing or revoked; 700082/700084: refresh token expired by inactivity/lifetime.
  if (/AADSTS65001|consent_required/i.test(`${code} ${text}`)) {
    return {
      cause: 'consent_revoked',
      reason: 'permission to read the mailbox was withdrawn; reconnect to grant it again',
    };
  }
  if (/AADSTS70008[24]|refresh_token_expired/i.test(`${code} ${text}`)) {
    return { cause: 'token_expired', reason: 'the sign-in expired; reconnect to continue syncing' };
  }
  return {
    cause: 'invalid_grant',
    reason: 'the sign-in was revoked or is no longer valid; reconnect to continue syncing',
  };
}

import { graphPermissions } from '../../sign-in/oidc-scopes.js';

/**
 * Reads the errors Microsoft Entra returns on the authorize redirect (`error`, `error_description`,
 * `error_subcode`) or from the token endpoint (`error`, `error_description`, `error_codes`, `suberror`).
 */

export interface EntraError {
  error: string;
  error_description?: string;
  /** Redirect errors carry `error_subcode` (e.g. "cancel"); token errors carry `suberror`. */
  error_subcode?: string;
  suberror?: string;
  error_codes?: readonly number[];
}

/** Where the error came from: a refresh failing means an account that worked has lost its grant. */
export type ErrorPhase = 'sign_in' | 'refresh';

export type ConsentErrorClass =
  | { kind: 'admin_consent_required'; code?: number }
  | { kind: 'user_cancelled' }
  | { kind: 'reconnect_required'; code?: number }
  | { kind: 'other'; message: string };

/**
 * AADSTS65001: consent not given; AADSTS90093/90094: the user may not consent (policy or admin-only
 * permissions), which is the "Need admin approval" page; AADSTS90095: the same page with the admin
 * consent workflow's "Request approval".
 */
const adminConsentCodes = new Set([65001, 90093, 90094, 90095]);
/** AADSTS65004: the user declined consent. */
const userDeclinedCode = 65004;
/** AADSTS50020: the account is not of the tenant the app signs in at (a single-tenant app's home). */
const otherTenantCode = 50020;
const OTHER_TENANT_MESSAGE =
  "The account you signed in with belongs to another organisation, and this Cloud Sync serves your organisation's accounts only. Sign in with your work account.";

function aadstsCodes(e: EntraError): number[] {
  const fromText = [...(e.error_description ?? '').matchAll(/AADSTS(\d+)/g)].map((m) => Number(m[1]));
  return [...(e.error_codes ?? []), ...fromText];
}

/** The first line of the description without trace ids, for people to read. */
function readable(e: EntraError): string {
  const line = (e.error_description ?? '').split(/\r?\n/)[0]?.trim();
  return line && line !== '' ? line : e.error;
}

export function classifyEntraError(e: EntraError, phase: ErrorPhase): ConsentErrorClass {
  const codes = aadstsCodes(e);
  const consentCode = codes.find((c) => adminConsentCodes.has(c));
  if (phase === 'refresh') {
    // On refresh every grant-level failure means the same to the user: sign in again.
    if (['invalid_grant', 'interaction_required', 'consent_required', 'login_required'].includes(e.error)) {
      return { kind: 'reconnect_required', code: codes[0] };
    }
    return { kind: 'other', message: readable(e) };
  }
  if (consentCode !== undefined) return { kind: 'admin_consent_required', code: consentCode };
  if (codes.includes(otherTenantCode)) return { kind: 'other', message: OTHER_TENANT_MESSAGE };
  if (e.error === 'consent_required' || e.suberror === 'consent_required') {
    return { kind: 'admin_consent_required' };
  }
  if (
    e.error === 'access_denied' &&
    (e.error_subcode === 'cancel' || codes.includes(userDeclinedCode) || codes.length === 0)
  ) {
    return { kind: 'user_cancelled' };
  }
  return { kind: 'other', message: readable(e) };
}

export interface AdminConsentUrlInput {
  /** e.g. https://login.microsoftonline.com, or the local emulator's origin. */
  authorityHost: string;
  tenant: string;
  clientId: string;
  redirectUri: string;
  /** Graph permissions, e.g. ["Mail.Read"]; "https://graph.microsoft.com/" is added where missing. */
  scopes: readonly string[];
  state: string;
}

export function buildAdminConsentUrl(input: AdminConsentUrlInput): string {
  const url = new URL(
    `${encodeURIComponent(input.tenant)}/v2.0/adminconsent`,
    withSlash(input.authorityHost),
  );
  // OpenID scopes are not resource permissions, so the admin consent URL leaves them out.
  const scope = graphPermissions(input.scopes)
    .map((s) => (s.includes('://') ? s : `https://graph.microsoft.com/${s}`))
    .join(' ');
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', input.state);
  return url.toString();
}

const withSlash = (host: string): string => (host.endsWith('/') ? host : `${host}/`);

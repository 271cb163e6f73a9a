import type { Server, Request, Response } from 'restify';
import { CryptoProvider, ResponseMode } from '@azure/msal-node';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import type { Logger } from '../logging/logger.js';
import type { EntraError } from '../enablement/core/consent-errors.js';
import { msalClientFor, type MsalSettings } from './msal-client-factory.js';
import { signInTenant, type Tenancy } from './sign-in-tenant.js';
import { signState, verifyState, SignedStateError } from './signed-state.js';
import { startAttempt, completeAttempt, purgeExpiredAttempts } from './sign-in-attempts.js';
import { renderResultPage, type ResultPage } from './result-page.js';
import type { ConsentCheck } from './consent-check.js';
import { purgeExpiredLinkStates, useOnce } from './used-link-states.js';
import { FormPostTooLarge, readFormPost } from './form-post.js';
import { domainHintFor, tenantDomains } from './sign-in-hints.js';
import { alreadyOnPage, syncAlreadyOnFor } from './already-on.js';
import { adminSignInUrl, completeAdminSignIn, type ConsentingAdmin } from './admin-sign-in.js';

const TICKET_PURPOSE = 'cloud-sync:sign-in';
const ADMIN_CONSENT_PURPOSE = 'cloud-sync:admin-consent';
/** The issue asks for sign-in links that expire after 10 minutes. */
const TICKET_LIFETIME_SECONDS = 10 * 60;
/**
 * Minted once the IT administrator has signed in (after the card's consent button), so it only has to
 * outlive one trip through Microsoft's consent page; the card itself holds no state.
 */
const ADMIN_CONSENT_LIFETIME_SECONDS = 10 * 60;

const ticketClaims = z.object({
  acc: z.string().min(1),
  tid: z.string().min(1),
  oid: z.string().min(1),
  hint: z.string().optional(),
});
const adminConsentClaims = z.object({
  tid: z.string().min(1),
  req: z.string().min(1),
  /** The administrator who signed in before consenting: Microsoft's answer does not say who. */
  by: z.object({ name: z.string().min(1), oid: z.string().min(1) }),
});

export interface SignedInAccount {
  tenantId: string;
  objectId: string;
  username: string;
}

/** What the enablement side does with each outcome; each returns the page the browser shows. */
export interface SignInHandlers {
  /** The code was exchanged and the tokens are in the vault under `accountId`. */
  signInCompleted(accountId: string, account: SignedInAccount): Promise<ResultPage>;
  signInFailed(accountId: string, error: EntraError): Promise<ResultPage>;
  adminConsentGranted(tenantId: string, requestId: string, admin: ConsentingAdmin): Promise<ResultPage>;
  adminConsentFailed(tenantId: string, requestId: string, error: EntraError): Promise<ResultPage>;
}

export interface SignInRouteDeps {
  store: Store;
  cipher: TokenCipher;
  logger: Logger;
  msal: MsalSettings;
  /** Single- or multi-tenant app: which authority tenant sign-in uses (sign-in-tenant.ts). */
  tenancy: Tenancy;
  publicUrl: string;
  scopes: string[];
  ticketKey: Uint8Array;
  adminConsentKey: Uint8Array;
  /** Asks Entra whether the app really has consent in a tenant (consent-check.ts). */
  confirmConsent: ConsentCheck;
  handlers: SignInHandlers;
  /** The open request a card reference names (approval-flow.ts); a clear refusal for anything else. */
  adminConsentStart(ref: string): Promise<AdminConsentStart>;
  /** The v2.0 admin consent URL for a request, with `state` (adminConsentState) naming who consents. */
  adminConsentUrl(request: { tenantId: string }, state: string): string;
  /** Sign-ins that only read who a Teams user is (identity-sign-in.ts) share the callback. */
  identity?: {
    complete(state: string, req: Request): Promise<{ status: number; page: ResultPage } | undefined>;
  };
}

export const SIGN_IN_CALLBACK_PATH = '/auth/callback';
export const ADMIN_CONSENT_CALLBACK_PATH = '/auth/admin-consent/callback';
/** What the IT card's "Open admin consent" button opens, with `?ref=` the card's signed reference. */
export const ADMIN_CONSENT_START_PATH = '/auth/admin-consent/start';

export type AdminConsentStart =
  { ok: true; tenantId: string; requestId: string } | { ok: false; status: number; message: string };

/** The URL a sign-in card's button opens: binds the browser sign-in to this account and Teams user. */
export async function signInUrl(
  deps: Pick<SignInRouteDeps, 'publicUrl' | 'ticketKey'>,
  ticket: { accountId: string; tenantId: string; aadObjectId: string; loginHint?: string },
  now = new Date(),
): Promise<string> {
  const { token } = await signState(
    deps.ticketKey,
    TICKET_PURPOSE,
    { acc: ticket.accountId, tid: ticket.tenantId, oid: ticket.aadObjectId, hint: ticket.loginHint },
    TICKET_LIFETIME_SECONDS,
    now,
  );
  return `${deps.publicUrl}/auth/start?ticket=${encodeURIComponent(token)}`;
}

/** The `state` for the v2.0 admin consent URL of an approval request. */
export async function adminConsentState(
  key: Uint8Array,
  input: { tenantId: string; requestId: string; admin: ConsentingAdmin },
  now = new Date(),
): Promise<string> {
  const { token } = await signState(
    key,
    ADMIN_CONSENT_PURPOSE,
    { tid: input.tenantId, req: input.requestId, by: { name: input.admin.name, oid: input.admin.objectId } },
    ADMIN_CONSENT_LIFETIME_SECONDS,
    now,
  );
  return token;
}

/** A parameter from the query string or, for Entra's form_post answer, the posted form. */
export const stringParam = (req: Request, name: string): string | undefined => {
  const body = (req as { body?: unknown }).body;
  const v =
    (req.query as Record<string, unknown> | undefined)?.[name] ??
    (body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined);
  return typeof v === 'string' && v.length > 0 && v.length < 8192 ? v : undefined;
};

export function entraErrorFrom(req: Request): EntraError | undefined {
  const error = stringParam(req, 'error');
  if (!error) return undefined;
  return {
    error,
    error_description: stringParam(req, 'error_description'),
    error_subcode: stringParam(req, 'error_subcode'),
  };
}

export function page(res: Response, status: number, p: ResultPage): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
  });
  res.end(renderResultPage(p));
}

const linkProblem = (message: string): ResultPage => ({
  tone: 'error',
  title: 'This sign-in link cannot be used',
  message: `${message} Go back to Teams and choose "Enable sync" again to get a fresh link.`,
});

export function registerSignInRoutes(server: Server, deps: SignInRouteDeps): void {
  const redirectUri = `${deps.publicUrl}${SIGN_IN_CALLBACK_PATH}`;
  const adminSignIn = {
    ...deps,
    key: deps.adminConsentKey,
    redirectUri: `${deps.publicUrl}${ADMIN_CONSENT_CALLBACK_PATH}`,
  };

  server.get('/auth/start', async (req: Request, res: Response) => {
    const ticket = stringParam(req, 'ticket');
    if (!ticket) return page(res, 400, linkProblem('The link is incomplete.'));
    let claims;
    try {
      claims = await verifyState(deps.ticketKey, TICKET_PURPOSE, ticket, ticketClaims);
    } catch (err) {
      const reason =
        err instanceof SignedStateError && err.reason === 'expired' ? 'It has expired.' : 'It is not valid.';
      return page(res, 400, linkProblem(reason));
    }
    // Housekeeping rides on sign-ins: records of long-expired links go, so the tables follow traffic.
    await purgeExpiredAttempts(deps.store);
    await purgeExpiredLinkStates(deps.store);
    const pkce = await new CryptoProvider().generatePkceCodes();
    const started = await startAttempt(deps.store, deps.cipher, {
      ticketJti: claims.jti,
      accountId: claims.acc,
      codeVerifier: pkce.verifier,
    });
    if (!started.ok) {
      const owner = { accountId: claims.acc, tenantId: claims.tid, aadObjectId: claims.oid };
      if (await syncAlreadyOnFor(deps.store.db, owner)) return page(res, 200, alreadyOnPage);
      return page(res, 409, linkProblem('It has already been used.'));
    }

    const client = msalClientFor(deps.msal, deps, claims.acc, signInTenant(deps.tenancy, claims.tid));
    const url = await client.getAuthCodeUrl({
      scopes: deps.scopes,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state: started.attempt.id,
      loginHint: claims.hint,
      domainHint: domainHintFor(claims.hint, await tenantDomains(deps.store.db, claims.tid)),
      // msal-node leaves login_hint out with select_account (Entra refuses the pair), so a hinted
      // sign-in asks for the credentials of the hinted account instead: the page opens with it filled in.
      prompt: claims.hint ? 'login' : 'select_account',
      // The code comes back in a POST body, never in a URL that telemetry or history records.
      responseMode: ResponseMode.FORM_POST,
    });
    res.redirect(302, url, () => undefined);
  });

  const signInCallback = async (req: Request, res: Response) => {
    const state = stringParam(req, 'state');
    if (!state) return page(res, 400, linkProblem('The answer from Microsoft carried no sign-in reference.'));
    const done = await completeAttempt(deps.store, deps.cipher, state);
    if (!done.ok && done.reason === 'unknown' && deps.identity) {
      const identified = await deps.identity.complete(state, req);
      if (identified) return page(res, identified.status, identified.page);
    }
    if (!done.ok) {
      const why = {
        unknown: 'It is not one this service started.',
        expired: 'It has expired.',
        used: 'It has already been used.',
      };
      return page(res, 400, linkProblem(why[done.reason]));
    }
    const { accountId, codeVerifier } = done.attempt;
    const error = entraErrorFrom(req);
    if (error) return page(res, 200, await deps.handlers.signInFailed(accountId, error));

    const code = stringParam(req, 'code');
    if (!code) return page(res, 400, linkProblem('The answer from Microsoft carried no authorisation code.'));
    let account: SignedInAccount;
    try {
      // A multi-tenant app redeems at `organizations` (the tenant is known only from the result); a
      // single-tenant app must name its tenant, or Entra refuses the code (AADSTS50194).
      const client = msalClientFor(deps.msal, deps, accountId, signInTenant(deps.tenancy));
      const result = await client.acquireTokenByCode({
        code,
        codeVerifier,
        redirectUri,
        scopes: deps.scopes,
      });
      const claims = result.idTokenClaims as { tid?: string; oid?: string; preferred_username?: string };
      if (!claims.tid || !claims.oid) throw new Error('the ID token carries no tenant or object id');
      account = { tenantId: claims.tid, objectId: claims.oid, username: claims.preferred_username ?? '' };
    } catch (err) {
      const e = err as { errorCode?: string; errorMessage?: string; message?: string };
      deps.logger.warn({ accountId, errorCode: e.errorCode }, 'authorisation code exchange failed');
      return page(
        res,
        200,
        await deps.handlers.signInFailed(accountId, {
          error: e.errorCode ?? 'server_error',
          error_description: e.errorMessage ?? e.message,
        }),
      );
    }
    return page(res, 200, await deps.handlers.signInCompleted(accountId, account));
  };
  // POST is how sign-ins started here answer (form_post); GET stays for answers to sign-ins started
  // by an earlier version, which asked for the query string.
  server.post(SIGN_IN_CALLBACK_PATH, async (req: Request, res: Response) => {
    try {
      await readFormPost(req);
    } catch (err) {
      if (err instanceof FormPostTooLarge) return page(res, 413, linkProblem('The answer is too large.'));
      throw err;
    }
    return signInCallback(req, res);
  });
  server.get(SIGN_IN_CALLBACK_PATH, signInCallback);

  server.get(ADMIN_CONSENT_START_PATH, async (req: Request, res: Response) => {
    const ref = stringParam(req, 'ref');
    const started = ref
      ? await deps.adminConsentStart(ref)
      : { ok: false as const, status: 400, message: 'The link is incomplete.' };
    if (!started.ok) {
      return page(res, started.status, {
        tone: 'error',
        title: 'Admin consent cannot be opened from this link',
        message: `${started.message} The request card in the IT channel shows where things stand.`,
      });
    }
    res.redirect(302, await adminSignInUrl(adminSignIn, started), () => undefined);
  });

  // The IT administrator's OpenID sign-in answers here by POST (form_post); then on to consent.
  server.post(ADMIN_CONSENT_CALLBACK_PATH, async (req: Request, res: Response) => {
    const notOpened = (status: number, message: string) =>
      page(res, status, {
        tone: 'error',
        title: 'Admin consent was not opened',
        message: `${message} Nothing changed; use "Open admin consent" on the request card again.`,
      });
    try {
      await readFormPost(req);
    } catch (err) {
      if (err instanceof FormPostTooLarge) return notOpened(413, 'The answer is too large.');
      throw err;
    }
    const state = stringParam(req, 'state');
    if (!state) return notOpened(400, 'The answer from Microsoft carried no sign-in reference.');
    const signedIn = await completeAdminSignIn(adminSignIn, {
      state,
      code: stringParam(req, 'code'),
      error: entraErrorFrom(req),
    });
    if (!signedIn.ok) {
      return page(res, signedIn.status, { tone: 'error', title: signedIn.title, message: signedIn.message });
    }
    const consentState = await adminConsentState(deps.adminConsentKey, signedIn);
    res.redirect(302, deps.adminConsentUrl(signedIn, consentState), () => undefined);
  });

  server.get(ADMIN_CONSENT_CALLBACK_PATH, async (req: Request, res: Response) => {
    const state = stringParam(req, 'state');
    let claims;
    try {
      if (!state) throw new SignedStateError('invalid', 'missing');
      claims = await verifyState(deps.adminConsentKey, ADMIN_CONSENT_PURPOSE, state, adminConsentClaims);
    } catch {
      return page(res, 400, {
        tone: 'error',
        title: 'This consent answer cannot be used',
        message:
          'It did not come from an approval request of this service. Use "Open admin consent" on the request card.',
      });
    }
    // Each link answers once: a replayed or shared answer cannot decide anything again.
    const first = await useOnce(deps.store, {
      jti: claims.jti,
      purpose: ADMIN_CONSENT_PURPOSE,
      expiresAt: new Date(Date.now() + ADMIN_CONSENT_LIFETIME_SECONDS * 1000),
    });
    if (!first) {
      return page(res, 409, {
        tone: 'error',
        title: 'This consent answer cannot be used',
        message: 'It has already been used. The request card in the IT channel shows where things stand.',
      });
    }
    const error = entraErrorFrom(req);
    if (error) return page(res, 200, await deps.handlers.adminConsentFailed(claims.tid, claims.req, error));
    const notConfirmed: ResultPage = {
      tone: 'error',
      title: 'Consent was not confirmed',
      message:
        'Microsoft 365 does not show admin consent for Cloud Sync in the organisation of this request. Nothing changed; use "Open admin consent" on the request card again.',
    };
    const tenant = stringParam(req, 'tenant');
    if (stringParam(req, 'admin_consent')?.toLowerCase() !== 'true' || tenant !== claims.tid) {
      return page(res, 400, notConfirmed);
    }
    // The redirect is only a browser's word: Entra itself must know the app in that tenant.
    const confirmed = await deps.confirmConsent(claims.tid);
    if (!confirmed.ok) {
      deps.logger.warn(
        { tenantId: claims.tid, requestId: claims.req, errorCode: confirmed.errorCode },
        'admin consent answer not confirmed by Entra',
      );
      return page(res, 400, notConfirmed);
    }
    return page(
      res,
      200,
      await deps.handlers.adminConsentGranted(claims.tid, claims.req, {
        tenantId: claims.tid,
        objectId: claims.by.oid,
        name: claims.by.name,
      }),
    );
  });
}

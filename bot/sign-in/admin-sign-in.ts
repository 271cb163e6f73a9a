import { CryptoProvider, ResponseMode } from '@azure/msal-node';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import type { Logger } from '../logging/logger.js';
import type { EntraError } from '../enablement/core/consent-errors.js';
import { confidentialClient, type MsalSettings } from './msal-client-factory.js';
import { signInTenant, type Tenancy } from './sign-in-tenant.js';
import { signState, verifyState, SignedStateError } from './signed-state.js';
import { useOnce } from './used-link-states.js';

/**
 * Microsoft's admin consent answer says that an administrator consented, never who. So the card's
 * consent button first signs the IT administrator in (OpenID Connect, name and object id only) in the
 * request's organisation, and only then leads on to the consent page, whose state carries that name.
 * The OpenID answer comes back by POST on the registered admin-consent callback; the consent answer
 * comes back there by GET.
 */

const PURPOSE = 'cloud-sync:admin-sign-in';
const LIFETIME_SECONDS = 10 * 60;
export const ADMIN_SIGN_IN_SCOPES = ['openid', 'profile'];

const claimsSchema = z.object({
  tid: z.string().min(1),
  req: z.string().min(1),
  /** The PKCE verifier, sealed: the state travels through the browser. */
  pv: z.string().min(1),
});

/** Who consented, from the ID token of their sign-in. */
export interface ConsentingAdmin {
  name: string;
  objectId: string;
  tenantId: string;
}

export interface AdminSignInDeps {
  store: Store;
  cipher: TokenCipher;
  logger: Logger;
  msal: MsalSettings;
  tenancy: Tenancy;
  key: Uint8Array;
  redirectUri: string;
}

export type AdminSignInResult =
  | { ok: true; tenantId: string; requestId: string; admin: ConsentingAdmin }
  | { ok: false; status: number; title: string; message: string };

const verifierAad = (tenantId: string, requestId: string) => `admin-sign-in:${tenantId}:${requestId}`;

/** The authorisation URL that signs the IT administrator in for one approval request. */
export async function adminSignInUrl(
  deps: AdminSignInDeps,
  request: { tenantId: string; requestId: string },
): Promise<string> {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const { token } = await signState(
    deps.key,
    PURPOSE,
    {
      tid: request.tenantId,
      req: request.requestId,
      pv: deps.cipher.seal(pkce.verifier, verifierAad(request.tenantId, request.requestId)).ciphertext,
    },
    LIFETIME_SECONDS,
  );
  // The request's organisation is the authority: Entra itself refuses a user of another one.
  const client = confidentialClient(deps.msal, signInTenant(deps.tenancy, request.tenantId));
  return client.getAuthCodeUrl({
    scopes: ADMIN_SIGN_IN_SCOPES,
    redirectUri: deps.redirectUri,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    state: token,
    prompt: 'select_account',
    responseMode: ResponseMode.FORM_POST,
  });
}

const refused = (status: number, message: string): AdminSignInResult => ({
  ok: false,
  status,
  title: 'Admin consent was not opened',
  message: `${message} Nothing changed; the request card in the IT channel shows where things stand.`,
});

/** Redeems the OpenID answer: the administrator who signed in, if they belong to the request's tenant. */
export async function completeAdminSignIn(
  deps: AdminSignInDeps,
  answer: { state: string; code?: string; error?: EntraError },
): Promise<AdminSignInResult> {
  let claims;
  try {
    claims = await verifyState(deps.key, PURPOSE, answer.state, claimsSchema);
  } catch (err) {
    const expired = err instanceof SignedStateError && err.reason === 'expired';
    return refused(
      400,
      expired ? 'The sign-in took too long.' : 'The sign-in answer did not come from this service.',
    );
  }
  if (!(await useOnce(deps.store, { jti: claims.jti, purpose: PURPOSE, expiresAt: expiry() }))) {
    return refused(409, 'This sign-in answer has already been used.');
  }
  if (answer.error) {
    deps.logger.info({ error: answer.error.error }, 'IT administrator sign-in not completed');
    return refused(
      200,
      'The sign-in was not completed in the organisation that asked for Cloud Sync. Sign in with an administrator account of that organisation.',
    );
  }
  if (!answer.code) return refused(400, 'The answer from Microsoft carried no authorisation code.');
  let idClaims: { tid?: string; oid?: string; name?: string; preferred_username?: string };
  try {
    // No token cache: only the ID token's names are kept, the tokens are dropped with the client.
    const client = confidentialClient(deps.msal, signInTenant(deps.tenancy, claims.tid));
    const result = await client.acquireTokenByCode({
      code: answer.code,
      codeVerifier: deps.cipher.open(claims.pv, verifierAad(claims.tid, claims.req)),
      redirectUri: deps.redirectUri,
      scopes: ADMIN_SIGN_IN_SCOPES,
    });
    idClaims = result.idTokenClaims as typeof idClaims;
  } catch (err) {
    deps.logger.warn(
      { errorCode: (err as { errorCode?: string }).errorCode },
      'IT administrator sign-in failed',
    );
    return refused(200, 'Microsoft 365 did not confirm the sign-in.');
  }
  if (!idClaims.tid || !idClaims.oid) return refused(200, 'Microsoft 365 did not say who signed in.');
  if (idClaims.tid !== claims.tid) {
    return refused(
      403,
      'You signed in with an account of another organisation. Only an administrator of the organisation that asked can consent for it.',
    );
  }
  return {
    ok: true,
    tenantId: claims.tid,
    requestId: claims.req,
    admin: {
      tenantId: idClaims.tid,
      objectId: idClaims.oid,
      name: idClaims.name || idClaims.preferred_username || idClaims.oid,
    },
  };
}

const expiry = () => new Date(Date.now() + LIFETIME_SECONDS * 1000);

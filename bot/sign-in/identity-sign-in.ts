import { randomBytes } from 'node:crypto';
import { deleteTokenCache } from '../vault/token-cache-rows.js';
import { CryptoProvider, ResponseMode } from '@azure/msal-node';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { EntraError } from '../enablement/core/consent-errors.js';
import type { Logger } from '../logging/logger.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { TokenCipher } from '../vault/token-cipher.js';
import { msalClientFor, type MsalSettings } from './msal-client-factory.js';
import type { ResultPage } from './result-page.js';
import { ATTEMPT_LIFETIME_MS } from './sign-in-attempts.js';
import {
  entraErrorFrom,
  page,
  SIGN_IN_CALLBACK_PATH,
  stringParam,
  type SignedInAccount,
} from './sign-in-routes.js';
import { SignedStateError, signState, verifyState } from './signed-state.js';

/**
 * "Find me": a Microsoft 365 sign-in for a Teams user the CRM could not match by their Teams addresses,
 * that only reads the account's addresses (User.Read) so that an alias can match a CRM work e-mail.
 * No sync account exists yet, so the attempt names the Teams user (tenant + object id) instead; the
 * tokens are kept under a one-off key only until the handler has read /me, and the callback is the
 * registered /auth/callback.
 */

const PURPOSE = 'cloud-sync:identify';
const TICKET_LIFETIME_SECONDS = 10 * 60;
export const IDENTITY_SCOPES = ['User.Read'];

const claimsSchema = z.object({
  tid: z.string().min(1),
  oid: z.string().min(1),
  hint: z.string().optional(),
});

export interface TeamsUserRef {
  tenantId: string;
  objectId: string;
}

export interface IdentityHandlers {
  /** Tokens for User.Read are in the vault under `tokenKey`; the handler reads /me, then deletes them. */
  identified(teams: TeamsUserRef, account: SignedInAccount, tokenKey: string): Promise<ResultPage>;
  identifyFailed(teams: TeamsUserRef, error: EntraError): Promise<ResultPage>;
}

export interface IdentitySignInDeps {
  store: Store;
  cipher: TokenCipher;
  logger: Logger;
  msal: MsalSettings;
  publicUrl: string;
  ticketKey: Uint8Array;
  handlers: IdentityHandlers;
}

export async function identifyUrl(
  deps: { publicUrl: string; ticketKey: Uint8Array },
  teams: { tenantId: string; aadObjectId: string; loginHint?: string },
  now = new Date(),
): Promise<string> {
  const { token } = await signState(
    deps.ticketKey,
    PURPOSE,
    { tid: teams.tenantId, oid: teams.aadObjectId, hint: teams.loginHint },
    TICKET_LIFETIME_SECONDS,
    now,
  );
  return `${deps.publicUrl}/auth/identify?ticket=${encodeURIComponent(token)}`;
}

const verifierAad = (id: string) => `identify:${id}`;
export const identityTokenKey = (attemptId: string) => `identify:${attemptId}`;

const linkProblem = (message: string): ResultPage => ({
  tone: 'error',
  title: 'This sign-in link cannot be used',
  message: `${message} Go back to Teams and send "help" to get a fresh link.`,
});

export function registerIdentitySignIn(
  server: Server,
  deps: IdentitySignInDeps,
): { complete(state: string, req: Request): Promise<{ status: number; page: ResultPage } | undefined> } {
  const redirectUri = `${deps.publicUrl}${SIGN_IN_CALLBACK_PATH}`;
  const db = deps.store.db;

  server.get('/auth/identify', async (req: Request, res: Response) => {
    const ticket = stringParam(req, 'ticket');
    if (!ticket) return page(res, 400, linkProblem('The link is incomplete.'));
    let claims;
    try {
      claims = await verifyState(deps.ticketKey, PURPOSE, ticket, claimsSchema);
    } catch (err) {
      const reason =
        err instanceof SignedStateError && err.reason === 'expired' ? 'It has expired.' : 'It is not valid.';
      return page(res, 400, linkProblem(reason));
    }
    const pkce = await new CryptoProvider().generatePkceCodes();
    const id = randomBytes(24).toString('base64url');
    const now = new Date();
    // Attempts nobody finished are of no use once expired (as for enablement sign-ins).
    await db
      .deleteFrom('identity_sign_in_attempts')
      .where('expires_at', '<', new Date(now.getTime() - ATTEMPT_LIFETIME_MS).toISOString())
      .execute();
    try {
      await db
        .insertInto('identity_sign_in_attempts')
        .values({
          id,
          ticket_jti: claims.jti,
          teams_tenant_id: claims.tid,
          teams_object_id: claims.oid,
          code_verifier: deps.cipher.seal(pkce.verifier, verifierAad(id)).ciphertext,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + ATTEMPT_LIFETIME_MS).toISOString(),
          completed_at: null,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return page(res, 409, linkProblem('It has already been used.'));
      throw err;
    }
    // The Teams user's own tenant is the authority: the sign-in must be in that organisation.
    const client = msalClientFor(deps.msal, deps, identityTokenKey(id), claims.tid);
    const url = await client.getAuthCodeUrl({
      scopes: IDENTITY_SCOPES,
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state: id,
      loginHint: claims.hint,
      // msal-node leaves login_hint out with select_account (Entra refuses the pair), so a hinted
      // sign-in asks for the credentials of the hinted account instead: the page opens with it filled in.
      prompt: claims.hint ? 'login' : 'select_account',
      // Answers on the shared callback, by POST like every sign-in (form-post.ts).
      responseMode: ResponseMode.FORM_POST,
    });
    res.redirect(302, url, () => undefined);
  });

  async function complete(state: string, req: Request) {
    const now = new Date().toISOString();
    const row = await db
      .selectFrom('identity_sign_in_attempts')
      .selectAll()
      .where('id', '=', state)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.completed_at) return { status: 400, page: linkProblem('It has already been used.') };
    if (row.expires_at <= now) return { status: 400, page: linkProblem('It has expired.') };
    const claimed = await db
      .updateTable('identity_sign_in_attempts')
      .set({ completed_at: now })
      .where('id', '=', state)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1)
      return { status: 400, page: linkProblem('It has already been used.') };
    const teams = { tenantId: row.teams_tenant_id, objectId: row.teams_object_id };
    const error = entraErrorFrom(req);
    if (error) return { status: 200, page: await deps.handlers.identifyFailed(teams, error) };
    const code = stringParam(req, 'code');
    if (!code)
      return { status: 400, page: linkProblem('The answer from Microsoft carried no authorisation code.') };
    const tokenKey = identityTokenKey(row.id);
    let account: SignedInAccount;
    try {
      const client = msalClientFor(deps.msal, deps, tokenKey, row.teams_tenant_id);
      const result = await client.acquireTokenByCode({
        code,
        codeVerifier: deps.cipher.open(row.code_verifier, verifierAad(row.id)),
        redirectUri,
        scopes: IDENTITY_SCOPES,
      });
      const claims = result.idTokenClaims as { tid?: string; oid?: string; preferred_username?: string };
      if (!claims.tid || !claims.oid) throw new Error('the ID token carries no tenant or object id');
      account = { tenantId: claims.tid, objectId: claims.oid, username: claims.preferred_username ?? '' };
    } catch (err) {
      const e = err as { errorCode?: string; errorMessage?: string; message?: string };
      deps.logger.warn({ errorCode: e.errorCode }, 'identity sign-in: code exchange failed');
      await deleteTokenCache(db, tokenKey);
      return {
        status: 200,
        page: await deps.handlers.identifyFailed(teams, {
          error: e.errorCode ?? 'server_error',
          error_description: e.errorMessage ?? e.message,
        }),
      };
    }
    return { status: 200, page: await deps.handlers.identified(teams, account, tokenKey) };
  }

  return { complete };
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CryptoProvider, type INetworkModule } from '@azure/msal-node';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { Logger } from '../../logging/logger.js';
import { handle } from '../handler.js';
import { ApiHttpError } from '../http-errors.js';
import { readJson } from '../json-body.js';
import { confidentialClient } from '../../sign-in/msal-client-factory.js';
import { parseCookies } from '../../server/cookies.js';
import { signInTenant, type Tenancy } from '../../sign-in/sign-in-tenant.js';

/**
 * Sign-in for the tab outside Teams (a plain browser, a local run), where there is no SSO. Authorization
 * code + PKCE through msal-node as a confidential client:
 *
 *   GET /auth/tab/start      → the authority's sign-in page (PKCE verifier and state in an HttpOnly cookie)
 *   authority                → /tab/auth-end.html?code&state (the tab's registered redirect URI)
 *   POST /auth/tab/callback  ← auth-end posts {code, state}; answers the API access token in the body
 *
 * The token travels only in a response body to same-origin script, never in a URL, a cookie or a log.
 * The cookie keeps the server stateless, so any process behind a load balancer can finish the sign-in.
 */

export interface TabSignInOptions {
  authorityHost: string;
  /** Single- or multi-tenant app: which authority tenant sign-in uses. */
  tenancy: Tenancy;
  clientId: string;
  clientSecret: string;
  appIdUri: string;
  /** This server's public base URL; the redirect URI is `${publicUrl}/tab/auth-end.html`. */
  publicUrl: string;
  /** An HTTP client that trusts the authority's certificate (the emulator's CA locally). */
  networkClient?: INetworkModule;
  logger: Logger;
}

/** Where the authority sends the tab's sign-in back: a redirect URI of the app registration. */
export const TAB_REDIRECT_PATH = '/tab/auth-end.html';
const COOKIE = 'tab_sign_in';
const COOKIE_PATH = '/auth/tab';
const COOKIE_MAX_AGE_SECONDS = 600;

const callbackBody = z
  .object({ code: z.string().min(1).max(4096), state: z.string().min(1).max(200) })
  .strict();
const pendingCookie = z.object({ state: z.string().min(1), verifier: z.string().min(43) });

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function registerTabSignIn(server: Server, options: TabSignInOptions): void {
  const scope = `${options.appIdUri}/access_as_user`;
  const redirectUri = `${options.publicUrl}${TAB_REDIRECT_PATH}`;
  const secure = options.publicUrl.startsWith('https://');
  const cookieAttributes = `Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const crypto = new CryptoProvider();

  // A client per sign-in: msal-node caches every account it sees in memory, which a long-running
  // server handing out one token per user must not accumulate.
  const client = () => confidentialClient(options, signInTenant(options.tenancy));

  server.get('/auth/tab/start', async (_req: Request, res: Response) => {
    try {
      const { verifier, challenge } = await crypto.generatePkceCodes();
      const state = randomBytes(24).toString('base64url');
      const url = await client().getAuthCodeUrl({
        scopes: [scope],
        redirectUri,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state,
        prompt: 'select_account',
      });
      const pending = Buffer.from(JSON.stringify({ state, verifier })).toString('base64url');
      res.setHeader(
        'Set-Cookie',
        `${COOKIE}=${pending}; Max-Age=${COOKIE_MAX_AGE_SECONDS}; ${cookieAttributes}`,
      );
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Location', url);
      res.sendRaw(302, '');
    } catch (err) {
      options.logger.error({ err: { message: (err as Error).message } }, 'tab sign-in could not start');
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.sendRaw(
        502,
        'Sign-in is unavailable right now: the Microsoft 365 sign-in service did not answer. Try again shortly.',
      );
    }
  });

  server.post(
    '/auth/tab/callback',
    handle(options.logger, async (req) => {
      const body = await readJson(req, callbackBody);
      const raw = parseCookies(req.headers.cookie)[COOKIE];
      let pending: z.infer<typeof pendingCookie> | undefined;
      try {
        pending = raw
          ? pendingCookie.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')))
          : undefined;
      } catch {
        pending = undefined;
      }
      if (!pending) {
        throw new ApiHttpError(
          400,
          'sign_in_expired',
          'This sign-in has expired or was started elsewhere. Start again.',
        );
      }
      if (!sameSecret(pending.state, body.state)) {
        throw new ApiHttpError(
          400,
          'sign_in_state_mismatch',
          'This sign-in does not match the one this browser started. Start again.',
        );
      }
      // The verifier is single-use: once a callback has presented it, the cookie goes whatever the outcome.
      const clear = { 'Set-Cookie': `${COOKIE}=; Max-Age=0; ${cookieAttributes}` };
      let result;
      try {
        result = await client().acquireTokenByCode({
          code: body.code,
          scopes: [scope],
          redirectUri,
          codeVerifier: pending.verifier,
        });
      } catch (err) {
        const e = err as { errorCode?: string };
        options.logger.warn({ errorCode: e.errorCode }, 'tab sign-in code redemption failed');
        throw new ApiHttpError(
          400,
          'sign_in_failed',
          `Microsoft 365 did not complete the sign-in (${e.errorCode ?? 'error'}). Start again.`,
          undefined,
          clear,
        );
      }
      if (!result?.accessToken) {
        throw new ApiHttpError(
          502,
          'sign_in_failed',
          'Microsoft 365 returned no access token.',
          undefined,
          clear,
        );
      }
      return {
        json: { accessToken: result.accessToken, expiresOn: result.expiresOn?.toISOString() ?? null },
        headers: clear,
      };
    }),
  );
}

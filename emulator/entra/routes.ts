import type { EmulatorContext } from '../context.js';
import { redirect, type EmuRequest, type EmuResponse, type Handler, type Router } from '../http.js';
import { startAdminConsent } from './admin-consent.js';
import { startAuthorize } from './authorize.js';
import { FlowStore, SESSION_COOKIE, SessionStore } from './browser-state.js';
import { openIdConfiguration, signingKeys } from './discovery.js';
import { EntraError, entraErrorResponse, newTrace } from './errors.js';
import { handleConsentSet, handleLogin, handleRequestApproval, handleReturn } from './flow-handlers.js';
import type { EntraBrowserState, Flow } from './flows.js';
import { handleToken } from './token-endpoint.js';

/** Registers Entra ID's v2.0 endpoints on the emulator's router; paths mirror login.microsoftonline.com. */
export function registerEntraRoutes(router: Router, ctx: EmulatorContext): EntraBrowserState {
  const st: EntraBrowserState = { sessions: new SessionStore(), flows: new FlowStore<Flow>() };
  const json = (
    h: (ctx: EmulatorContext, req: EmuRequest) => EmuResponse | Promise<EmuResponse>,
  ): Handler => {
    return async (req) => {
      try {
        return await h(ctx, req);
      } catch (err) {
        if (!(err instanceof EntraError)) throw err;
        return entraErrorResponse(err, ctx.origin, newTrace(undefined, ctx.directory.clock.now()));
      }
    };
  };
  const browser = (
    h: (ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest) => EmuResponse,
  ): Handler => {
    return (req) => h(ctx, st, req);
  };

  router
    .on('GET', '/{tenant}/v2.0/.well-known/openid-configuration', json(openIdConfiguration))
    .on('GET', '/{tenant}/discovery/v2.0/keys', json(signingKeys))
    .on('POST', '/{tenant}/oauth2/v2.0/token', json(handleToken))
    .on('GET', '/{tenant}/oauth2/v2.0/authorize', browser(startAuthorize))
    .on('GET', '/{tenant}/oauth2/v2.0/authorize/return', browser(handleReturn))
    .on('POST', '/{tenant}/oauth2/v2.0/authorize/request-approval', browser(handleRequestApproval))
    .on('POST', '/{tenant}/login', browser(handleLogin))
    .on('POST', '/{tenant}/Consent/Set', browser(handleConsentSet))
    .on('GET', '/{tenant}/v2.0/adminconsent', browser(startAdminConsent))
    .on('GET', '/{tenant}/oauth2/v2.0/logout', (req) => logout(req));
  return st;
}

/** Ends the browser's session and returns to the app when it named where to go. */
function logout(req: EmuRequest): EmuResponse {
  const clear = `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0`;
  const target = req.url.searchParams.get('post_logout_redirect_uri');
  const valid = target && /^https?:\/\//.test(target);
  const res = valid
    ? redirect(target)
    : {
        status: 200,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'You signed out of your account.',
      };
  return { ...res, headers: { ...res.headers, 'set-cookie': clear } };
}

import type { EmulatorContext } from '../context.js';
import { parseForm, type EmuRequest, type EmuResponse } from '../http.js';
import { continueAdminConsent, decideAdminConsent, declineAdminConsent } from './admin-consent.js';
import { continueAuthorize, decideAuthorizeConsent, requestApproval } from './authorize.js';
import { sessionCookie } from './browser-state.js';
import { aadsts } from './errors.js';
import type { EntraBrowserState, Flow } from './flows.js';
import { errorPage } from './pages.js';
import { errorReply } from './reply.js';
import { flowSession, signInView } from './session-user.js';

/**
 * The form posts and links of the sign-in pages. Each names its flow; a flow that is unknown or expired,
 * or a post from a browser other than the one that signed in, changes nothing.
 */

const EXPIRED = errorPage({
  title: 'Sign-in request expired',
  description:
    'This sign-in request has expired or is not valid. Go back to the application and sign in again.',
});

/** POST /{tenant}/login — the username + password form. */
export function handleLogin(ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest): EmuResponse {
  const form = parseForm(req.body);
  const flowId = form.get('flow') ?? '';
  const flow = st.flows.get(flowId, ctx.directory.clock.now());
  if (!flow) return EXPIRED;
  const login = (form.get('login') ?? '').trim();
  const user = ctx.directory.findUserByUpn(login);
  if (!user) {
    const tenantName =
      flow.request.tenant.kind === 'tenant' ? flow.request.tenant.tenant.displayName : 'organizations';
    return signInView(flowId, flow, aadsts.userNotFound(login, tenantName).message);
  }
  if (form.get('passwd') !== user.password) return signInView(flowId, flow, aadsts.badCredentials().message);
  const session = st.sessions.create(user.id, ctx.directory.clock.now());
  flow.userId = user.id;
  const signedIn = { session, user };
  const next =
    flow.kind === 'authorize'
      ? continueAuthorize(ctx, st, flowId, flow, signedIn)
      : continueAdminConsent(ctx, st, flowId, flow, signedIn);
  return { ...next, headers: { ...next.headers, 'set-cookie': sessionCookie(session) } };
}

/** POST /{tenant}/Consent/Set — Accept or Cancel on "Permissions requested". */
export function handleConsentSet(ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest): EmuResponse {
  const form = parseForm(req.body);
  const located = locate(ctx, st, form.get('flow'));
  if (!located) return EXPIRED;
  const { flowId, flow } = located;
  const signedIn = flowSession(ctx, st, req, flow);
  if (!signedIn) return signInView(flowId, flow);
  return flow.kind === 'authorize'
    ? decideAuthorizeConsent(ctx, st, flowId, flow, signedIn, form)
    : decideAdminConsent(ctx, st, flowId, flow, signedIn.user, form);
}

/** POST /{tenant}/oauth2/v2.0/authorize/request-approval — "Request approval" with a justification. */
export function handleRequestApproval(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  req: EmuRequest,
): EmuResponse {
  const form = parseForm(req.body);
  const located = locate(ctx, st, form.get('flow'));
  if (!located || located.flow.kind !== 'authorize') return EXPIRED;
  const { flowId, flow } = located;
  const signedIn = flowSession(ctx, st, req, flow);
  if (!signedIn) return signInView(flowId, flow);
  return requestApproval(ctx, st, flowId, flow, signedIn.user, form.get('justification') ?? '');
}

/** GET /{tenant}/oauth2/v2.0/authorize/return — "Return to the application without consenting". */
export function handleReturn(ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest): EmuResponse {
  const located = locate(ctx, st, req.url.searchParams.get('flow'));
  if (!located) return EXPIRED;
  const { flowId, flow } = located;
  const user = flowSession(ctx, st, req, flow)?.user;
  if (flow.kind === 'adminconsent') return declineAdminConsent(ctx, st, flowId, flow, user);
  st.flows.delete(flowId);
  return errorReply(
    ctx.origin,
    flow.request,
    aadsts.userDeclined(),
    ctx.directory.clock.now(),
    flow.correlationId,
    {
      error_subcode: 'cancel',
    },
  );
}

function locate(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string | null,
): { flowId: string; flow: Flow } | undefined {
  const flow = st.flows.get(flowId, ctx.directory.clock.now());
  return flow && flowId ? { flowId, flow } : undefined;
}

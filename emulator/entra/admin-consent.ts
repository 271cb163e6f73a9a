import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import type { EmuRequest, EmuResponse } from '../http.js';
import { AuthorizeFailure, resolveClient, type ReplyTarget } from './authorize-request.js';
import type { BrowserSession } from './browser-state.js';
import { recordAdminConsent } from './consent.js';
import { aadsts, describe, EntraError, newTrace } from './errors.js';
import type { EntraBrowserState, Flow } from './flows.js';
import { describePermission } from './graph-permissions.js';
import { consentPage, errorPage, needAdminApprovalPage } from './pages.js';
import { errorReply, reply } from './reply.js';
import { parseScopes } from './scopes.js';
import { currentSession, segmentPath, signInView } from './session-user.js';

/**
 * GET /{tenant}/v2.0/adminconsent: an administrator signs in and grants the app's permissions for the
 * whole tenant. Success returns `admin_consent=True&tenant=<tid>&scope=...&state=...`; a cancel returns
 * `error=access_denied` (AADSTS65004) with `admin_consent=True`. A non-administrator sees Microsoft's
 * "Need admin approval" (AADSTS90094) and can only go back to the app.
 */
type AdminConsentFlow = Extract<Flow, { kind: 'adminconsent' }>;

export function startAdminConsent(ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest): EmuResponse {
  const q = req.url.searchParams;
  const correlationId = q.get('client-request-id') ?? undefined;
  const now = ctx.directory.clock.now();
  let resolved: ReturnType<typeof resolveClient>;
  try {
    resolved = resolveClient(ctx.directory, req.params.tenant!, q);
  } catch (err) {
    if (!(err instanceof AuthorizeFailure)) throw err;
    return errorPage({
      title: "Sorry, but we're having trouble signing you in.",
      description: describe(err.error, newTrace(correlationId, now)),
    });
  }
  const target: ReplyTarget = {
    redirectUri: resolved.redirectUri,
    state: q.get('state') ?? undefined,
    responseMode: 'query',
  };
  const rawScope = q.get('scope');
  if (!rawScope) return errorReply(ctx.origin, target, aadsts.missingParameter('scope'), now, correlationId);
  let scopes;
  try {
    scopes = parseScopes(ctx.directory, resolved.client, rawScope);
  } catch (err) {
    if (!(err instanceof EntraError)) throw err;
    return errorReply(ctx.origin, target, err, now, correlationId);
  }
  const flow: AdminConsentFlow = {
    kind: 'adminconsent',
    request: { ...resolved, state: target.state, rawScope, scopes },
    correlationId,
  };
  const flowId = st.flows.create(flow, now);
  return continueAdminConsent(ctx, st, flowId, flow, currentSession(ctx, st, req));
}

export function continueAdminConsent(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AdminConsentFlow,
  signedIn: { session: BrowserSession; user: DirectoryUser } | undefined,
): EmuResponse {
  if (!signedIn) return signInView(flowId, flow);
  const r = flow.request;
  const { user, session } = signedIn;
  flow.userId = user.id;
  flow.sessionId = session.id;
  if (r.tenant.kind === 'tenant' && r.tenant.tenant.id !== user.tenantId) {
    st.flows.delete(flowId);
    return errorReply(
      ctx.origin,
      target(r),
      aadsts.userNotInTenant(user.userPrincipalName, r.tenant.tenant.displayName, r.client.appId),
      ctx.directory.clock.now(),
      flow.correlationId,
      { admin_consent: 'True' },
    );
  }
  if (!user.isAdmin) {
    return needAdminApprovalPage({
      appName: r.client.displayName,
      userPrincipalName: user.userPrincipalName,
      message: aadsts.adminOnly(r.client.displayName).message,
      returnUrl: `/${segmentPath(r.tenant)}/oauth2/v2.0/authorize/return?flow=${encodeURIComponent(flowId)}`,
    });
  }
  return consentPage({
    action: `/${segmentPath(r.tenant)}/Consent/Set`,
    flowId,
    appName: r.client.displayName,
    userPrincipalName: user.userPrincipalName,
    permissions: [...new Set(adminConsentNames(flow).map(describePermission))],
    offerOrganizationConsent: false,
    forOrganization: true,
  });
}

/** POST /{tenant}/Consent/Set for the admin consent endpoint. */
export function decideAdminConsent(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AdminConsentFlow,
  user: DirectoryUser,
  form: URLSearchParams,
): EmuResponse {
  const r = flow.request;
  if (form.get('decision') !== 'accept' || !user.isAdmin)
    return declineAdminConsent(ctx, st, flowId, flow, user);
  recordAdminConsent(ctx.directory, r.client, ctx.directory.getTenant(user.tenantId)!, r.scopes.resource);
  st.flows.delete(flowId);
  return reply(target(r), {
    admin_consent: 'True',
    tenant: user.tenantId,
    scope: r.rawScope,
    state: r.state,
  });
}

export function declineAdminConsent(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AdminConsentFlow,
  user: DirectoryUser | undefined,
): EmuResponse {
  st.flows.delete(flowId);
  return errorReply(
    ctx.origin,
    target(flow.request),
    aadsts.userDeclined(),
    ctx.directory.clock.now(),
    flow.correlationId,
    {
      admin_consent: 'True',
      ...(user ? { tenant: user.tenantId } : {}),
    },
  );
}

function target(r: AdminConsentFlow['request']): ReplyTarget {
  return { redirectUri: r.redirectUri, state: r.state, responseMode: 'query' };
}

function adminConsentNames(flow: AdminConsentFlow): string[] {
  const names = flow.request.scopes.resource.names;
  const roles = flow.request.scopes.resource.isDefault ? flow.request.client.requiredGraphRoles : [];
  return [...names, ...roles.map((r) => `${r} (application permission)`)];
}

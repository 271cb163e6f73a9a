import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import type { EmuRequest, EmuResponse } from '../http.js';
import { AuthorizeFailure, parseAuthorizeRequest, type AuthorizeRequest } from './authorize-request.js';
import type { BrowserSession } from './browser-state.js';
import { missingConsent, recordAdminConsent, recordUserConsent, userMayConsent } from './consent.js';
import { aadsts, describe, newTrace, type EntraError } from './errors.js';
import type { EntraBrowserState, Flow } from './flows.js';
import { describePermission } from './graph-permissions.js';
import { consentPage, errorPage, needAdminApprovalPage } from './pages.js';
import { errorReply, reply } from './reply.js';
import { currentSession, segmentPath, signInView } from './session-user.js';

/**
 * GET /{tenant}/oauth2/v2.0/authorize and the steps after it: sign in (unless a session exists), then
 * consent (the user's own, or "Need admin approval" when the tenant or a scope reserves it to
 * administrators), then back to the app with `code`, `state` and `session_state`.
 */
type AuthorizeFlow = Extract<Flow, { kind: 'authorize' }>;

export function startAuthorize(ctx: EmulatorContext, st: EntraBrowserState, req: EmuRequest): EmuResponse {
  const correlationId = req.url.searchParams.get('client-request-id') ?? undefined;
  let request: AuthorizeRequest;
  try {
    request = parseAuthorizeRequest(ctx.directory, req.params.tenant!, req.url.searchParams);
  } catch (err) {
    if (!(err instanceof AuthorizeFailure)) throw err;
    return failure(ctx, err.error, err.reply, correlationId);
  }
  const flow: AuthorizeFlow = { kind: 'authorize', request, correlationId };
  const flowId = st.flows.create(flow, ctx.directory.clock.now());
  return continueAuthorize(ctx, st, flowId, flow, currentSession(ctx, st, req));
}

export function continueAuthorize(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AuthorizeFlow,
  signedIn: { session: BrowserSession; user: DirectoryUser } | undefined,
): EmuResponse {
  const r = flow.request;
  const fail = (err: EntraError) => {
    st.flows.delete(flowId);
    return errorReply(ctx.origin, r, err, ctx.directory.clock.now(), flow.correlationId);
  };
  const signedInHere = signedIn !== undefined && flow.userId === signedIn.user.id;
  if (!signedIn || (!signedInHere && !sessionFits(ctx, r, signedIn.user))) {
    return r.prompt === 'none' ? fail(aadsts.loginRequired()) : signInView(flowId, flow);
  }
  const { user, session } = signedIn;
  flow.userId = user.id;
  flow.sessionId = session.id;
  const tenant = ctx.directory.getTenant(user.tenantId)!;
  if (r.tenant.kind === 'tenant' && r.tenant.tenant.id !== user.tenantId) {
    return fail(aadsts.userNotInTenant(user.userPrincipalName, r.tenant.tenant.displayName, r.client.appId));
  }
  const resource = r.scopes.resource;
  if (r.prompt === 'admin_consent') {
    return user.isAdmin
      ? consentView(flowId, flow, user, resource.names, 'organization')
      : approvalView(flowId, flow, user);
  }
  const missing = missingConsent(ctx.directory, r.client, user, resource);
  if (missing.length === 0 && r.prompt !== 'consent') return issueCode(ctx, st, flowId, flow, user, session);
  if (r.prompt === 'none') return fail(aadsts.consentRequired(r.client.appId, r.client.displayName));
  const asked = r.prompt === 'consent' ? resource.names : missing;
  if (!userMayConsent(tenant, user, resource, asked)) return approvalView(flowId, flow, user);
  return consentView(flowId, flow, user, asked, user.isAdmin ? 'offer-organization' : 'user');
}

/** POST /{tenant}/Consent/Set for an authorization request. */
export function decideAuthorizeConsent(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AuthorizeFlow,
  signedIn: { session: BrowserSession; user: DirectoryUser },
  form: URLSearchParams,
): EmuResponse {
  const r = flow.request;
  const { user, session } = signedIn;
  if (form.get('decision') !== 'accept') {
    st.flows.delete(flowId);
    return errorReply(ctx.origin, r, aadsts.userDeclined(), ctx.directory.clock.now(), flow.correlationId);
  }
  const tenant = ctx.directory.getTenant(user.tenantId)!;
  const forOrganization = r.prompt === 'admin_consent' || form.get('consent_on_behalf') === 'true';
  if (forOrganization && user.isAdmin) {
    recordAdminConsent(ctx.directory, r.client, tenant, r.scopes.resource);
  } else if (userMayConsent(tenant, user, r.scopes.resource, r.scopes.resource.names)) {
    recordUserConsent(ctx.directory, r.client, user, r.scopes.resource);
  } else {
    // A hand-made "accept" from a user who may not consent changes nothing.
    return approvalView(flowId, flow, user);
  }
  return issueCode(ctx, st, flowId, flow, user, session);
}

/** POST from "Request approval": records the admin-consent request and tells the app as Entra does. */
export function requestApproval(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AuthorizeFlow,
  user: DirectoryUser,
  justification: string,
): EmuResponse {
  const r = flow.request;
  ctx.directory.addConsentRequest({
    tenantId: user.tenantId,
    clientId: r.client.appId,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    scopes: r.scopes.resource.names,
    justification: justification.slice(0, 1000),
  });
  st.flows.delete(flowId);
  return errorReply(
    ctx.origin,
    r,
    aadsts.adminConsentRequested(),
    ctx.directory.clock.now(),
    flow.correlationId,
  );
}

function issueCode(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  flowId: string,
  flow: AuthorizeFlow,
  user: DirectoryUser,
  session: BrowserSession,
): EmuResponse {
  const r = flow.request;
  const code = ctx.directory.issueCode({
    clientId: r.client.appId,
    redirectUri: r.redirectUri,
    userId: user.id,
    tenantId: user.tenantId,
    scopes: r.rawScopes,
    codeChallenge: r.codeChallenge,
    nonce: r.nonce,
    authTime: session.createdAt,
  });
  st.flows.delete(flowId);
  return reply(r, { code, state: r.state, session_state: session.sessionState });
}

/** Whether an existing session may answer this request without showing the sign-in page. */
function sessionFits(ctx: EmulatorContext, r: AuthorizeRequest, user: DirectoryUser): boolean {
  if (r.prompt === 'login' || r.prompt === 'select_account') return false;
  if (r.loginHint && r.loginHint.toLowerCase() !== user.userPrincipalName.toLowerCase()) return false;
  if (r.domainHint) {
    const hinted = ctx.directory.findTenantByDomain(r.domainHint);
    if (hinted && hinted.id !== user.tenantId) return false;
  }
  return true;
}

function consentView(
  flowId: string,
  flow: AuthorizeFlow,
  user: DirectoryUser,
  names: string[],
  mode: 'user' | 'offer-organization' | 'organization',
): EmuResponse {
  const r = flow.request;
  const oidc = [...r.scopes.oidc].filter((s) => s !== 'openid');
  return consentPage({
    action: `/${segmentPath(r.tenant)}/Consent/Set`,
    flowId,
    appName: r.client.displayName,
    userPrincipalName: user.userPrincipalName,
    permissions: [...new Set([...names, ...oidc].map(describePermission))],
    offerOrganizationConsent: mode === 'offer-organization',
    forOrganization: mode === 'organization',
  });
}

function approvalView(flowId: string, flow: AuthorizeFlow, user: DirectoryUser): EmuResponse {
  const r = flow.request;
  const path = segmentPath(r.tenant);
  return needAdminApprovalPage({
    appName: r.client.displayName,
    userPrincipalName: user.userPrincipalName,
    message: `${r.client.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
    request: { action: `/${path}/oauth2/v2.0/authorize/request-approval`, flowId },
    returnUrl: `/${path}/oauth2/v2.0/authorize/return?flow=${encodeURIComponent(flowId)}`,
  });
}

function failure(
  ctx: EmulatorContext,
  err: EntraError,
  target: AuthorizeFailure['reply'],
  correlationId: string | undefined,
): EmuResponse {
  const now = ctx.directory.clock.now();
  if (target) return errorReply(ctx.origin, target, err, now, correlationId);
  return errorPage({
    title: "Sorry, but we're having trouble signing you in.",
    description: describe(err, newTrace(correlationId, now)),
  });
}

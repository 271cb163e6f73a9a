import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import { parseCookies } from '../../bot/server/cookies.js';
import type { EmuRequest, EmuResponse } from '../http.js';
import { SESSION_COOKIE, type BrowserSession } from './browser-state.js';
import type { EntraBrowserState, Flow } from './flows.js';
import { signInPage } from './pages.js';
import type { TenantSegment } from './tenant-segment.js';

/** The signed-in user of a browser, if its session cookie is live and not revoked since sign-in. */
export function currentSession(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  req: EmuRequest,
): { session: BrowserSession; user: DirectoryUser } | undefined {
  const session = st.sessions.get(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
  const user = session ? ctx.directory.findUserById(session.userId) : undefined;
  if (!session || !user || session.createdAt < ctx.directory.validFrom(user.id)) return undefined;
  return { session, user };
}

/** The session that signed in during this flow, so a form post from another browser is not trusted. */
export function flowSession(
  ctx: EmulatorContext,
  st: EntraBrowserState,
  req: EmuRequest,
  flow: Flow,
): { session: BrowserSession; user: DirectoryUser } | undefined {
  const current = currentSession(ctx, st, req);
  return current && current.session.id === flow.sessionId ? current : undefined;
}

export function segmentPath(tenant: TenantSegment): string {
  return tenant.kind === 'tenant' ? tenant.tenant.id : tenant.kind;
}

export function signInView(flowId: string, flow: Flow, error?: string): EmuResponse {
  return signInPage({
    action: `/${segmentPath(flow.request.tenant)}/login`,
    flowId,
    appName: flow.request.client.displayName,
    loginHint: flow.kind === 'authorize' ? flow.request.loginHint : undefined,
    error,
  });
}

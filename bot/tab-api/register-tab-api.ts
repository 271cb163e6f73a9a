import type { Server } from 'restify';
import { registerActionRoutes } from './routes/actions.js';
import { routeKit, type TabApiDeps } from './routes/context.js';
import { registerMeRoutes } from './routes/me.js';
import { registerPrivacyRoutes } from './routes/privacy.js';
import { registerTenantRoutes } from './routes/tenant.js';

export type { TabApiDeps };

/**
 * Mounts the tab's JSON API under /api/me and /api/tenant. Every route authenticates the bearer token
 * first and takes the tenant from it, never from the request.
 *
 * Live updates are polling, not server-sent events: EventSource cannot send an Authorization header,
 * so SSE would need the token in the URL (which lands in logs and history) or a cookie session we do
 * not otherwise need; polling also works unchanged behind a load balancer across stateless processes.
 * The tab polls every 15 s while visible and faster while a sync is running.
 */
export function registerTabApi(server: Server, deps: TabApiDeps): void {
  const kit = routeKit(server, deps);
  registerMeRoutes(kit);
  registerActionRoutes(kit);
  registerPrivacyRoutes(kit);
  registerTenantRoutes(kit);
}

import type { Request, Server } from 'restify';
import type { Logger } from '../../logging/logger.js';
import type { Store } from '../../store/store.js';
import type { AccountCommands } from '../account-commands.js';
import type { ItAdminRef } from '../../access/it-admin.js';
import { isTenantViewer, resolvePrincipal, type Principal } from '../caller/principal.js';
import type { TokenValidator } from '../caller/token-validator.js';
import { handle, type Reply } from '../handler.js';
import { forbidden } from '../http-errors.js';

export interface ReconnectLinkInput {
  accountId: string;
  tenantId: string;
  objectId: string;
  loginHint: string;
}

/** What the tab API needs from the server's main. */
export interface TabApiDeps {
  store: Store;
  logger: Logger;
  validator: TokenValidator;
  /** IT_ADMINS: (tenant id, object id) pairs. */
  itAdmins: readonly ItAdminRef[];
  commands: AccountCommands;
  /** Mints the enablement sign-in link "Reconnect" opens; without it the tab offers no link. */
  reconnectLink?: (input: ReconnectLinkInput) => Promise<string>;
  now?: () => Date;
}

export type Authed = (principal: Principal, req: Request) => Promise<Reply>;

export interface RouteKit {
  deps: TabApiDeps;
  now(): Date;
  get(path: string, fn: Authed): void;
  post(path: string, fn: Authed): void;
  put(path: string, fn: Authed): void;
}

export function routeKit(server: Server, deps: TabApiDeps): RouteKit {
  const wrap = (fn: Authed) =>
    handle(deps.logger, async (req) => fn(await resolvePrincipal(req.headers.authorization, deps), req));
  return {
    deps,
    now: deps.now ?? (() => new Date()),
    get: (path, fn) => void server.get(path, wrap(fn)),
    post: (path, fn) => void server.post(path, wrap(fn)),
    put: (path, fn) => void server.put(path, wrap(fn)),
  };
}

export function requireCrmUser(p: Principal): NonNullable<Principal['crmUser']> {
  if (!p.crmUser) {
    throw forbidden(
      'not_a_crm_user',
      `No CRM user in ${p.tenantName} has the work e-mail ${p.email}. Ask your CRM administrator to check your user record.`,
    );
  }
  return p.crmUser;
}

export function requireTenantViewer(p: Principal): void {
  if (!isTenantViewer(p)) {
    throw forbidden(
      'not_an_administrator',
      `Only CRM administrators and IT administrators of ${p.tenantName} can see every user's sync.`,
    );
  }
}

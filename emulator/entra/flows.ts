import type { Application } from '../directory.js';
import type { AuthorizeRequest } from './authorize-request.js';
import type { FlowStore, SessionStore } from './browser-state.js';
import type { ParsedScopes } from './scopes.js';
import type { TenantSegment } from './tenant-segment.js';

/** A browser's request in progress: a sign-in for a code, or an administrator's tenant-wide consent. */
export interface AdminConsentParams {
  tenant: TenantSegment;
  client: Application;
  redirectUri: string;
  state?: string;
  rawScope: string;
  scopes: ParsedScopes;
}

interface FlowCommon {
  /** Who signed in during this flow, and with which session. */
  userId?: string;
  sessionId?: string;
  correlationId?: string;
}

export type Flow =
  | (FlowCommon & { kind: 'authorize'; request: AuthorizeRequest })
  | (FlowCommon & { kind: 'adminconsent'; request: AdminConsentParams });

export interface EntraBrowserState {
  sessions: SessionStore;
  flows: FlowStore<Flow>;
}

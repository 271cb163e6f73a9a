/**
 * The JSON the tab API answers with. Types only, so the tab imports this file without pulling server
 * code into its bundle; the server builds these shapes and the tab renders them.
 */

export type ResourceKind = 'mail' | 'diary';

/** What the health tab shows for one resource; `off` is "not syncing because sync is not on". */
export type HealthStatus =
  'healthy' | 'syncing' | 'throttled' | 'needs_reconnect' | 'failing' | 'paused' | 'waiting' | 'off';

export interface ApiError {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

export interface MeResponse {
  tenant: { id: string; name: string };
  /** The Microsoft 365 address from the token (UPN). */
  email: string;
  /** Null when no CRM user has this work e-mail in this tenant. */
  crmUser: { id: string; displayName: string; workEmail: string } | null;
  roles: { crmAdmin: boolean; itAdmin: boolean; tenantViewer: boolean };
}

export interface StateDescription {
  state: string;
  title: string;
  detail: string;
  /** The same next action the bot offers; the tab turns `reconnect` and `resume` into controls. */
  nextAction: { kind: string; label: string };
}

export interface SyncError {
  at: string;
  code: string | null;
  /** Plain words; the raw message stays server-side. */
  reason: string;
}

export interface ResourceHealth {
  resource: ResourceKind;
  enabled: boolean;
  status: HealthStatus;
  /** Plain words for the status (health-model.ts); for a resource that is off, why. */
  statusText: string;
  progress: { done: number; estimate: number | null } | null;
  throttledUntil: string | null;
  lastSuccessAt: string | null;
  lastSuccessAgeSeconds: number | null;
  itemsToday: number;
  itemsTotal: number;
  lastErrors: SyncError[];
  nextRunAt: string | null;
}

export interface HourlyPoint {
  /** Start of the hour, ISO UTC. */
  hour: string;
  mail: number;
  diary: number;
}

export interface SkippedItem {
  at: string;
  resource: ResourceKind;
  reason: string;
  reasonText: string;
  summary: string;
}

/** One CRM appointment whose Outlook side needs a look: a failed write, or a change that lost a conflict. */
export interface CrmDiaryNote {
  at: string;
  crmId: string;
  subject: string;
  /** `failed`: the write to Outlook failed; `conflict`: both sides changed and one change lost. */
  kind: 'failed' | 'conflict';
  /** Plain words: the error code, or which side's change lost and what it was. */
  text: string;
}

/** CRM appointments written to the user's Outlook calendar (outbound), next to the diary read from it. */
export interface CrmDiaryHealth {
  /** Appointments whose latest version is in Outlook. */
  inOutlook: number;
  /** Appointments waiting to be written (created, changed or removed in the CRM since the last write). */
  waiting: number;
  /** Appointments whose last write failed. */
  failed: number;
  /** Changes that came back from Outlook into the CRM. */
  fromOutlook: number;
  notes: CrmDiaryNote[];
}

export interface MyHealthResponse {
  generatedAt: string;
  state: StateDescription;
  /** Null when the user has never started enabling sync. */
  account: { id: string; state: string; paused: boolean } | null;
  /**
   * A fresh single-use sign-in link (valid 10 minutes) when the next action is to reconnect; part of
   * the polled health answer so the link on screen is never stale.
   */
  reconnectUrl: string | null;
  resources: ResourceHealth[];
  hourly: HourlyPoint[];
  skipped: SkippedItem[];
  /** Null without an account. */
  crmDiary: CrmDiaryHealth | null;
}

export interface ActionResponse {
  ok: true;
  state: string;
  nextRunAt: string | null;
  message: string;
  /** After "disable and remove": how many events Cloud Sync had written from CRM appointments it removed. */
  calendarEventsRemoved?: number;
}

export type PrivateMailChoice = 'skip' | 'metadata';

export interface PrivacySettings {
  blocklist: string[];
  privateMail: PrivateMailChoice;
}

/** PUT /api/me/privacy: the settings saved, and what was already copied from the entries just added. */
export interface PrivacySaveResult extends PrivacySettings {
  alreadyCopied: { entries: string[]; mail: number; diary: number };
}

/** POST /api/me/privacy/remove-copied: what was taken out of the CRM. */
export interface RemoveCopiedResult {
  removed: { mail: number; diary: number };
}

export interface TenantUserRow {
  crmUserId: string;
  displayName: string;
  email: string;
  crmAdmin: boolean;
  visible: boolean;
  state: string;
  stateTitle: string;
  mail: HealthStatus;
  diary: HealthStatus;
  mailText: string;
  diaryText: string;
  /** The oldest last successful check of what is switched on; null until each has had one. */
  lastSyncAt: string | null;
  freshnessSeconds: number | null;
  errors24h: number;
}

export interface TenantUsersResponse {
  generatedAt: string;
  users: TenantUserRow[];
}

export interface ApprovalRow {
  id: string;
  createdAt: string;
  requestedScopes: string[];
  users: { displayName: string; email: string; justification: string | null; requestedAt: string }[];
}

export interface TenantApprovalsResponse {
  approvals: ApprovalRow[];
}

export interface TenantStatsResponse {
  generatedAt: string;
  totals: {
    users: number;
    visible: number;
    active: number;
    paused: number;
    needsReconnect: number;
    failing: number;
    itemsToday: number;
    errors24h: number;
  };
  hourly: { hour: string; items: number; errors: number }[];
}

/** What POST /auth/tab/callback answers to the auth-end page. */
export interface TabSignInResponse {
  accessToken: string;
  expiresOn: string | null;
}

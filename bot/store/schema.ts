/**
 * The store's tables as Kysely sees them. One schema serves SQLite and PostgreSQL, so every column uses
 * a representation that reads back identically from both drivers:
 *
 * - Timestamps are `IsoTimestamp` TEXT: ISO-8601 UTC with exactly three fractional digits
 *   (`2025-01-31T09:05:00.000Z`, what `Date.prototype.toISOString` writes; see `nowIso`). The fixed
 *   width makes string order equal time order, so range queries and `ORDER BY` work on both dialects
 *   without native date types (pg would hand back Date objects, SQLite strings).
 * - Booleans are `Flag` INTEGER 0/1 with a CHECK constraint (pg `boolean` would read back as true/false
 *   but SQLite as 0/1).
 * - JSON is `JsonText<T>` TEXT written by `toJsonText` and read by `fromJsonText` (pg `jsonb` would be
 *   parsed by the driver, SQLite's would not).
 * - Columns with a database default are `Generated<...>`: optional on insert.
 * - Ids are TEXT (UUIDs from `newId`, or the external id such as the Entra tenant id), counts are
 *   INTEGER. E-mail addresses are stored lowercased (a CHECK enforces it) so equality is
 *   case-insensitive on both dialects.
 */
import type { Generated } from 'kysely';
import { ENABLEMENT_STATES, type EnablementState } from '../enablement/core/states.js';

/** ISO-8601 UTC, millisecond precision, `Z` suffix. */
export type IsoTimestamp = string;
export type Flag = 0 | 1;

declare const jsonBrand: unique symbol;
/** A TEXT column holding JSON of type T; produced only by `toJsonText`. */
export type JsonText<T> = string & { readonly [jsonBrand]: T };

/** The account's enablement state: the pure state machine owns the list, the column stores it. */
export const SYNC_ACCOUNT_STATES = ENABLEMENT_STATES;
export type SyncAccountState = EnablementState;

export const CONTACT_KINDS = ['candidate', 'client', 'other'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export const APPROVAL_STATUSES = ['pending', 'granted', 'declined'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const CONVERSATION_KINDS = ['personal', 'channel', 'groupChat'] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];

/**
 * `exclude`: private/confidential mail is skipped (the default: what a person marked private stays out
 * of the CRM unless they choose otherwise); `include`: it is filed.
 */
export const PRIVATE_MAIL_POLICIES = ['exclude', 'include'] as const;
export type PrivateMailPolicy = (typeof PRIVATE_MAIL_POLICIES)[number];

export const MAIL_DIRECTIONS = ['sent', 'received'] as const;
export type MailDirection = (typeof MAIL_DIRECTIONS)[number];

export const SYNC_RUN_STATUSES = ['running', 'succeeded', 'failed', 'throttled', 'cancelled'] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

/** Why an item was not filed; the sync worker may add reasons here. Not constrained in the database. */
export type SyncSkipReason =
  | 'private'
  | 'confidential'
  | 'sensitivity_unknown'
  | 'blocklisted'
  | 'no_crm_contact'
  | 'internal'
  | 'outside_window'
  | 'invalid';

/** 'mail:<folder>' (e.g. 'mail:inbox', 'mail:sentitems') or 'diary'. */
export type SyncResource = string;

export interface TenantsTable {
  /** The Entra tenant id. */
  id: string;
  name: string;
  domains: Generated<JsonText<string[]>>;
  it_channel_ref_key: string | null;
  purge_on_disable: Generated<Flag>;
  /** Addresses or domains (`@example.com`) never filed for anyone in the tenant. */
  tenant_blocklist: Generated<JsonText<string[]>>;
  consent_granted_at: IsoTimestamp | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface CrmUsersTable {
  id: string;
  tenant_id: string;
  work_email: string;
  display_name: string;
  is_admin: Generated<Flag>;
  cloud_sync_visible: Generated<Flag>;
  teams_user_aad_id: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface CrmContactsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  kind: ContactKind;
  organisation: string | null;
  external_ref: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface CrmContactEmailsTable {
  contact_id: string;
  tenant_id: string;
  email: string;
}

export interface SyncAccountsTable {
  id: string;
  tenant_id: string;
  crm_user_id: string;
  state: SyncAccountState;
  state_reason: string | null;
  ms_tenant_id: string | null;
  ms_object_id: string | null;
  ms_upn: string | null;
  /** Every address of the mailbox (primary SMTP and aliases), lowercased. */
  ms_addresses: Generated<JsonText<string[]>>;
  mail_enabled: Generated<Flag>;
  diary_enabled: Generated<Flag>;
  personal_blocklist: Generated<JsonText<string[]>>;
  private_mail_policy: Generated<PrivateMailPolicy>;
  next_run_at: IsoTimestamp | null;
  throttled_until: IsoTimestamp | null;
  last_synced_at: IsoTimestamp | null;
  consecutive_failures: Generated<number>;
  /** When the next mailbox read is due; next_run_at may be sooner for subscription upkeep. */
  delta_due_at: IsoTimestamp | null;
  /** A change notification (or "sync now") asked for a mailbox read. */
  delta_requested: Generated<Flag>;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface TokenCachesTable {
  /** Whatever key the caller partitions caches by; the sync account id by convention. */
  account_key: string;
  /** Vault envelope, base64 (see bot/vault/token-cipher.ts). */
  ciphertext: string;
  /** Fingerprint of the key that encrypted this row, so rotated keys can be told apart. */
  key_id: string;
  updated_at: IsoTimestamp;
}

export interface ApprovalRequestsTable {
  id: string;
  tenant_id: string;
  status: ApprovalStatus;
  requested_scopes: Generated<JsonText<string[]>>;
  card_conversation_key: string | null;
  card_activity_id: string | null;
  decided_by: string | null;
  decided_at: IsoTimestamp | null;
  decline_reason: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface ApprovalRequestUsersTable {
  request_id: string;
  crm_user_id: string;
  justification: string | null;
  requested_at: IsoTimestamp;
  /** When the user was told the outcome, so each waiting user is told once. */
  notified_at: IsoTimestamp | null;
}

export interface ConversationRefsTable {
  key: string;
  tenant_id: string;
  kind: ConversationKind;
  aad_object_id: string | null;
  /** The botbuilder ConversationReference, as given. */
  reference: JsonText<Record<string, unknown>>;
  updated_at: IsoTimestamp;
  /** Personal chats: the IANA zone the user's last activity carried (`localTimezone`), if any. */
  time_zone: string | null;
}

export interface SyncCursorsTable {
  account_id: string;
  resource: SyncResource;
  delta_link: string | null;
  window_start: IsoTimestamp | null;
  window_end: IsoTimestamp | null;
  /** The link's round is complete (a deltaLink), not a nextLink partway through a round. */
  round_complete: Generated<Flag>;
  /** The baseline generation the cursor's round stamps links with; null for an incremental round. */
  baseline_generation: number | null;
  updated_at: IsoTimestamp;
}

export interface GraphSubscriptionsTable {
  /** The subscription id Graph returned. */
  id: string;
  account_id: string;
  resource: SyncResource;
  /** SHA-256 (hex) of the clientState sent to Graph; notifications are checked against it. */
  client_state_hash: string;
  expires_at: IsoTimestamp;
  /** Created or last renewed: Graph's reauthorization challenges count from here. */
  authorized_at: IsoTimestamp | null;
  /** The last notification of any kind Graph delivered for it. */
  last_heard_at: IsoTimestamp | null;
  /** Graph sent reauthorizationRequired and the next run should renew it. */
  reauthorize_requested: Generated<Flag>;
  /** A change notification came for it since its resource was last read. */
  change_pending: Generated<Flag>;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

/**
 * One CRM e-mail per internetMessageId per tenant. No body or body preview is kept: health views and
 * "why didn't this sync" need headers only, the content stays in the mailbox (reachable through the
 * owner's immutable Graph id), and a copied database file then leaks no message content.
 */
export interface MailItemsTable {
  id: string;
  tenant_id: string;
  internet_message_id: string;
  subject: string | null;
  sent_at: IsoTimestamp | null;
  from_address: string | null;
  to_addresses: Generated<JsonText<string[]>>;
  cc_addresses: Generated<JsonText<string[]>>;
  sensitivity: string | null;
  /** Orders copies of the item: an upsert only ever moves it forward (see bot/sync/core/store-ops.ts). */
  version: Generated<string>;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface MailItemOwnersTable {
  mail_item_id: string;
  account_id: string;
  graph_message_id: string;
  folder: string;
  direction: MailDirection;
  version: Generated<string>;
  /** When the message left this folder; the link stays for history. */
  left_at: IsoTimestamp | null;
  /** The baseline that last listed the link (see bot/sync/core/baseline.ts). */
  baseline_generation: number | null;
}

export interface MailItemContactsTable {
  mail_item_id: string;
  contact_id: string;
}

export interface DiaryAttendee {
  address: string;
  name?: string;
  type?: string;
  response?: string;
}

export interface DiaryItemsTable {
  id: string;
  tenant_id: string;
  ical_uid: string;
  /** The occurrence's original start (the event's start for a single event). */
  occurrence_start: IsoTimestamp;
  subject: string | null;
  start_at: IsoTimestamp;
  end_at: IsoTimestamp;
  location: string | null;
  is_cancelled: Generated<Flag>;
  organizer: string | null;
  attendees: Generated<JsonText<DiaryAttendee[]>>;
  series_master_id: string | null;
  is_all_day: Generated<Flag>;
  sensitivity: string | null;
  version: Generated<string>;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface DiaryItemOwnersTable {
  diary_item_id: string;
  account_id: string;
  graph_event_id: string;
  role: Generated<'organizer' | 'attendee'>;
  version: Generated<string>;
  /** When the entry left this calendar; the link stays for history. */
  removed_at: IsoTimestamp | null;
  baseline_generation: number | null;
}

export interface DiaryItemContactsTable {
  diary_item_id: string;
  contact_id: string;
}

export interface SyncSkipsTable {
  id: string;
  account_id: string;
  resource: SyncResource;
  graph_id: string;
  reason: SyncSkipReason;
  /** Body-free description (sender, date; no subject for private items). */
  summary: string;
  at: IsoTimestamp;
}

export interface SyncRunsTable {
  id: string;
  account_id: string;
  resource: SyncResource;
  started_at: IsoTimestamp;
  ended_at: IsoTimestamp | null;
  status: SyncRunStatus;
  added: Generated<number>;
  updated: Generated<number>;
  removed: Generated<number>;
  skipped: Generated<JsonText<Partial<Record<SyncSkipReason, number>>>>;
  requests: Generated<number>;
  throttled_ms: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  progress_done: Generated<number>;
  progress_estimate: number | null;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string | null;
  /** Who did it: a CRM user id, 'system', 'crm-import', 'worker'... */
  actor: string;
  action: string;
  /** What it was done to, e.g. a sync account or CRM user id. */
  subject: string | null;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  at: IsoTimestamp;
}

/** A browser sign-in in flight (migration 0003); the PKCE verifier is sealed by the vault. */
export interface SignInAttemptsTable {
  id: string;
  ticket_jti: string;
  account_id: string;
  code_verifier: string;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
  completed_at: IsoTimestamp | null;
}

/** A sign-in that only reads who a Teams user is in Microsoft 365 (migration 0005). */
export interface IdentitySignInAttemptsTable {
  id: string;
  ticket_jti: string;
  teams_tenant_id: string;
  teams_object_id: string;
  code_verifier: string;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
  completed_at: IsoTimestamp | null;
}

export const IDENTITY_REQUEST_STATUSES = ['pending', 'asked', 'resolved'] as const;
export type IdentityRequestStatus = (typeof IDENTITY_REQUEST_STATUSES)[number];

/**
 * A Teams user the CRM could not match (no `crm_user_id`), or whose sign-in did not match their CRM
 * work e-mail (`crm_user_id` set): the addresses tried and the one suggested to CRM administrators.
 */
export interface IdentityRequestsTable {
  id: string;
  tenant_id: string;
  teams_object_id: string;
  teams_name: string;
  addresses_tried: JsonText<string[]>;
  suggested_address: string;
  crm_user_id: string | null;
  status: IdentityRequestStatus;
  asked_at: IsoTimestamp | null;
  resolved_at: IsoTimestamp | null;
  /** How it was settled, as every administrator's card shows it (migration 0011). */
  resolution: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export const VISIBILITY_REQUEST_STATUSES = ['open', 'granted', 'declined'] as const;
export type VisibilityRequestStatus = (typeof VISIBILITY_REQUEST_STATUSES)[number];

/** A user's "Ask my administrator" (migration 0011): one open per CRM user, then the decision. */
export interface VisibilityRequestsTable {
  id: string;
  tenant_id: string;
  crm_user_id: string;
  status: VisibilityRequestStatus;
  asked_at: IsoTimestamp;
  /** The deciding administrator's name, as every card for the request shows it. */
  decided_by: string | null;
  decided_at: IsoTimestamp | null;
  updated_at: IsoTimestamp;
}

export type RequestCardKind = 'visibility' | 'identity';

/** A card posted to a CRM administrator for a request (migration 0011), so a decision redraws it. */
export interface RequestCardsTable {
  request_kind: RequestCardKind;
  request_id: string;
  /** The stored conversation reference the card went to. */
  conversation_key: string;
  activity_id: string;
  /** The recipient's Teams user id (MRI), for the card's refresh `userIds`. */
  recipient_id: string | null;
  recipient_name: string;
  posted_at: IsoTimestamp;
}

/** A single-use signed link already used (migration 0006), by its jti. */
export interface UsedLinkStatesTable {
  jti: string;
  purpose: string;
  used_at: IsoTimestamp;
  expires_at: IsoTimestamp;
}

/** A CRM service credential (migration 0008): only its SHA-256 is kept, and its last characters as a hint. */
export interface CrmServiceKeysTable {
  id: string;
  tenant_id: string;
  key_hash: string;
  key_hint: string;
  created_at: IsoTimestamp;
  revoked_at: IsoTimestamp | null;
}

/** Someone at a CRM appointment: a CRM contact (by its id) or a bare address. */
export interface CrmAttendee {
  address: string;
  name: string | null;
  contactId: string | null;
}

/**
 * An appointment of the CRM's own diary (migration 0008), keyed by the CRM's id within its tenant.
 * `version` goes up by one with every change; `removed_at` marks a removal the calendar must follow.
 */
export interface CrmAppointmentsTable {
  id: string;
  tenant_id: string;
  crm_id: string;
  owner_crm_user_id: string;
  subject: string;
  start_at: IsoTimestamp;
  end_at: IsoTimestamp;
  /** IANA time zone the appointment was booked in (how Outlook shows it). */
  time_zone: string;
  location: string | null;
  attendees: Generated<JsonText<CrmAttendee[]>>;
  invite_attendees: Generated<Flag>;
  notes: string | null;
  version: Generated<number>;
  changed_at: IsoTimestamp;
  removed_at: IsoTimestamp | null;
  outlook_event_id: string | null;
  outlook_ical_uid: string | null;
  /** The CRM version last written to Outlook (migration 0009). */
  outlook_written_version: number | null;
  /** The changeKey Graph gave our last write: the same changeKey in a delta item is our own echo. */
  outlook_change_key: string | null;
  /** The transactionId reserved before a create, so a retry after a crash sends the same one. */
  outlook_create_key: string | null;
  outbound_error: string | null;
  outbound_failed_at: IsoTimestamp | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export const CRM_APPOINTMENT_SOURCES = ['crm', 'outlook'] as const;
export type CrmAppointmentSource = (typeof CRM_APPOINTMENT_SOURCES)[number];

/** What happened to an appointment, by which side, at which version. */
export interface CrmAppointmentHistoryTable {
  id: string;
  appointment_id: string;
  at: IsoTimestamp;
  source: CrmAppointmentSource;
  change: string;
  version: number;
  detail: Generated<JsonText<Record<string, unknown>>>;
}

export interface JobLeasesTable {
  account_id: string;
  owner: string;
  lease_until: IsoTimestamp;
  heartbeat_at: IsoTimestamp;
}

export interface Database {
  tenants: TenantsTable;
  crm_users: CrmUsersTable;
  crm_contacts: CrmContactsTable;
  crm_contact_emails: CrmContactEmailsTable;
  sync_accounts: SyncAccountsTable;
  token_caches: TokenCachesTable;
  approval_requests: ApprovalRequestsTable;
  approval_request_users: ApprovalRequestUsersTable;
  conversation_refs: ConversationRefsTable;
  sync_cursors: SyncCursorsTable;
  graph_subscriptions: GraphSubscriptionsTable;
  mail_items: MailItemsTable;
  mail_item_owners: MailItemOwnersTable;
  mail_item_contacts: MailItemContactsTable;
  diary_items: DiaryItemsTable;
  diary_item_owners: DiaryItemOwnersTable;
  diary_item_contacts: DiaryItemContactsTable;
  sync_skips: SyncSkipsTable;
  sync_runs: SyncRunsTable;
  audit_log: AuditLogTable;
  job_leases: JobLeasesTable;
  sign_in_attempts: SignInAttemptsTable;
  identity_sign_in_attempts: IdentitySignInAttemptsTable;
  identity_requests: IdentityRequestsTable;
  visibility_requests: VisibilityRequestsTable;
  request_cards: RequestCardsTable;
  used_link_states: UsedLinkStatesTable;
  crm_service_keys: CrmServiceKeysTable;
  crm_appointments: CrmAppointmentsTable;
  crm_appointment_history: CrmAppointmentHistoryTable;
}

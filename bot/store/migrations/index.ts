import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as syncPageVersions from './0002-sync-page-versions.js';
import * as signInAttempts from './0003-sign-in-attempts.js';
import * as baselineGenerations from './0004-baseline-generations.js';
import * as identityRequests from './0005-identity-requests.js';
import * as usedLinkStates from './0006-used-link-states.js';
import * as unfilteredMailBaselines from './0007-unfiltered-mail-baselines.js';
import * as crmDiary from './0008-crm-diary.js';
import * as crmAppointmentOutlookState from './0009-crm-appointment-outlook-state.js';
import * as crmAdminRequests from './0011-crm-admin-requests.js';
import * as notificationHealth from './0012-notification-health.js';
import * as subscriptionChanges from './0013-subscription-changes.js';
import * as conversationTimeZones from './0014-conversation-time-zones.js';

/**
 * Every migration, in order. Static imports rather than a folder scan, so the list is the same under
 * tsx, the compiled build and any bundler.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-sync-page-versions': syncPageVersions,
  '0003-sign-in-attempts': signInAttempts,
  '0004-baseline-generations': baselineGenerations,
  '0005-identity-requests': identityRequests,
  '0006-used-link-states': usedLinkStates,
  '0007-unfiltered-mail-baselines': unfilteredMailBaselines,
  '0008-crm-diary': crmDiary,
  '0009-crm-appointment-outlook-state': crmAppointmentOutlookState,
  '0011-crm-admin-requests': crmAdminRequests,
  '0012-notification-health': notificationHealth,
  '0013-subscription-changes': subscriptionChanges,
  '0014-conversation-time-zones': conversationTimeZones,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

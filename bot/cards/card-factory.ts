import { signInUrl } from '../sign-in/sign-in-routes.js';
import { signCardRef } from './card-refs.js';
import { mailFolderName } from './format.js';
import { syncHealthLink } from './tab-link.js';
import type { AdaptiveCardJson } from './expand.js';
import {
  buildDeclinedCard,
  buildDisableConfirmationCard,
  buildDisableReceiptCard,
  buildIdentityMismatchCard,
  buildNotVisibleCard,
  buildReconnectCard,
  buildServiceActiveCard,
  buildSignInCard,
  buildStatusCard,
  buildWaitingForItCard,
  buildWelcomeCard,
  consentGrantedNotice,
  type NoticeTone,
} from './user-cards.js';
import type { UserNotice } from '../enablement/core/effects.js';
import { FALLBACK_TIME_ZONE } from '../teams/activity-time-zone.js';
import { personalTimeZone } from '../teams/conversation-refs-store.js';
import { loadAccountHealth } from '../sync-health/account-health.js';
import type { Store } from '../store/store.js';
import type { CrmUser, SyncAccount } from '../crm/crm-directory.js';
import { visibilityWaiting } from '../enablement/visibility-request-store.js';
import { askedAdmins, openIdentityRequestOf } from '../enablement/identity-requests.js';

/**
 * The user's cards with everything they carry filled in: signed account references, a fresh sign-in
 * link, the admin consent link, last sync times. Which card follows which event is decided here in one
 * place for the chat turn and for proactive notices alike.
 */

export interface CardFactoryDeps {
  store: Store;
  cardKey: Buffer;
  ticketKey: Uint8Array;
  publicUrl: string;
  /** Set in Teams: "Open Sync health" then deep-links to the app's tab (bot/cards/tab-link.ts). */
  teamsAppId?: string;
  scopes: readonly string[];
  mailFolders: readonly string[];
  diaryDaysBack: number;
  diaryDaysAhead: number;
  /**
   * Whether an IT channel will see the request, for a waiting user. The admin consent link is never
   * shown to them: it is IT's alone (SECURITY.md).
   */
  consentInfo(tenantId: string): Promise<{ itChannelKnown: boolean }>;
  now?: () => Date;
}

export interface Owner {
  account: SyncAccount;
  user: CrmUser;
}

export interface CardFactory {
  accountRef(owner: Owner): Promise<string>;
  stateCard(owner: Owner, notice?: string): Promise<AdaptiveCardJson>;
  noticeCard(owner: Owner, notice: UserNotice): Promise<AdaptiveCardJson>;
  signInCard(owner: Owner, notice?: string, noticeTone?: NoticeTone): Promise<AdaptiveCardJson>;
  statusCard(owner: Owner): Promise<AdaptiveCardJson>;
  /** With "remove" already chosen when the organisation's CRM says to remove on switch-off. */
  disableConfirmation(owner: Owner, removeByDefault: boolean): Promise<AdaptiveCardJson>;
  /** The owner's time zone, as recorded from their chat; UTC when none is known. */
  timeZoneOf(owner: Owner): Promise<string>;
  /** Where "Open Sync health" leads: the Teams tab in Teams, the web page outside it. */
  tabUrl: string;
}

/** "address_mismatch: signed in as x, expected y" is how the state machine words the audit reason. */
export function mismatchFromReason(
  reason: string | null,
):
  | { mismatch: 'address_mismatch' | 'different_directory_user'; signedIn: string; expected: string }
  | undefined {
  const m = /^(address_mismatch|different_directory_user): signed in as (.+), expected (.+)$/.exec(
    reason ?? '',
  );
  return m
    ? { mismatch: m[1] as 'address_mismatch' | 'different_directory_user', signedIn: m[2]!, expected: m[3]! }
    : undefined;
}

const REF_REUSE_MS = 10 * 60_000;
const REFS_KEPT = 10_000;

export function createCardFactory(deps: CardFactoryDeps): CardFactory {
  const now = deps.now ?? (() => new Date());
  const tabUrl = syncHealthLink({ publicUrl: deps.publicUrl, teamsAppId: deps.teamsAppId });

  // Signing (HMAC through WebCrypto) was a large share of a chat turn; a reference signed a few
  // minutes ago names the same account and expires only those minutes earlier than a fresh one.
  const signedRefs = new Map<string, { ref: Promise<string>; at: number }>();
  const accountRef = (o: Owner) => {
    const ref = {
      kind: 'account' as const,
      id: o.user.teamsAadObjectId ?? 'unbound',
      tenantId: o.account.tenantId,
    };
    const key = `${ref.tenantId}/${ref.id}`;
    const at = now().getTime();
    const known = signedRefs.get(key);
    if (known && at >= known.at && at - known.at < REF_REUSE_MS) return known.ref;
    if (signedRefs.size >= REFS_KEPT) signedRefs.delete(signedRefs.keys().next().value!);
    const signed = signCardRef(ref, { key: deps.cardKey, now: new Date(at) });
    signedRefs.delete(key);
    signedRefs.set(key, { ref: signed, at });
    signed.catch(() => {
      if (signedRefs.get(key)?.ref === signed) signedRefs.delete(key);
    });
    return signed;
  };

  /** The same health model as the tab and the Organisation view (bot/sync-health/health-model.ts). */
  async function resourceHealth(accountId: string) {
    const account = await deps.store.db
      .selectFrom('sync_accounts')
      .select(['id', 'state', 'mail_enabled', 'diary_enabled', 'next_run_at', 'throttled_until'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    return account ? (await loadAccountHealth(deps.store.db, account, now(), 0)).resources : [];
  }

  async function signInCard(o: Owner, notice?: string, noticeTone?: NoticeTone): Promise<AdaptiveCardJson> {
    const url = await signInUrl(
      { publicUrl: deps.publicUrl, ticketKey: deps.ticketKey },
      {
        accountId: o.account.id,
        tenantId: o.account.tenantId,
        aadObjectId: o.user.teamsAadObjectId ?? 'unbound',
        loginHint: o.user.workEmail,
      },
      now(),
    );
    return buildSignInCard({ signInUrl: url, scopes: deps.scopes, notice, noticeTone });
  }

  /**
   * The owner's own zone, recorded from their chat's activities (a chat turn records it before any card
   * is built), so a proactive card reads the same as one answering a turn.
   */
  async function zoneOf(o: Owner): Promise<string> {
    const who = { aadObjectId: o.user.teamsAadObjectId, email: o.user.workEmail };
    return (await personalTimeZone(deps.store.db, o.account.tenantId, who)) ?? FALLBACK_TIME_ZONE;
  }

  async function statusCard(o: Owner): Promise<AdaptiveCardJson> {
    return buildStatusCard({
      state: o.account.state,
      ref: await accountRef(o),
      resources: await resourceHealth(o.account.id),
      tabUrl,
      timeZone: await zoneOf(o),
    });
  }

  async function waitingCard(o: Owner): Promise<AdaptiveCardJson> {
    const info = await deps.consentInfo(o.account.tenantId);
    const own = await deps.store.db
      .selectFrom('approval_request_users as u')
      .innerJoin('approval_requests as r', 'r.id', 'u.request_id')
      .select('u.justification')
      .where('r.tenant_id', '=', o.account.tenantId)
      .where('r.status', '=', 'pending')
      .where('u.crm_user_id', '=', o.user.id)
      .executeTakeFirst();
    return buildWaitingForItCard({
      ref: await accountRef(o),
      itChannelKnown: info.itChannelKnown,
      justification: own?.justification ?? undefined,
    });
  }

  /** The mismatch card; once the user asked for a correction, when and who has it instead of the button. */
  async function mismatchCard(o: Owner): Promise<AdaptiveCardJson> {
    const m = mismatchFromReason(o.account.stateReason);
    const open = o.user.teamsAadObjectId
      ? await openIdentityRequestOf(deps.store.db, o.account.tenantId, o.user.teamsAadObjectId)
      : undefined;
    const asked = open ? await askedAdmins(deps.store.db, open) : undefined;
    return buildIdentityMismatchCard({
      ref: await accountRef(o),
      mismatch: m?.mismatch ?? 'address_mismatch',
      signedInAddress: m?.signedIn ?? 'another account',
      expectedAddress: m?.expected ?? o.user.workEmail,
      correctionRequested: asked !== undefined,
      asked,
      timeZone: await zoneOf(o),
    });
  }

  async function stateCard(o: Owner, notice?: string): Promise<AdaptiveCardJson> {
    switch (o.account.state) {
      case 'not_visible':
        return buildNotVisibleCard({
          ref: await accountRef(o),
          requested: await visibilityWaiting(deps.store.db, o.user.id),
          timeZone: await zoneOf(o),
        });
      case 'signing_in':
        return signInCard(o, notice);
      case 'awaiting_admin_consent':
        return waitingCard(o);
      case 'identity_mismatch':
        return mismatchCard(o);
      case 'active':
      case 'paused':
      case 'reconnect_required':
      case 'activating':
        return statusCard(o);
      default:
        return buildWelcomeCard({
          displayName: o.user.displayName,
          state: o.account.state,
          ref: await accountRef(o),
          notice,
          crmAdmin: o.user.isAdmin,
        });
    }
  }

  async function noticeCard(o: Owner, notice: UserNotice): Promise<AdaptiveCardJson> {
    const welcome = async (text: string, noticeTone: NoticeTone) =>
      buildWelcomeCard({
        displayName: o.user.displayName,
        state: o.account.state,
        ref: await accountRef(o),
        notice: text,
        crmAdmin: o.user.isAdmin,
        noticeTone,
      });
    switch (notice.kind) {
      case 'visibility_granted':
        return welcome('Your TriSys administrator has made Cloud Sync available to you.', 'good');
      case 'visibility_revoked':
        return welcome(
          notice.syncStopped
            ? 'Your TriSys administrator has withdrawn Cloud Sync for you, which stopped your sync: nothing new is copied into TriSys, and what was already copied stays there. If you still need it, press "Ask my administrator".'
            : 'Your TriSys administrator has withdrawn Cloud Sync for you.',
          'warning',
        );
      case 'sign_in':
        return signInCard(o);
      case 'work_email_corrected':
        return signInCard(
          o,
          `Your TriSys administrator changed your work e-mail to ${notice.address}. Sign in again to finish switching on Cloud Sync.`,
          'good',
        );
      case 'sign_in_failed':
        return welcome(
          notice.cancelled
            ? 'Sign-in was cancelled, so nothing changed.'
            : `Sign-in did not work: ${notice.reason}`,
          notice.cancelled ? 'warning' : 'attention',
        );
      case 'waiting_for_it':
        return waitingCard(o);
      case 'consent_granted':
        return signInCard(o, consentGrantedNotice, 'good');
      case 'consent_declined': {
        const decided = await deps.store.db
          .selectFrom('approval_requests')
          .select('decided_by')
          .where('tenant_id', '=', o.account.tenantId)
          .where('status', '=', 'declined')
          .orderBy('decided_at', 'desc')
          .executeTakeFirst();
        return buildDeclinedCard({
          ref: await accountRef(o),
          by: decided?.decided_by ?? 'IT',
          reason: notice.reason,
        });
      }
      case 'identity_mismatch':
        return buildIdentityMismatchCard({
          ref: await accountRef(o),
          mismatch: notice.mismatch,
          signedInAddress: notice.signedInAddress,
          expectedAddress: notice.expectedAddress,
          correctionRequested: false,
          timeZone: await zoneOf(o),
        });
      case 'service_active':
        return buildServiceActiveCard({
          email: o.user.workEmail,
          mailFolderNames: deps.mailFolders.map(mailFolderName),
          diaryDaysBack: deps.diaryDaysBack,
          diaryDaysAhead: deps.diaryDaysAhead,
          tabUrl,
        });
      case 'activation_failed':
        return welcome(`Cloud Sync could not be switched on: ${notice.reason}`, 'attention');
      case 'reconnect_required':
        return buildReconnectCard({ ref: await accountRef(o), cause: notice.cause });
      case 'paused':
      case 'resumed':
        return statusCard(o);
      case 'disabled':
        return buildDisableReceiptCard({
          retention: notice.retention,
          at: now(),
          timeZone: await zoneOf(o),
          calendarEventsRemoved: notice.calendarEventsRemoved ?? 0,
          removedFromCrm: notice.removedFromCrm,
        });
    }
  }

  return {
    accountRef,
    stateCard,
    noticeCard,
    signInCard,
    statusCard,
    disableConfirmation: async (o, removeByDefault) =>
      buildDisableConfirmationCard({ ref: await accountRef(o), removeByDefault }),
    timeZoneOf: zoneOf,
    tabUrl,
  };
}

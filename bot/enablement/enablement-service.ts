import type { AdaptiveCardJson } from '../cards/expand.js';
import type { Effect } from './core/effects.js';
import type { Actor, EnablementEvent } from './core/states.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/store.js';
import type { Activation, SignedInIdentity } from './activation.js';
import type { ApprovalFlow } from './approval-flow.js';
import type { CardFactory, Owner } from '../cards/card-factory.js';
import { personalReferenceByEmail } from '../teams/conversation-refs-store.js';
import { accountById, bindTeamsUser, crmUserById } from '../crm/crm-directory.js';
import { applyStep, type StepResult } from './enablement-runner.js';
import { createBeforeCommit, withCalendarEventsRemoved, type BeforeCommit } from './before-commit.js';
import type { FirstImportWatch } from './first-import-watch.js';
import type { Notifier } from '../teams/notifier.js';
import type { VisibilityRequests } from './visibility-requests.js';

/**
 * Runs enablement steps and their effects, for the chat, the browser callbacks, IT's decisions and the
 * tab alike. During a person's own turn, cards meant for them go back into that turn (`deliver`, which
 * the card-action handler turns into an in-place update); otherwise they go to the person's chat
 * proactively.
 */

export type Deliver = (card: AdaptiveCardJson) => Promise<void>;

export interface ApplyOptions {
  auditActor: string;
  deliver?: Deliver;
  /** The identity read at sign-in, for the `activate` effect. */
  signedIn?: SignedInIdentity;
}

export interface EnablementServiceDeps {
  store: Store;
  logger: Logger;
  cards: CardFactory;
  notifier: Notifier;
  approvals: ApprovalFlow;
  activation: Activation;
  cardKey: Buffer;
  /** Wakes the sync worker for the account (start_sync). */
  requestSync?: (accountId: string) => void;
  /** Opens the user's visibility request and sends it to the CRM administrators, once. */
  visibilityRequests: Pick<VisibilityRequests, 'ask'>;
  /** Sends CRM administrators the correction request of a mismatched sign-in (identity-flow.ts). */
  askCorrection?: (owner: Owner) => Promise<void>;
  /** Follows the first import in chat and sends the confirmation e-mail (follow_first_import). */
  firstImports?: Pick<FirstImportWatch, 'follow'>;
  /** Removes the account's Graph subscriptions while its tokens still exist (stop_sync). */
  removeSubscriptions?: (accountId: string) => Promise<void>;
  /** Removes the events written from CRM appointments from the user's calendar (purge_data); how many. */
  removeCrmEvents?: (accountId: string) => Promise<number>;
  now?: () => Date;
}

export interface EnablementService {
  owner(accountId: string): Promise<Owner | undefined>;
  reach(owner: Owner): Promise<Owner | undefined>;
  apply(accountId: string, event: EnablementEvent, actor: Actor, options: ApplyOptions): Promise<StepResult>;
  /** Performs the effects of a step committed elsewhere (the tab's account commands). */
  perform(
    accountId: string,
    effects: readonly Effect[],
    options?: Omit<ApplyOptions, 'auditActor'>,
  ): Promise<void>;
  /** The step's Microsoft 365 share before its commit (the tab's account commands run it too). */
  beforeCommit: BeforeCommit;
}

export function createEnablementService(deps: EnablementServiceDeps): EnablementService {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;
  const beforeCommit = createBeforeCommit(deps);

  async function owner(accountId: string): Promise<Owner | undefined> {
    const account = await accountById(db, accountId);
    const user = account ? await crmUserById(db, account.crmUserId) : undefined;
    return account && user ? { account, user } : undefined;
  }

  /**
   * The owner as reachable in Teams: bound to their object id, or — when they have talked to the bot
   * but never changed anything — bound now through the personal chat Teams gave their address for.
   */
  async function reach(o: Owner): Promise<Owner | undefined> {
    if (o.user.teamsAadObjectId) return o;
    const ref = await personalReferenceByEmail(db, o.account.tenantId, o.user.workEmail);
    const oid = ref?.user?.aadObjectId;
    if (!oid || !(await bindTeamsUser(db, o.user, oid))) return undefined;
    return { ...o, user: { ...o.user, teamsAadObjectId: oid } };
  }

  async function toUser(
    o: Owner,
    build: (o: Owner) => Promise<AdaptiveCardJson>,
    deliver?: Deliver,
  ): Promise<void> {
    if (deliver) return deliver(await build(o));
    const reached = await reach(o);
    if (!reached?.user.teamsAadObjectId) return;
    await deps.notifier.toUser(
      o.account.tenantId,
      { aadObjectId: reached.user.teamsAadObjectId },
      await build(reached),
    );
  }

  async function notifyCrmAdmins(o: Owner, request: 'visibility' | 'work_email_correction'): Promise<void> {
    // Each request kind keeps one open request per user and sends it once (visibility-requests.ts,
    // identity-flow.ts).
    if (request === 'work_email_correction') await deps.askCorrection?.(o);
    else await deps.visibilityRequests.ask(o);
  }

  async function perform(
    accountId: string,
    effects: readonly Effect[],
    options: Omit<ApplyOptions, 'auditActor'> = {},
  ): Promise<void> {
    const o = await owner(accountId);
    if (!o) return;
    for (const effect of effects) {
      switch (effect.type) {
        case 'notify_user':
          await toUser(o, (owner) => deps.cards.noticeCard(owner, effect.notice), options.deliver);
          break;
        case 'notify_crm_admins':
          await notifyCrmAdmins(o, effect.request);
          break;
        case 'notify_it_channel':
          await deps.approvals.recordAttempt(o);
          break;
        case 'update_approval_request': {
          const done = await deps.approvals.justify(o, effect.justification);
          if (!done.ok) deps.logger.warn({ accountId }, done.error);
          break;
        }
        case 'leave_approval_request':
          await deps.approvals.leave(o);
          break;
        case 'activate': {
          const prepared = await deps.activation.prepare(o, options.signedIn);
          const system: Actor = { kind: 'system', component: 'activation' };
          const event: EnablementEvent = prepared.ok
            ? { type: 'activation_succeeded' }
            : { type: 'activation_failed', reason: prepared.reason };
          await apply(accountId, event, system, { auditActor: 'activation', deliver: options.deliver });
          break;
        }
        case 'start_sync':
          deps.requestSync?.(accountId);
          break;
        case 'stop_sync':
          // Graph subscriptions were removed before the commit (the tokens were still there); drop the rows.
          await db.deleteFrom('graph_subscriptions').where('account_id', '=', accountId).execute();
          break;
        case 'follow_first_import':
          await deps.firstImports?.follow(o);
          break;
        case 'delete_tokens':
        case 'purge_data':
          // Committed with the state change (enablement-runner.ts / the tab's account commands).
          break;
      }
    }
  }

  async function apply(
    accountId: string,
    event: EnablementEvent,
    actor: Actor,
    options: ApplyOptions,
  ): Promise<StepResult> {
    let calendarEventsRemoved: number | undefined;
    const result = await applyStep(deps.store, accountId, event, actor, {
      auditActor: options.auditActor,
      now: now(),
      beforeCommit: async (account, effects) => {
        calendarEventsRemoved = await beforeCommit(account.id, effects);
      },
    });
    if (!result.ok) return result;
    const effects = withCalendarEventsRemoved(result.effects, calendarEventsRemoved);
    await perform(accountId, effects, options);
    return { ...result, effects };
  }

  return { owner, reach, apply, perform, beforeCommit };
}

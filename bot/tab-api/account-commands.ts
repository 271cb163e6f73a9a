import type { Kysely, Transaction } from 'kysely';
import type { BeforeCommit } from '../enablement/before-commit.js';
import { withCalendarEventsRemoved } from '../enablement/before-commit.js';
import type { Effect } from '../enablement/core/effects.js';
import { applyStep } from '../enablement/enablement-runner.js';
import type { EnablementEvent } from '../enablement/core/states.js';
import type { SwitchableResource } from '../enablement/core/resource-switches.js';
import { nowIso } from '../store/columns.js';
import { switchResource } from '../sync/resource-switches.js';
import type { Database, SyncAccountState } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Principal } from './caller/principal.js';
import { conflict, forbidden } from './http-errors.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * The tab's actions on the caller's own sync account. Pause, resume and disable are committed by the
 * same enablement step as the bot's (same rules, same refusals, same state reason and audit entry);
 * sync-now only moves the next run forward; mail and diary are switched on and off as the chat's command
 * does. State changes are compare-and-set on the current state, so a concurrent change from the bot or
 * the worker makes this one fail with 409 instead of overwriting it.
 */

/** `start_requested` is "Switch on": from ready or switched off, it sends the sign-in card to the chat. */
export type TabEvent = Extract<EnablementEvent, { type: 'start_requested' | 'pause' | 'resume' | 'disable' }>;

export interface CommandResult {
  state: SyncAccountState;
  nextRunAt: string | null;
  /** After "disable and remove": how many events written from CRM appointments left the calendar. */
  calendarEventsRemoved?: number;
}

export interface AccountCommandsDeps {
  store: Store;
  /**
   * Effects the store cannot carry out (tell the user in chat, remove Graph subscriptions), handed over
   * after the change is committed. `stop_sync`, `start_sync`, `delete_tokens` and `purge_data` have
   * already been applied to the store when this runs.
   */
  onEffects?: (accountId: string, effects: readonly Effect[]) => Promise<void> | void;
  /** Wakes an in-process worker so "Sync now" does not wait for its next poll. */
  onSyncRequested?: (accountId: string) => void;
  /** The chat's own before-commit share (subscriptions and CRM events removed while tokens exist). */
  beforeCommit?: BeforeCommit;
  now?: () => Date;
}

export interface AccountCommands {
  apply(principal: Principal, event: TabEvent): Promise<CommandResult>;
  syncNow(principal: Principal): Promise<CommandResult>;
  /** Mail or diary sync on or off, as the chat's `mail off` does; returns the plain-words answer. */
  switchResource(principal: Principal, resource: SwitchableResource, on: boolean): Promise<string>;
}

interface OwnAccount {
  id: string;
  tenant_id: string;
  state: SyncAccountState;
}

async function ownAccount(db: Kysely<Database>, principal: Principal): Promise<OwnAccount> {
  if (!principal.crmUser)
    throw forbidden('not_a_crm_user', 'You are not a CRM user, so there is no sync to change.');
  const account = await db
    .selectFrom('sync_accounts')
    .select(['id', 'tenant_id', 'state'])
    .where('tenant_id', '=', principal.tenantId)
    .where('crm_user_id', '=', principal.crmUser.id)
    .executeTakeFirst();
  if (!account)
    throw conflict(
      'no_sync_account',
      'Cloud Sync has not been switched on for you yet; start it in the chat with the bot.',
    );
  return account;
}

const auditActor = (principal: Principal): string => principal.crmUser?.id ?? principal.email;

async function audit(
  trx: Transaction<Database>,
  principal: Principal,
  account: OwnAccount,
  entry: { action: string; from: string | null; to: string | null; reason: string; at: string },
): Promise<void> {
  await recordAudit(trx, {
    tenant_id: account.tenant_id,
    actor: auditActor(principal),
    action: entry.action,
    subject: account.id,
    from_state: entry.from,
    to_state: entry.to,
    reason: entry.reason,
    at: entry.at,
  });
}

export function createAccountCommands(deps: AccountCommandsDeps): AccountCommands {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;

  return {
    async apply(principal, event) {
      const account = await ownAccount(db, principal);
      const at = now();
      let calendarEventsRemoved: number | undefined;
      const result = await applyStep(
        deps.store,
        account.id,
        event,
        {
          kind: 'person',
          aadObjectId: principal.objectId,
          crmAdmin: principal.crmAdmin,
          itAdmin: principal.itAdmin,
        },
        {
          auditActor: auditActor(principal),
          ownerAadObjectId: principal.objectId,
          now: at,
          beforeCommit: async (a, effects) => {
            calendarEventsRemoved = await deps.beforeCommit?.(a.id, effects);
          },
        },
      );
      if (!result.ok) {
        throw result.raced
          ? conflict(
              'state_changed',
              'Your sync changed while you were looking at it. Refresh and try again.',
            )
          : conflict('not_allowed_now', result.error);
      }
      const effects = withCalendarEventsRemoved(result.effects, calendarEventsRemoved);
      const started = effects.some((e) => e.type === 'start_sync');
      await deps.onEffects?.(account.id, effects);
      if (started) deps.onSyncRequested?.(account.id);
      return {
        state: result.account.state,
        nextRunAt: started ? at.toISOString() : null,
        ...(calendarEventsRemoved === undefined ? {} : { calendarEventsRemoved }),
      };
    },

    async syncNow(principal) {
      const account = await ownAccount(db, principal);
      if (account.state !== 'active') {
        throw conflict(
          'not_active',
          'Sync now works only while Cloud Sync is on. Resume or reconnect first.',
        );
      }
      const at = now().toISOString();
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('sync_accounts')
          // Read the mailbox now, even while notifications would let an idle account wait.
          .set({ next_run_at: at, delta_requested: 1, updated_at: nowIso() })
          .where('id', '=', account.id)
          .where('state', '=', 'active')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) {
          throw conflict(
            'state_changed',
            'Your sync changed while you were looking at it. Refresh and try again.',
          );
        }
        await audit(trx, principal, account, {
          action: 'sync_now',
          from: null,
          to: null,
          reason: 'sync requested from the tab',
          at,
        });
      });
      deps.onSyncRequested?.(account.id);
      return { state: 'active', nextRunAt: at };
    },

    async switchResource(principal, resource, on) {
      const account = await ownAccount(db, principal);
      const result = await switchResource(db, {
        accountId: account.id,
        resource,
        on,
        actor: auditActor(principal),
        now: now(),
      });
      if (!result.ok) throw conflict('not_allowed_now', result.message);
      if (result.due) deps.onSyncRequested?.(account.id);
      return result.message;
    },
  };
}

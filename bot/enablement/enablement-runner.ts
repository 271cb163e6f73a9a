import type { Transaction } from 'kysely';
import type { Effect, RemovedFromCrm } from './core/effects.js';
import { transition } from './core/state-machine.js';
import type { Actor, EnablementEvent, EnablementState } from './core/states.js';
import { nowIso } from '../store/columns.js';
import { releaseCopiedItems } from '../store/copied-items.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { deleteTokenCache } from '../vault/token-cache-rows.js';
import { accountById, type SyncAccount } from '../crm/crm-directory.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * One enablement step made durable, for every surface (chat, browser callbacks, IT, worker and the tab):
 * the state machine decides, then the new state, the store's share of the effects (tokens deleted, data
 * purged, next run scheduled or cleared) and the audit entry commit in one transaction, compare-and-set
 * on the state read. The remaining effects are returned for the effects handler to perform after the
 * commit.
 */

export type StepResult =
  | { ok: true; account: SyncAccount; from: EnablementState; effects: Effect[] }
  | {
      ok: false;
      error: string;
      account?: SyncAccount;
      /** The step was allowed but another change to the account committed first. */
      raced?: true;
      /** The step does not apply to the account's state any more (it moved on); nothing changed. */
      stale?: true;
    };

export interface StepOptions {
  /** Who is written in the audit log: a CRM user id, or the component for the system. */
  auditActor: string;
  /** Runs after the decision and before the commit, e.g. removing Graph subscriptions while tokens exist. */
  beforeCommit?: (account: SyncAccount, effects: readonly Effect[]) => Promise<void>;
  /**
   * The owner's object id when the caller has already established whose account this is (the tab
   * resolves the CRM user from the caller's token, also before the bot has bound them); otherwise the
   * CRM user's bound Teams object id.
   */
  ownerAadObjectId?: string;
  now?: Date;
}

/** What "delete what Cloud Sync copied" means, on every surface that can switch Cloud Sync off. */
async function purgeAccountData(trx: Transaction<Database>, account: SyncAccount): Promise<RemovedFromCrm> {
  const owner = { id: account.id, tenantId: account.tenantId };
  const mail = await releaseCopiedItems(trx, owner, 'mail');
  const diary = await releaseCopiedItems(trx, owner, 'diary');
  await trx.deleteFrom('sync_skips').where('account_id', '=', account.id).execute();
  await trx.deleteFrom('sync_cursors').where('account_id', '=', account.id).execute();
  return {
    mail: mail.deleted,
    diary: diary.deleted,
    kept: mail.released - mail.deleted + diary.released - diary.deleted,
  };
}

/** The "switched off" notice with what the purge removed, so the receipt can say it. */
function withRemovedFromCrm(effects: readonly Effect[], removed: RemovedFromCrm | undefined): Effect[] {
  if (!removed) return [...effects];
  return effects.map((e) =>
    e.type === 'notify_user' && e.notice.kind === 'disabled'
      ? { ...e, notice: { ...e.notice, removedFromCrm: removed } }
      : e,
  );
}

async function ownerOf(store: Store, crmUserId: string): Promise<string> {
  const row = await store.db
    .selectFrom('crm_users')
    .select('teams_user_aad_id')
    .where('id', '=', crmUserId)
    .executeTakeFirst();
  // Unbound CRM users have no Teams owner yet; nobody's object id equals this.
  return row?.teams_user_aad_id ?? 'unbound';
}

export async function applyStep(
  store: Store,
  accountId: string,
  event: EnablementEvent,
  actor: Actor,
  options: StepOptions,
): Promise<StepResult> {
  const account = await accountById(store.db, accountId);
  if (!account) return { ok: false, error: 'There is no Cloud Sync account for this user.' };
  const at = options.now ?? new Date();
  const result = transition(
    {
      state: account.state,
      ownerAadObjectId: options.ownerAadObjectId ?? (await ownerOf(store, account.crmUserId)),
    },
    event,
    actor,
    at,
  );
  if (!result.ok) {
    return { ok: false, error: result.error, account, ...(result.cause === 'state' ? { stale: true } : {}) };
  }
  const types = new Set(result.effects.map((e) => e.type));
  await options.beforeCommit?.(account, result.effects);

  let removed: RemovedFromCrm | undefined;
  const committed = await store.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('sync_accounts')
      .set({
        state: result.next,
        // A step that stays in its state keeps the reason it was entered for (e.g. both addresses of
        // a mismatch); the step itself is in the audit log.
        state_reason: result.next === account.state ? account.stateReason : result.audit.reason,
        updated_at: nowIso(),
        ...(types.has('start_sync') ? { next_run_at: at.toISOString(), delta_requested: 1 as const } : {}),
        ...(types.has('stop_sync') ? { next_run_at: null } : {}),
      })
      .where('id', '=', account.id)
      .where('state', '=', account.state)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    if (types.has('delete_tokens')) {
      await deleteTokenCache(trx, account.id);
    }
    if (types.has('purge_data')) removed = await purgeAccountData(trx, account);
    await recordAudit(trx, {
      tenant_id: account.tenantId,
      actor: options.auditActor,
      action: result.audit.event,
      subject: account.id,
      from_state: result.audit.from,
      to_state: result.audit.to,
      reason: result.audit.reason,
      at: result.audit.at,
    });
    return true;
  });
  if (!committed) {
    return {
      ok: false,
      error: 'Your Cloud Sync changed at the same moment. Please try again.',
      account,
      raced: true,
    };
  }
  return {
    ok: true,
    from: account.state,
    account: {
      ...account,
      state: result.next,
      stateReason: result.next === account.state ? account.stateReason : result.audit.reason,
    },
    effects: withRemovedFromCrm(result.effects, removed),
  };
}

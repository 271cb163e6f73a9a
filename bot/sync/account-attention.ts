import { EventEmitter } from 'node:events';
import { deleteTokenCache } from '../vault/token-cache-rows.js';
import type { Kysely } from 'kysely';
import { toIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * "This account needs attention": the worker lost the right to read the mailbox (refresh token
 * revoked or expired, consent removed). The account moves to `reconnect_required` with the reason and
 * an audit entry, and its dead tokens are deleted, in one transaction that only fires from `active`; the event is emitted only by the
 * caller whose update changed the state, so the user is told once even when several requests or
 * workers hit the same dead token at the same moment. Other processes see the audit entry
 * (action `token_revoked`, as the enablement state machine names that transition).
 */

/** Matches the enablement event `token_revoked`'s causes. */
export type AttentionCause = 'invalid_grant' | 'consent_revoked' | 'token_expired';

export interface AttentionEvent {
  accountId: string;
  tenantId: string;
  crmUserId: string;
  state: 'reconnect_required';
  cause: AttentionCause;
  /** Plain words, no token material. */
  reason: string;
  at: string;
}

export interface AttentionEvents {
  on(event: 'attention', listener: (e: AttentionEvent) => void): this;
  off(event: 'attention', listener: (e: AttentionEvent) => void): this;
  emit(event: 'attention', e: AttentionEvent): boolean;
}

export function createAttentionEvents(): AttentionEvents {
  return new EventEmitter() as AttentionEvents;
}

/** Returns the event when this call moved the account out of `active`, or null when it was not active. */
export async function markReconnectRequired(
  db: Kysely<Database>,
  events: AttentionEvents,
  input: { accountId: string; cause: AttentionCause; reason: string; now: number },
): Promise<AttentionEvent | null> {
  const at = toIso(input.now);
  const changed = await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('sync_accounts')
      .set({ state: 'reconnect_required', state_reason: input.reason, next_run_at: null, updated_at: at })
      .where('id', '=', input.accountId)
      .where('state', '=', 'active')
      .returning(['tenant_id', 'crm_user_id'])
      .executeTakeFirst();
    if (!row) return null;
    // The enablement state machine's token_revoked transition deletes the dead tokens; so does this one.
    await deleteTokenCache(trx, input.accountId);
    await recordAudit(trx, {
      tenant_id: row.tenant_id,
      actor: 'worker',
      action: 'token_revoked',
      subject: input.accountId,
      from_state: 'active',
      to_state: 'reconnect_required',
      reason: input.reason,
      at,
    });
    return row;
  });
  if (!changed) return null;
  const event: AttentionEvent = {
    accountId: input.accountId,
    tenantId: changed.tenant_id,
    crmUserId: changed.crm_user_id,
    state: 'reconnect_required',
    cause: input.cause,
    reason: input.reason,
    at,
  };
  events.emit('attention', event);
  return event;
}

import type { Kysely } from 'kysely';
import {
  decideSwitch,
  type SwitchableResource,
  type SwitchDecision,
} from '../enablement/core/resource-switches.js';
import { toIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * Switches mail or diary sync of one account on or off, for the chat command and the tab alike:
 * decided by enablement/resource-switches.ts, committed compare-and-set on the state and switches read
 * (a concurrent change makes this one fail instead of overwriting it), with an audit entry. An active
 * account is made due at once, so the worker starts the resource, or drops its subscription, now.
 */

export type SwitchResult = SwitchDecision & { accountId: string; due: boolean };

export async function switchResource(
  db: Kysely<Database>,
  input: {
    accountId: string;
    resource: SwitchableResource;
    on: boolean;
    /** Who is written in the audit log (a CRM user id). */
    actor: string;
    now: Date;
  },
): Promise<SwitchResult> {
  const account = await db
    .selectFrom('sync_accounts')
    .select(['id', 'tenant_id', 'state', 'mail_enabled', 'diary_enabled'])
    .where('id', '=', input.accountId)
    .executeTakeFirst();
  if (!account) {
    return {
      ok: false,
      message: 'Cloud Sync has not been switched on for you yet. Type "enable sync" to start.',
      accountId: input.accountId,
      due: false,
    };
  }
  const current = { mail: account.mail_enabled === 1, diary: account.diary_enabled === 1 };
  const decision = decideSwitch(account.state, current, input.resource, input.on);
  if (!decision.ok || !decision.changed) return { ...decision, accountId: account.id, due: false };

  const at = toIso(input.now.getTime());
  const due = account.state === 'active';
  const committed = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('sync_accounts')
      .set({
        mail_enabled: decision.next.mail ? 1 : 0,
        diary_enabled: decision.next.diary ? 1 : 0,
        updated_at: at,
        ...(due ? { next_run_at: at } : {}),
      })
      .where('id', '=', account.id)
      .where('state', '=', account.state)
      .where('mail_enabled', '=', account.mail_enabled)
      .where('diary_enabled', '=', account.diary_enabled)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await recordAudit(trx, {
      tenant_id: account.tenant_id,
      actor: input.actor,
      action: `${input.resource}_switched_${input.on ? 'on' : 'off'}`,
      subject: account.id,
      from_state: account.state,
      to_state: account.state,
      reason: `${input.resource} sync switched ${input.on ? 'on' : 'off'} by the user`,
      at,
    });
    return true;
  });
  if (!committed) {
    return {
      ok: false,
      message: 'Your Cloud Sync changed at the same moment. Please try again.',
      accountId: account.id,
      due: false,
    };
  }
  return { ...decision, accountId: account.id, due };
}

import type { Kysely } from 'kysely';
import type { CrmDiaryHealth, CrmDiaryNote } from '#shared/contract.js';
import { fromJsonText } from '../store/columns.js';
import type { Database } from '../store/schema.js';

/**
 * The outbound half of the diary for the tab: how many of the user's CRM appointments are in Outlook,
 * waiting or failed, how many changes came back from Outlook, and the latest failures and conflict
 * losses in plain words.
 */

const NOTES = 10;

function lostText(detail: Record<string, unknown>): string {
  const side = detail['lost'] === 'crm' ? 'crm' : 'outlook';
  const values = (detail[side] ?? {}) as { subject?: string; startAt?: string };
  const what = [values.subject && `“${values.subject}”`, values.startAt && `at ${values.startAt}`]
    .filter(Boolean)
    .join(' ');
  return side === 'crm'
    ? `Changed in both places; the later change in Outlook was kept. The CRM's change ${what} was not applied.`
    : `Changed in both places; the later change in the CRM was kept. The change made in Outlook ${what} was overwritten.`;
}

export async function loadCrmDiaryHealth(db: Kysely<Database>, crmUserId: string): Promise<CrmDiaryHealth> {
  const rows = await db
    .selectFrom('crm_appointments')
    .select([
      'id',
      'crm_id',
      'subject',
      'version',
      'removed_at',
      'outlook_event_id',
      'outlook_written_version',
      'outbound_error',
      'outbound_failed_at',
    ])
    .where('owner_crm_user_id', '=', crmUserId)
    .execute();
  let inOutlook = 0;
  let waiting = 0;
  let failed = 0;
  const notes: CrmDiaryNote[] = [];
  for (const r of rows) {
    const behind = r.removed_at
      ? r.outlook_event_id !== null
      : r.outlook_written_version === null || r.outlook_written_version < r.version;
    if (r.outbound_error) {
      failed += 1;
      notes.push({
        at: r.outbound_failed_at ?? '',
        crmId: r.crm_id,
        subject: r.subject,
        kind: 'failed',
        text: `Not written to Outlook: ${r.outbound_error}`,
      });
    } else if (behind) waiting += 1;
    else if (!r.removed_at) inOutlook += 1;
  }
  const ids = rows.map((r) => r.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const history = ids.length
    ? await db
        .selectFrom('crm_appointment_history')
        .select(['appointment_id', 'at', 'change', 'detail'])
        .where('appointment_id', 'in', ids)
        .where('source', '=', 'outlook')
        .execute()
    : [];
  const fromOutlook = history.filter((h) => h.change !== 'conflict_lost').length;
  for (const h of history.filter((x) => x.change === 'conflict_lost')) {
    const row = byId.get(h.appointment_id)!;
    notes.push({
      at: h.at,
      crmId: row.crm_id,
      subject: row.subject,
      kind: 'conflict',
      text: lostText(fromJsonText(h.detail)),
    });
  }
  notes.sort((a, b) => (a.at < b.at ? 1 : -1));
  return { inOutlook, waiting, failed, fromOutlook, notes: notes.slice(0, NOTES) };
}

import type { Transaction } from 'kysely';
import { newId, toIso, toJsonText } from '../store/columns.js';
import type { StoreOp } from './core/store-ops.js';
import type { Database } from '../store/schema.js';

/**
 * Executes one reconciled page's store ops inside the caller's transaction (see core/store-ops.ts for
 * their meaning). Ops are applied by kind in a fixed order (items, owners, links, detachments,
 * skips), each kind as a few multi-row statements, so a page of a thousand messages costs a handful
 * of round trips rather than thousands. Every statement is idempotent by its unique key:
 *
 * - item and owner upserts change a row only when the incoming version is greater (ON CONFLICT ...
 *   WHERE version < excluded.version), so a replayed or older page changes nothing;
 * - a detached owner (left its folder, removed from the calendar) is revived by a listing of the same
 *   or a newer version, because a listing proves the item is there again;
 * - links are insert-or-ignore, detachments only touch attached rows, skips upsert by item.
 */

type Op<K extends StoreOp['kind']> = Extract<StoreOp, { kind: K }>;

export interface AppliedCounts {
  /** Filed items this account did not own before. */
  added: number;
  /** Filed items this account already owned (whether or not their content changed). */
  updated: number;
}

/** Rows per statement: few round trips per page, parameter counts well below both drivers' limits. */
const CHUNK = 500;

export async function applyOps(
  trx: Transaction<Database>,
  ops: readonly StoreOp[],
  now: number,
): Promise<AppliedCounts> {
  const at = toIso(now);
  const byKind = <K extends StoreOp['kind']>(kind: K) => ops.filter((o): o is Op<K> => o.kind === kind);
  const mail = await applyMail(
    trx,
    byKind('mail_item.upsert'),
    byKind('mail_item_owner.upsert'),
    byKind('mail_item_contact.link'),
    at,
  );
  await detachMailOwners(trx, byKind('mail_item_owner.left_folder'), at);
  const diary = await applyDiary(
    trx,
    byKind('diary_item.upsert'),
    byKind('diary_item_owner.upsert'),
    byKind('diary_item_contact.link'),
    at,
  );
  await detachDiaryOwners(trx, byKind('diary_item_owner.removed'), at);
  await retainSeries(trx, byKind('diary_series.retain'), at);
  await recordSkips(trx, byKind('sync_skip.record'), at);
  await clearSkips(trx, byKind('sync_skip.clear'));
  return { added: mail.added + diary.added, updated: mail.updated + diary.updated };
}

async function applyMail(
  trx: Transaction<Database>,
  items: Op<'mail_item.upsert'>[],
  owners: Op<'mail_item_owner.upsert'>[],
  links: Op<'mail_item_contact.link'>[],
  at: string,
): Promise<AppliedCounts> {
  const mailKey = (o: { tenantId: string; internetMessageId: string }) =>
    `${o.tenantId}\u0000${o.internetMessageId}`;
  // One statement may not upsert a key twice (PostgreSQL refuses it), so keep each key's newest copy.
  for (const chunk of chunks(newestPerKey(items, mailKey))) {
    await trx
      .insertInto('mail_items')
      .values(
        chunk.map((o) => ({
          id: newId(),
          tenant_id: o.tenantId,
          internet_message_id: o.internetMessageId,
          subject: o.fields.subject,
          sent_at: o.fields.sentAt,
          from_address: o.fields.fromAddress,
          to_addresses: toJsonText(o.fields.toAddresses),
          cc_addresses: toJsonText(o.fields.ccAddresses),
          sensitivity: o.fields.sensitivity,
          version: o.version,
          created_at: at,
          updated_at: at,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'internet_message_id'])
          .doUpdateSet((eb) => ({
            subject: eb.ref('excluded.subject'),
            sent_at: eb.ref('excluded.sent_at'),
            from_address: eb.ref('excluded.from_address'),
            to_addresses: eb.ref('excluded.to_addresses'),
            cc_addresses: eb.ref('excluded.cc_addresses'),
            sensitivity: eb.ref('excluded.sensitivity'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where('mail_items.version', '<', (eb) => eb.ref('excluded.version')),
      )
      .execute();
  }

  const ids = await mailItemIds(trx, [...owners, ...links]);
  const itemId = (o: { tenantId: string; internetMessageId: string }) => {
    const id = ids.get(mailKey(o));
    // The core emits an item upsert with every owner and link of the same key in the same page.
    if (id === undefined)
      throw new Error('a mail owner or link names a CRM e-mail that the page did not file');
    return id;
  };

  const uniqueOwners = newestPerKey(owners, (o) => `${o.accountId}\u0000${o.graphMessageId}`);
  const known = await existingMailOwners(trx, uniqueOwners);
  for (const chunk of chunks(uniqueOwners)) {
    await trx
      .insertInto('mail_item_owners')
      .values(
        chunk.map((o) => ({
          mail_item_id: itemId(o),
          account_id: o.accountId,
          graph_message_id: o.graphMessageId,
          folder: o.folder,
          direction: o.direction,
          version: o.version,
          left_at: null,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'graph_message_id'])
          .doUpdateSet((eb) => ({
            mail_item_id: eb.ref('excluded.mail_item_id'),
            folder: eb.ref('excluded.folder'),
            direction: eb.ref('excluded.direction'),
            version: eb.ref('excluded.version'),
            left_at: null,
          }))
          .where((eb) =>
            eb.or([
              eb('mail_item_owners.version', '<', eb.ref('excluded.version')),
              eb.and([
                eb('mail_item_owners.left_at', 'is not', null),
                eb('mail_item_owners.version', '<=', eb.ref('excluded.version')),
              ]),
            ]),
          ),
      )
      .execute();
  }

  const uniqueLinks = [...new Map(links.map((l) => [`${itemId(l)}\u0000${l.contactId}`, l])).values()];
  for (const chunk of chunks(uniqueLinks)) {
    await trx
      .insertInto('mail_item_contacts')
      .values(chunk.map((l) => ({ mail_item_id: itemId(l), contact_id: l.contactId })))
      .onConflict((oc) => oc.columns(['mail_item_id', 'contact_id']).doNothing())
      .execute();
  }
  const added = uniqueOwners.filter((o) => !known.has(`${o.accountId}\u0000${o.graphMessageId}`)).length;
  return { added, updated: uniqueOwners.length - added };
}

async function mailItemIds(
  trx: Transaction<Database>,
  refs: { tenantId: string; internetMessageId: string }[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [tenantId, messageIds] of groupBy(
    refs,
    (r) => r.tenantId,
    (r) => r.internetMessageId,
  )) {
    for (const chunk of chunks([...messageIds])) {
      const rows = await trx
        .selectFrom('mail_items')
        .select(['id', 'internet_message_id'])
        .where('tenant_id', '=', tenantId)
        .where('internet_message_id', 'in', chunk)
        .execute();
      for (const row of rows) ids.set(`${tenantId}\u0000${row.internet_message_id}`, row.id);
    }
  }
  return ids;
}

async function existingMailOwners(
  trx: Transaction<Database>,
  owners: Op<'mail_item_owner.upsert'>[],
): Promise<Set<string>> {
  const known = new Set<string>();
  for (const [accountId, graphIds] of groupBy(
    owners,
    (o) => o.accountId,
    (o) => o.graphMessageId,
  )) {
    for (const chunk of chunks([...graphIds])) {
      const rows = await trx
        .selectFrom('mail_item_owners')
        .select('graph_message_id')
        .where('account_id', '=', accountId)
        .where('graph_message_id', 'in', chunk)
        .execute();
      for (const row of rows) known.add(`${accountId}\u0000${row.graph_message_id}`);
    }
  }
  return known;
}

async function detachMailOwners(
  trx: Transaction<Database>,
  ops: Op<'mail_item_owner.left_folder'>[],
  at: string,
) {
  for (const [group, graphIds] of groupBy(
    ops,
    (o) => `${o.accountId}\u0000${o.folder}`,
    (o) => o.graphMessageId,
  )) {
    const [accountId = '', folder = ''] = group.split('\u0000');
    for (const chunk of chunks([...graphIds])) {
      await trx
        .updateTable('mail_item_owners')
        .set({ left_at: at })
        .where('account_id', '=', accountId)
        .where('folder', '=', folder)
        .where('graph_message_id', 'in', chunk)
        .where('left_at', 'is', null)
        .execute();
    }
  }
}

async function applyDiary(
  trx: Transaction<Database>,
  items: Op<'diary_item.upsert'>[],
  owners: Op<'diary_item_owner.upsert'>[],
  links: Op<'diary_item_contact.link'>[],
  at: string,
): Promise<AppliedCounts> {
  for (const chunk of chunks(newestPerKey(items, diaryKey))) {
    await trx
      .insertInto('diary_items')
      .values(
        chunk.map((o) => ({
          id: newId(),
          tenant_id: o.tenantId,
          ical_uid: o.iCalUId,
          occurrence_start: o.occurrenceStart,
          subject: o.fields.subject,
          start_at: o.fields.startAt,
          end_at: o.fields.endAt,
          location: o.fields.location,
          is_cancelled: o.fields.isCancelled ? (1 as const) : (0 as const),
          is_all_day: o.fields.isAllDay ? (1 as const) : (0 as const),
          organizer: o.fields.organizer,
          attendees: toJsonText(o.fields.attendees),
          series_master_id: o.fields.seriesMasterId,
          sensitivity: o.fields.sensitivity,
          version: o.version,
          created_at: at,
          updated_at: at,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'ical_uid', 'occurrence_start'])
          .doUpdateSet((eb) => ({
            subject: eb.ref('excluded.subject'),
            start_at: eb.ref('excluded.start_at'),
            end_at: eb.ref('excluded.end_at'),
            location: eb.ref('excluded.location'),
            is_cancelled: eb.ref('excluded.is_cancelled'),
            is_all_day: eb.ref('excluded.is_all_day'),
            organizer: eb.ref('excluded.organizer'),
            attendees: eb.ref('excluded.attendees'),
            series_master_id: eb.ref('excluded.series_master_id'),
            sensitivity: eb.ref('excluded.sensitivity'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where('diary_items.version', '<', (eb) => eb.ref('excluded.version')),
      )
      .execute();
  }

  const ids = await diaryItemIds(trx, [...owners, ...links]);
  const itemId = (o: { tenantId: string; iCalUId: string; occurrenceStart: string }) => {
    const id = ids.get(diaryKey(o));
    if (id === undefined) throw new Error('a diary owner or link names an entry that the page did not file');
    return id;
  };

  const uniqueOwners = newestPerKey(owners, (o) => `${o.accountId}\u0000${o.graphEventId}`);
  const known = await existingDiaryOwners(trx, uniqueOwners);
  for (const chunk of chunks(uniqueOwners)) {
    await trx
      .insertInto('diary_item_owners')
      .values(
        chunk.map((o) => ({
          diary_item_id: itemId(o),
          account_id: o.accountId,
          graph_event_id: o.graphEventId,
          role: o.role,
          version: o.version,
          removed_at: null,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'graph_event_id'])
          .doUpdateSet((eb) => ({
            diary_item_id: eb.ref('excluded.diary_item_id'),
            role: eb.ref('excluded.role'),
            version: eb.ref('excluded.version'),
            removed_at: null,
          }))
          .where((eb) =>
            eb.or([
              eb('diary_item_owners.version', '<', eb.ref('excluded.version')),
              eb.and([
                eb('diary_item_owners.removed_at', 'is not', null),
                eb('diary_item_owners.version', '<=', eb.ref('excluded.version')),
              ]),
            ]),
          ),
      )
      .execute();
  }

  const uniqueLinks = [...new Map(links.map((l) => [`${itemId(l)}\u0000${l.contactId}`, l])).values()];
  for (const chunk of chunks(uniqueLinks)) {
    await trx
      .insertInto('diary_item_contacts')
      .values(chunk.map((l) => ({ diary_item_id: itemId(l), contact_id: l.contactId })))
      .onConflict((oc) => oc.columns(['diary_item_id', 'contact_id']).doNothing())
      .execute();
  }
  const added = uniqueOwners.filter((o) => !known.has(`${o.accountId}\u0000${o.graphEventId}`)).length;
  return { added, updated: uniqueOwners.length - added };
}

function diaryKey(o: { tenantId: string; iCalUId: string; occurrenceStart: string }): string {
  return `${o.tenantId}\u0000${o.iCalUId}\u0000${o.occurrenceStart}`;
}

async function diaryItemIds(
  trx: Transaction<Database>,
  refs: { tenantId: string; iCalUId: string; occurrenceStart: string }[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [tenantId, uids] of groupBy(
    refs,
    (r) => r.tenantId,
    (r) => r.iCalUId,
  )) {
    for (const chunk of chunks([...uids])) {
      const rows = await trx
        .selectFrom('diary_items')
        .select(['id', 'ical_uid', 'occurrence_start'])
        .where('tenant_id', '=', tenantId)
        .where('ical_uid', 'in', chunk)
        .execute();
      for (const row of rows) {
        ids.set(diaryKey({ tenantId, iCalUId: row.ical_uid, occurrenceStart: row.occurrence_start }), row.id);
      }
    }
  }
  return ids;
}

async function existingDiaryOwners(
  trx: Transaction<Database>,
  owners: Op<'diary_item_owner.upsert'>[],
): Promise<Set<string>> {
  const known = new Set<string>();
  for (const [accountId, graphIds] of groupBy(
    owners,
    (o) => o.accountId,
    (o) => o.graphEventId,
  )) {
    for (const chunk of chunks([...graphIds])) {
      const rows = await trx
        .selectFrom('diary_item_owners')
        .select('graph_event_id')
        .where('account_id', '=', accountId)
        .where('graph_event_id', 'in', chunk)
        .execute();
      for (const row of rows) known.add(`${accountId}\u0000${row.graph_event_id}`);
    }
  }
  return known;
}

async function detachDiaryOwners(
  trx: Transaction<Database>,
  ops: Op<'diary_item_owner.removed'>[],
  at: string,
) {
  for (const [group, graphIds] of groupBy(
    ops,
    (o) => `${o.accountId}\u0000${o.window.start}\u0000${o.window.end}`,
    (o) => o.graphEventId,
  )) {
    const [accountId = '', start = '', end = ''] = group.split('\u0000');
    for (const chunk of chunks([...graphIds])) {
      await trx
        .updateTable('diary_item_owners')
        .set({ removed_at: at })
        .where('account_id', '=', accountId)
        .where('graph_event_id', 'in', chunk)
        .where('removed_at', 'is', null)
        // Only entries inside the window: Graph reports changes outside it as removals too.
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('diary_items')
              .select('diary_items.id')
              .whereRef('diary_items.id', '=', 'diary_item_owners.diary_item_id')
              .where('diary_items.start_at', '<', end)
              .where('diary_items.end_at', '>', start),
          ),
        )
        .execute();
    }
  }
}

async function retainSeries(trx: Transaction<Database>, ops: Op<'diary_series.retain'>[], at: string) {
  for (const op of ops) {
    let update = trx
      .updateTable('diary_item_owners')
      .set({ removed_at: at })
      .where('account_id', '=', op.accountId)
      .where('removed_at', 'is', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('diary_items')
            .select('diary_items.id')
            .whereRef('diary_items.id', '=', 'diary_item_owners.diary_item_id')
            .where('diary_items.tenant_id', '=', op.tenantId)
            .where('diary_items.ical_uid', '=', op.iCalUId)
            .where('diary_items.start_at', '<', op.window.end)
            .where('diary_items.end_at', '>', op.window.start),
        ),
      );
    // A series lists at most a few hundred occurrences in a window: one parameter list suffices.
    if (op.graphEventIds.length > 0) update = update.where('graph_event_id', 'not in', op.graphEventIds);
    await update.execute();
  }
}

async function recordSkips(trx: Transaction<Database>, ops: Op<'sync_skip.record'>[], at: string) {
  const unique = [
    ...new Map(ops.map((o) => [`${o.accountId}\u0000${o.resource}\u0000${o.graphId}`, o])).values(),
  ];
  for (const chunk of chunks(unique)) {
    await trx
      .insertInto('sync_skips')
      .values(
        chunk.map((o) => ({
          id: newId(),
          account_id: o.accountId,
          resource: o.resource,
          graph_id: o.graphId,
          reason: o.reason,
          summary: o.summary,
          at,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['account_id', 'resource', 'graph_id']).doUpdateSet((eb) => ({
          reason: eb.ref('excluded.reason'),
          summary: eb.ref('excluded.summary'),
          at: eb.ref('excluded.at'),
        })),
      )
      .execute();
  }
}

async function clearSkips(trx: Transaction<Database>, ops: Op<'sync_skip.clear'>[]) {
  for (const [group, graphIds] of groupBy(
    ops,
    (o) => `${o.accountId}\u0000${o.resource}`,
    (o) => o.graphId,
  )) {
    const [accountId = '', resource = ''] = group.split('\u0000');
    for (const chunk of chunks([...graphIds])) {
      await trx
        .deleteFrom('sync_skips')
        .where('account_id', '=', accountId)
        .where('resource', '=', resource)
        .where('graph_id', 'in', chunk)
        .execute();
    }
  }
}

function newestPerKey<T extends { version: string }>(ops: readonly T[], key: (op: T) => string): T[] {
  const newest = new Map<string, T>();
  for (const op of ops) {
    const k = key(op);
    const current = newest.get(k);
    if (current === undefined || op.version > current.version) newest.set(k, op);
  }
  return [...newest.values()];
}

function groupBy<T>(
  items: readonly T[],
  group: (item: T) => string,
  value: (item: T) => string,
): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const item of items) {
    const g = group(item);
    let values = groups.get(g);
    if (values === undefined) groups.set(g, (values = new Set()));
    values.add(value(item));
  }
  return groups;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

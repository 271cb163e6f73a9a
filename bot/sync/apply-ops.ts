import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import { bulkStatement, type BulkStatement } from '../store/bulk-statement.js';
import { newId, toIso } from '../store/columns.js';
import type { StoreOp } from './core/store-ops.js';
import { chunks, forEachGroupChunk } from './batches.js';
import { DIARY_TABLES, MAIL_TABLES, type FiledTables } from './filed-tables.js';
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

export async function applyOps(
  db: Kysely<Database>,
  trx: Transaction<Database>,
  ops: readonly StoreOp[],
  now: number,
): Promise<AppliedCounts> {
  const at = toIso(now);
  const byKind = <K extends StoreOp['kind']>(kind: K) => ops.filter((o): o is Op<K> => o.kind === kind);
  const mail = await applyFiled(
    db,
    trx,
    MAIL_TABLES,
    byKind('mail_item.upsert'),
    byKind('mail_item_owner.upsert'),
    byKind('mail_item_contact.link'),
    at,
  );
  await detachMailOwners(trx, byKind('mail_item_owner.left_folder'), at);
  const diary = await applyFiled(
    db,
    trx,
    DIARY_TABLES,
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

/**
 * Files one resource's items, owner links and contact links. Items first, so owners and links can
 * name the item's row id, which a first filing only just created. The three multi-row statements are
 * compiled once per row count (bot/store/bulk-statement.ts) on `root`, the database `trx` belongs to.
 */
async function applyFiled<
  ItemOp extends KeyRef & { version: string },
  OwnerOp extends KeyRef & OwnerRef,
  KeyRef,
>(
  root: Kysely<Database>,
  trx: Transaction<Database>,
  tables: FiledTables<ItemOp, OwnerOp, KeyRef>,
  items: ItemOp[],
  owners: OwnerOp[],
  links: (KeyRef & { contactId: string })[],
  at: string,
): Promise<AppliedCounts> {
  // Names come from the description (checked against the schema where it is written), so the
  // statements are built over plain table names.
  const db = trx.withTables<Record<string, Row>>();
  const { item, owner, contacts } = tables;
  const statements = filedStatements(tables);
  const keyOf = (ref: KeyRef) => item.keyOf(ref).join('\u0000');
  // The upsert returns the rows it inserted or changed, so only items the page left as they were
  // (a replay, an older version) are looked up for their row ids.
  const ids = new Map<string, string>();
  // One statement may not upsert a key twice (PostgreSQL refuses it), so keep each key's newest copy.
  for (const chunk of chunks(newestPerKey(items, keyOf))) {
    const written = await statements.items(
      root,
      trx,
      chunk.map((o) => item.row(o, at)),
    );
    for (const row of written) ids.set(rowKey(item.key, row), String(row.id));
  }
  await itemIds(
    db,
    item,
    [...owners, ...links].filter((ref) => !ids.has(keyOf(ref))),
    ids,
  );
  const itemId = (ref: KeyRef) => {
    const id = ids.get(keyOf(ref));
    // The core emits an item upsert with every owner and link of the same key in the same page.
    if (id === undefined) throw new Error(`a link names a ${item.table} row that the page did not file`);
    return id;
  };

  const ownerKey = (o: OwnerOp) => `${o.accountId}\u0000${owner.graphIdOf(o)}`;
  const uniqueOwners = newestPerKey(owners, ownerKey);
  const known = await existingOwners(db, owner, uniqueOwners);
  for (const chunk of chunks(uniqueOwners)) {
    await statements.owners(
      root,
      trx,
      chunk.map((o) => owner.row(o, itemId(o))),
    );
  }

  const uniqueLinks = [...new Map(links.map((l) => [`${itemId(l)}\u0000${l.contactId}`, l])).values()];
  for (const chunk of chunks(uniqueLinks)) {
    await statements.links(
      root,
      trx,
      chunk.map((l) => ({ [contacts.itemColumn]: itemId(l), contact_id: l.contactId })),
    );
  }
  const added = uniqueOwners.filter((o) => !known.has(ownerKey(o))).length;
  return { added, updated: uniqueOwners.length - added };
}

type Row = Record<string, unknown>;
type DynamicDb = Kysely<Database & Record<string, Row>>;

interface FiledStatements {
  /** Upserts items; a row changes only for a newer version. */
  items: BulkStatement;
  /** Upserts owner links; a detached link is revived by a listing of the same version. */
  owners: BulkStatement;
  /** Adds contact links that are not there yet. */
  links: BulkStatement;
}

const statementsByTables = new WeakMap<object, FiledStatements>();

function filedStatements<ItemOp, OwnerOp, KeyRef>(
  tables: FiledTables<ItemOp, OwnerOp, KeyRef>,
): FiledStatements {
  const known = statementsByTables.get(tables);
  if (known) return known;
  const { item, owner, contacts } = tables;
  const version = `${owner.table}.version`;
  const detached = `${owner.table}.${owner.detachedColumn}`;
  const dynamic = (db: Kysely<Database>) => db.withTables<Record<string, Row>>();
  const statements: FiledStatements = {
    items: bulkStatement((db, rows) =>
      dynamic(db)
        .insertInto(item.table)
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns([...item.key])
            .doUpdateSet((eb) => excluded(eb, [...item.content, 'version', 'updated_at']))
            .where((eb) => eb(`${item.table}.version`, '<', eb.ref('excluded.version'))),
        )
        .returning(['id', ...item.key]),
    ),
    owners: bulkStatement((db, rows) =>
      dynamic(db)
        .insertInto(owner.table)
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['account_id', owner.graphIdColumn])
            .doUpdateSet((eb) => ({
              ...excluded(eb, [owner.itemColumn, ...owner.content, 'version']),
              [owner.detachedColumn]: null,
            }))
            .where((eb) =>
              eb.or([
                eb(version, '<', eb.ref('excluded.version')),
                eb.and([eb(detached, 'is not', null), eb(version, '<=', eb.ref('excluded.version'))]),
              ]),
            ),
        ),
    ),
    links: bulkStatement((db, rows) =>
      dynamic(db)
        .insertInto(contacts.table)
        .values(rows)
        .onConflict((oc) => oc.columns([contacts.itemColumn, 'contact_id']).doNothing()),
    ),
  };
  statementsByTables.set(tables, statements);
  return statements;
}

interface OwnerRef {
  accountId: string;
  version: string;
}

function excluded(eb: ExpressionBuilder<Record<string, Row>, string>, columns: readonly string[]) {
  return Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]));
}

/** The natural key of an item row, as `keyOf` joins an op's. */
function rowKey(key: readonly string[], row: Record<string, unknown>): string {
  return key.map((c) => String(row[c])).join('\u0000');
}

/** Adds to `ids` the row ids of `refs` by natural key, looked up per tenant by the key's second column. */
async function itemIds<KeyRef>(
  db: DynamicDb,
  item: { table: string; key: readonly string[]; keyOf(ref: KeyRef): readonly string[] },
  refs: readonly KeyRef[],
  ids: Map<string, string>,
): Promise<void> {
  const [tenantColumn = 'tenant_id', lookupColumn = ''] = item.key;
  await forEachGroupChunk(
    refs,
    (r) => [item.keyOf(r)[0] ?? ''],
    (r) => item.keyOf(r)[1] ?? '',
    async ([tenantId = ''], chunk) => {
      const rows = await db
        .selectFrom(item.table)
        .select(['id', ...item.key])
        .where(tenantColumn, '=', tenantId)
        .where(lookupColumn, 'in', chunk)
        .execute();
      for (const row of rows) ids.set(rowKey(item.key, row), String(row.id));
    },
  );
}

/** `accountId\0graphId` of the owner links that already exist. */
async function existingOwners<OwnerOp extends OwnerRef>(
  db: DynamicDb,
  owner: { table: string; graphIdColumn: string; graphIdOf(op: OwnerOp): string },
  owners: readonly OwnerOp[],
): Promise<Set<string>> {
  const known = new Set<string>();
  await forEachGroupChunk(
    owners,
    (o) => [o.accountId],
    (o) => owner.graphIdOf(o),
    async ([accountId = ''], chunk) => {
      const rows = await db
        .selectFrom(owner.table)
        .select(owner.graphIdColumn)
        .where('account_id', '=', accountId)
        .where(owner.graphIdColumn, 'in', chunk)
        .execute();
      for (const row of rows) known.add(`${accountId}\u0000${String(row[owner.graphIdColumn])}`);
    },
  );
  return known;
}

async function detachMailOwners(
  trx: Transaction<Database>,
  ops: Op<'mail_item_owner.left_folder'>[],
  at: string,
) {
  await forEachGroupChunk(
    ops,
    (o) => [o.accountId, o.folder],
    (o) => o.graphMessageId,
    ([accountId = '', folder = ''], chunk) =>
      trx
        .updateTable('mail_item_owners')
        .set({ left_at: at })
        .where('account_id', '=', accountId)
        .where('folder', '=', folder)
        .where('graph_message_id', 'in', chunk)
        .where('left_at', 'is', null)
        .execute(),
  );
}

async function detachDiaryOwners(
  trx: Transaction<Database>,
  ops: Op<'diary_item_owner.removed'>[],
  at: string,
) {
  await forEachGroupChunk(
    ops,
    (o) => [o.accountId, o.window.start, o.window.end],
    (o) => o.graphEventId,
    ([accountId = '', start = '', end = ''], chunk) =>
      trx
        .updateTable('diary_item_owners')
        .set({ removed_at: at })
        .where('account_id', '=', accountId)
        .where('graph_event_id', 'in', chunk)
        .where('removed_at', 'is', null)
        // Only entries inside the window: Graph reports changes outside it as removals too.
        .where((eb) => eb.exists(ownedEntryOverlaps(eb, { start, end })))
        .execute(),
  );
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
          ownedEntryOverlaps(eb, op.window)
            .where('diary_items.tenant_id', '=', op.tenantId)
            .where('diary_items.ical_uid', '=', op.iCalUId),
        ),
      );
    // A series lists at most a few hundred occurrences in a window: one parameter list suffices.
    if (op.graphEventIds.length > 0) update = update.where('graph_event_id', 'not in', op.graphEventIds);
    await update.execute();
  }
}

/** The owner link's diary entry, when it overlaps the window. */
function ownedEntryOverlaps(
  eb: ExpressionBuilder<Database, 'diary_item_owners'>,
  window: { start: string; end: string },
) {
  return eb
    .selectFrom('diary_items')
    .select('diary_items.id')
    .whereRef('diary_items.id', '=', 'diary_item_owners.diary_item_id')
    .where('diary_items.start_at', '<', window.end)
    .where('diary_items.end_at', '>', window.start);
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
  // Every filed item clears its own skip and skips are rare, so an account and resource without any
  // (one query each) leave their ops out before they are grouped into deletes.
  const hasSkips = new Map<string, boolean>();
  const pending: Op<'sync_skip.clear'>[] = [];
  for (const op of ops) {
    const key = `${op.accountId}\u0000${op.resource}`;
    let has = hasSkips.get(key);
    if (has === undefined) {
      const any = await trx
        .selectFrom('sync_skips')
        .select('graph_id')
        .where('account_id', '=', op.accountId)
        .where('resource', '=', op.resource)
        .limit(1)
        .executeTakeFirst();
      hasSkips.set(key, (has = any !== undefined));
    }
    if (has) pending.push(op);
  }
  await forEachGroupChunk(
    pending,
    (o) => [o.accountId, o.resource],
    (o) => o.graphId,
    ([accountId = '', resource = ''], chunk) =>
      trx
        .deleteFrom('sync_skips')
        .where('account_id', '=', accountId)
        .where('resource', '=', resource)
        .where('graph_id', 'in', chunk)
        .execute(),
  );
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

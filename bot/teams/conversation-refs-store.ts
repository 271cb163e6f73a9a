import type {
  ConversationReferenceStore,
  ConversationReferenceStoreAddOptions,
  PagedData,
} from '@microsoft/teamsfx';
import type { ConversationReference } from 'botbuilder';
import { sql, type Kysely } from 'kysely';
import { fromJsonText, nowIso, toJsonText } from '../store/columns.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { ConversationKind, Database, JsonText } from '../store/schema.js';

/**
 * Conversation references in our store (table conversation_refs) behind teamsfx's
 * ConversationReferenceStore, so every bot process (and the worker's alerts) can reach users and the IT
 * channel proactively, on SQLite and PostgreSQL alike. Personal chats also record the user's object id:
 * that is how a user is found again when something happens outside their turn.
 */

type Db = Kysely<Database>;
type Reference = Partial<ConversationReference>;

const kinds: readonly ConversationKind[] = ['personal', 'channel', 'groupChat'];

function kindOf(ref: Reference): ConversationKind | undefined {
  const t = ref.conversation?.conversationType;
  return kinds.find((k) => k === t);
}

type ReferenceArgs = [
  string,
  string,
  ConversationKind,
  string | null,
  JsonText<Record<string, unknown>>,
  ReturnType<typeof nowIso>,
  string | null,
];
const rowOf = ([key, tenant_id, kind, aad_object_id, reference, updated_at, time_zone]: ReferenceArgs) => ({
  key,
  tenant_id,
  kind,
  aad_object_id,
  reference,
  updated_at,
  time_zone,
});

// Written on every chat turn (once by teamsfx, once with the user's address): compiled once.
const insertReference = preparedQuery(7, (db, ...row: ReferenceArgs) =>
  db
    .insertInto('conversation_refs')
    .values(rowOf(row))
    .onConflict((oc) => oc.column('key').doNothing()),
);
const upsertReference = preparedQuery(7, (db, ...row: ReferenceArgs) =>
  db
    .insertInto('conversation_refs')
    .values(rowOf(row))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        tenant_id: row[1],
        kind: row[2],
        aad_object_id: row[3],
        reference: row[4],
        updated_at: row[5],
        // A turn without a zone (and teamsfx's own write) keeps the zone recorded before.
        time_zone: sql<string | null>`coalesce(excluded.time_zone, conversation_refs.time_zone)`,
      }),
    ),
);

/**
 * What this process wrote lately, per store: every chat turn saved its conversation's reference twice
 * (teamsfx's insert-if-absent, then ours with the user's address), two writes for a reference that
 * rarely changes. Within `RECENT_MS` of a write, the same key needs no insert-if-absent, and the same
 * reference and zone no upsert; a removal here forgets the key. The cost is an `updated_at` up to a
 * minute old, and a row another process deletes in that minute comes back on a turn after it.
 */
const RECENT_MS = 60_000;
const RECENT_KEPT = 10_000;
interface RecentWrite {
  /** The reference an upsert stored, but its activity id; undefined after an insert-if-absent. */
  reference: string | undefined;
  timeZone: string | undefined;
  at: number;
}
const recentWrites = new WeakMap<Db, Map<string, RecentWrite>>();

function recentOf(db: Db): Map<string, RecentWrite> {
  let recent = recentWrites.get(db);
  if (!recent) recentWrites.set(db, (recent = new Map()));
  return recent;
}

function remember(db: Db, key: string, write: RecentWrite): void {
  const recent = recentOf(db);
  recent.delete(key);
  if (recent.size >= RECENT_KEPT) recent.delete(recent.keys().next().value!);
  recent.set(key, write);
}

export async function saveReference(
  db: Db,
  key: string,
  ref: Reference,
  options: {
    overwrite: boolean;
    kind?: ConversationKind;
    /** The zone this turn carried; a turn without one keeps the zone recorded before. */
    timeZone?: string;
  },
): Promise<boolean> {
  const tenantId = ref.conversation?.tenantId;
  const kind = options.kind ?? kindOf(ref);
  if (!tenantId || !kind) return false;
  const reference = toJsonText(ref as Record<string, unknown>);
  // Every turn's reference names that turn's message; nothing sent later depends on which one.
  const { activityId: _turnMessage, ...lasting } = ref;
  const sameAs = JSON.stringify(lasting);
  const now = Date.now();
  const last = recentOf(db).get(key);
  if (last && now - last.at < RECENT_MS) {
    // The row is there (false: nothing inserted), or holds this reference and zone already.
    if (!options.overwrite) return false;
    if (last.reference === sameAs && last.timeZone === options.timeZone) return true;
  }
  const res = await (options.overwrite ? upsertReference : insertReference)(
    db,
    key,
    tenantId,
    kind,
    kind === 'personal' ? (ref.user?.aadObjectId ?? null) : null,
    reference,
    nowIso(),
    options.timeZone ?? null,
  );
  remember(
    db,
    key,
    options.overwrite
      ? { reference: sameAs, timeZone: options.timeZone, at: now }
      : { reference: undefined, timeZone: undefined, at: now },
  );
  return Number(res.numAffectedRows ?? 0) > 0;
}

export async function referenceByKey(db: Db, key: string): Promise<Reference | undefined> {
  const row = await db
    .selectFrom('conversation_refs')
    .select('reference')
    .where('key', '=', key)
    .executeTakeFirst();
  return row ? (fromJsonText(row.reference) as Reference) : undefined;
}

/** The user's personal chat with the bot, the most recently seen one when there are several. */
export async function personalReference(
  db: Db,
  tenantId: string,
  aadObjectId: string,
): Promise<Reference | undefined> {
  const row = await db
    .selectFrom('conversation_refs')
    .select('reference')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'personal')
    .where('aad_object_id', '=', aadObjectId)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
  return row ? (fromJsonText(row.reference) as Reference) : undefined;
}

// Asked on every turn that carries no zone (and for every card naming a time): compiled once.
const zoneByObjectId = preparedQuery(2, (db, tenantId: string, aadObjectId: string) =>
  db
    .selectFrom('conversation_refs')
    .select('time_zone')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'personal')
    .where('aad_object_id', '=', aadObjectId)
    .where('time_zone', 'is not', null)
    .orderBy('updated_at', 'desc')
    .limit(1),
);
const zonedPersonalChats = preparedQuery(1, (db, tenantId: string) =>
  db
    .selectFrom('conversation_refs')
    .select(['reference', 'time_zone'])
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'personal')
    .where('time_zone', 'is not', null)
    .orderBy('updated_at', 'desc'),
);

/**
 * The zone the user's personal chat last carried, if any turn carried one: found by object id, else by
 * the address Teams gave for them (a CRM user who has talked to the bot but is not bound yet). The
 * object id reads that person's chat alone; only the address needs the organisation's chats.
 */
export async function personalTimeZone(
  db: Db,
  tenantId: string,
  who: { aadObjectId: string | null; email?: string },
): Promise<string | undefined> {
  if (who.aadObjectId) {
    const { rows } = await zoneByObjectId(db, tenantId, who.aadObjectId);
    if (rows[0]?.time_zone) return rows[0].time_zone;
  }
  const wanted = who.email?.trim().toLowerCase();
  if (!wanted) return undefined;
  const { rows } = await zonedPersonalChats(db, tenantId);
  const row = rows.find(
    (r) => (fromJsonText(r.reference) as { user?: { email?: string } }).user?.email?.toLowerCase() === wanted,
  );
  return row?.time_zone ?? undefined;
}

/** The zone recorded on one stored chat (a personal chat's user's), if any. */
export async function timeZoneByKey(db: Db, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('conversation_refs')
    .select('time_zone')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.time_zone ?? undefined;
}

/**
 * A personal chat found by the address Teams gave for its user (recorded by the bot with the
 * reference): reaches a CRM user who has talked to the bot but never changed anything, so is not yet
 * bound to a Teams object id.
 */
export async function personalReferenceByEmail(
  db: Db,
  tenantId: string,
  email: string,
): Promise<Reference | undefined> {
  const wanted = email.trim().toLowerCase();
  const rows = await db
    .selectFrom('conversation_refs')
    .select('reference')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'personal')
    .orderBy('updated_at', 'desc')
    .execute();
  return rows
    .map((r) => fromJsonText(r.reference) as Reference & { user?: { email?: string } })
    .find((r) => r.user?.email?.toLowerCase() === wanted);
}

/** teamsfx's key for a conversation reference, so our writes and its middleware's meet. */
export const referenceKey = (ref: Reference): string =>
  `_${ref.conversation?.tenantId}_${ref.conversation?.id}`;

export class StoreConversationReferences implements ConversationReferenceStore {
  constructor(private readonly db: Db) {}

  add(key: string, reference: Reference, options: ConversationReferenceStoreAddOptions): Promise<boolean> {
    return saveReference(this.db, key, reference, { overwrite: options.overwrite ?? false });
  }

  async remove(key: string): Promise<boolean> {
    recentOf(this.db).delete(key);
    const res = await this.db.deleteFrom('conversation_refs').where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async list(pageSize = 100, continuationToken?: string): Promise<PagedData<Reference>> {
    let q = this.db
      .selectFrom('conversation_refs')
      .select(['key', 'reference'])
      .orderBy('key')
      .limit(pageSize);
    if (continuationToken) q = q.where('key', '>', continuationToken);
    const rows = await q.execute();
    return {
      data: rows.map((r) => fromJsonText(r.reference) as Reference),
      continuationToken: rows.length === pageSize ? rows[rows.length - 1]!.key : undefined,
    };
  }
}

import type { Kysely } from 'kysely';
import type {
  Database,
  DiaryItemOwnersTable,
  DiaryItemsTable,
  Flag,
  IsoTimestamp,
  MailItemOwnersTable,
  MailItemsTable,
  SyncCursorsTable,
} from '../store/schema.js';
import type { Generated } from 'kysely';
import type { Store } from '../store/store.js';

/**
 * The store's tables with the columns migration 0002-sync-page-versions adds for the worker
 * (versions, owner detach markers, cursor round state). Declared here, next to their only writer,
 * so the worker's queries are typed without widening the store's own `Database` for everyone.
 * `baseline_generation` comes from 0004-baseline-generations (see core/baseline.ts).
 */
export interface SyncDatabase extends Database {
  sync_cursors: SyncCursorsTable & { round_complete: Generated<Flag>; baseline_generation: number | null };
  mail_items: MailItemsTable & { version: Generated<string> };
  mail_item_owners: MailItemOwnersTable & {
    version: Generated<string>;
    left_at: IsoTimestamp | null;
    baseline_generation: number | null;
  };
  diary_items: DiaryItemsTable & {
    version: Generated<string>;
    is_all_day: Generated<Flag>;
    sensitivity: string | null;
  };
  diary_item_owners: DiaryItemOwnersTable & {
    version: Generated<string>;
    role: Generated<'organizer' | 'attendee'>;
    removed_at: IsoTimestamp | null;
    baseline_generation: number | null;
  };
}

export function syncDb(store: Pick<Store, 'db'>): Kysely<SyncDatabase> {
  return store.db as unknown as Kysely<SyncDatabase>;
}

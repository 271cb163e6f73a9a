/**
 * The storage floor of the initial-sync comparison, run as its own process (as the worker is): the
 * CPU it takes to put exactly the rows the worker's import left in the CRM (filed items, their owner
 * links and contact links, mail and diary) into a fresh store with the product's schema and the
 * store's own SQLite settings (bot/store/store.ts openSqlite: WAL, checkpoints, cache, foreign keys),
 * by the cheapest means there is: one prepared plain INSERT per row, pages of `pageSize` items each
 * committed in one transaction as the worker commits a page. No parsing, filing, upsert conflict
 * handling, baseline stamps, cursors or run counters. With the bare client's CPU (reading alone) it
 * bounds from below what any worker that stores these rows on SQLite can cost per item.
 *
 * Input: STORE_FLOOR_INPUT (JSON: source, the import's SQLite file; accountId; pageSize).
 * Output: one JSON line (rows written, items, cpuMs over the writes, ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStore, openSqlite } from '../../bot/store/store.js';

interface Input {
  source: string;
  accountId: string;
  pageSize: number;
}

type Row = Record<string, unknown>;

interface Filed {
  item: Row;
  owner: Row;
  links: Row[];
}

const KINDS = [
  { item: 'mail_items', owner: 'mail_item_owners', link: 'mail_item_contacts', column: 'mail_item_id' },
  { item: 'diary_items', owner: 'diary_item_owners', link: 'diary_item_contacts', column: 'diary_item_id' },
] as const;

/** The parents the filed rows reference; copied before the measurement, with no checks. */
const PARENTS = ['tenants', 'sync_accounts', 'crm_contacts'] as const;

async function main(): Promise<void> {
  const input = JSON.parse(process.env.STORE_FLOOR_INPUT ?? '') as Input;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'store-floor-'));
  try {
    const sqlitePath = path.join(dir, 'floor.db');
    const store = createStore({ sqlitePath });
    await store.migrate();
    await store.close();

    const db = openSqlite({ sqlitePath });
    db.prepare('attach database ? as src').run(input.source);
    db.pragma('foreign_keys = OFF');
    for (const table of PARENTS) db.exec(`insert into main.${table} select * from src.${table}`);
    db.pragma('foreign_keys = ON');

    const pages: { kind: (typeof KINDS)[number]; filed: Filed[] }[] = [];
    let rows = 0;
    let items = 0;
    for (const kind of KINDS) {
      // The owner links in the order the import wrote them, each with its item and contact links.
      const owners = db
        .prepare(`select * from src.${kind.owner} where account_id = ? order by rowid`)
        .all(input.accountId) as Row[];
      const item = db.prepare(`select * from src.${kind.item} where id = ?`);
      const links = db.prepare(`select * from src.${kind.link} where ${kind.column} = ? order by rowid`);
      const filed = owners.map((owner) => {
        const id = owner[kind.column];
        return { item: item.get(id) as Row, owner, links: links.all(id) as Row[] };
      });
      for (let i = 0; i < filed.length; i += input.pageSize)
        pages.push({ kind, filed: filed.slice(i, i + input.pageSize) });
      rows += filed.reduce((n, f) => n + 2 + f.links.length, 0);
      items += filed.length;
    }
    db.exec('detach database src');

    const inserts = new Map(
      KINDS.flatMap((kind) => [kind.item, kind.owner, kind.link]).map((table) => [
        table,
        insertInto(db, table),
      ]),
    );
    const write = db.transaction((kind: (typeof KINDS)[number], filed: Filed[]) => {
      for (const f of filed) inserts.get(kind.item)!(f.item);
      for (const f of filed) inserts.get(kind.owner)!(f.owner);
      for (const f of filed) for (const link of f.links) inserts.get(kind.link)!(link);
    });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (const page of pages) write(page.kind, page.filed);
    const cpu = process.cpuUsage(cpuBefore);
    const ms = performance.now() - started;
    db.close();
    process.stdout.write(`${JSON.stringify({ rows, items, cpuMs: (cpu.user + cpu.system) / 1000, ms })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A plain single-row INSERT of every column the table has, bound by name. */
function insertInto(db: ReturnType<typeof openSqlite>, table: string): (row: Row) => void {
  const columns = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  const statement = db.prepare(
    `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  return (row) => {
    statement.run(row);
  };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

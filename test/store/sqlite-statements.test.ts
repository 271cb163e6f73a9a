import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqliteDatabase as KyselySqlite } from 'kysely';
import { cachingStatements } from '../../bot/store/sqlite-statements.js';

/** A real in-memory SQLite database that counts how often SQL is prepared. */
function countingDatabase() {
  const database = new SqliteDatabase(':memory:');
  const prepared: string[] = [];
  const counted: KyselySqlite = {
    close: () => database.close(),
    prepare(text) {
      prepared.push(text);
      return database.prepare(text);
    },
  };
  return { counted, prepared };
}

describe('cachingStatements', () => {
  it('prepares a query once and answers every run with that run’s parameters', async () => {
    const { counted, prepared } = countingDatabase();
    const db = new Kysely<{ t: { id: number; name: string } }>({
      dialect: new SqliteDialect({ database: cachingStatements(counted) }),
    });
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    for (const [id, name] of [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ] as const)
      await db.insertInto('t').values({ id, name }).execute();
    const names = [];
    for (const id of [3, 1, 2])
      names.push((await db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst())?.name);
    assert.deepEqual(names, ['three', 'one', 'two']);
    assert.equal(prepared.filter((s) => s.startsWith('insert')).length, 1);
    assert.equal(prepared.filter((s) => s.startsWith('select')).length, 1);
    await db.destroy();
  });

  it('sees a schema change made after a statement was prepared', async () => {
    const { counted } = countingDatabase();
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new SqliteDialect({ database: cachingStatements(counted) }),
    });
    await sql`create table t (id integer primary key)`.execute(db);
    await sql`insert into t (id) values (1)`.execute(db);
    const all = sql<Record<string, unknown>>`select * from t`;
    assert.deepEqual((await all.execute(db)).rows, [{ id: 1 }]);
    await sql`alter table t add column note text default 'x'`.execute(db);
    assert.deepEqual((await all.execute(db)).rows, [{ id: 1, note: 'x' }]);
    await db.destroy();
  });

  it('keeps at most `max` statements, dropping the least recently used', () => {
    const { counted, prepared } = countingDatabase();
    const cache = cachingStatements(counted, 2);
    cache.prepare('select 1');
    cache.prepare('select 2');
    cache.prepare('select 1');
    cache.prepare('select 3'); // drops `select 2`, used longest ago
    cache.prepare('select 1');
    cache.prepare('select 2');
    assert.deepEqual(prepared, ['select 1', 'select 2', 'select 3', 'select 2']);
    cache.close();
  });
});

import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bulkStatement } from '../../bot/store/bulk-statement.js';
import { toIso } from '../../bot/store/columns.js';
import { forEachDialect } from '../support/postgres.js';

forEachDialect('bulkStatement', (suite) => {
  const at = toIso(Date.parse('2026-01-01T00:00:00Z'));
  const tenant = (id: string, name: string, consent: string | null) => ({
    id,
    name,
    consent_granted_at: consent,
    created_at: at,
    updated_at: at,
  });
  const names = async (prefix: string) =>
    (
      await suite.store.db
        .selectFrom('tenants')
        .select(['id', 'name', 'consent_granted_at'])
        .where('id', 'like', `${prefix}%`)
        .orderBy('id')
        .execute()
    ).map((r) => [r.id, r.name, r.consent_granted_at]);

  it('writes every row of each call with its own values, compiling once per row count', async function () {
    let builds = 0;
    // The upsert's `set consent_granted_at = null` is a constant of the statement, not a row's value.
    const upsert = bulkStatement<ReturnType<typeof tenant>>((db, rows) => {
      builds += 1;
      return db
        .insertInto('tenants')
        .values(rows)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), consent_granted_at: null })),
        );
    });
    const db = suite.store.db;
    await upsert(db, db, [tenant('bulk-1', 'One', at), tenant('bulk-2', 'Two', null)]);
    await upsert(db, db, [tenant('bulk-3', 'Three', at), tenant('bulk-1', 'One again', at)]);
    await db.transaction().execute((trx) => upsert(db, trx, [tenant('bulk-4', 'Four', at)]));
    await upsert(db, db, []);
    assert.deepEqual(await names('bulk-'), [
      ['bulk-1', 'One again', null],
      ['bulk-2', 'Two', null],
      ['bulk-3', 'Three', at],
      ['bulk-4', 'Four', at],
    ]);
    assert.equal(builds, 2, 'two rows and one row: two statements, each built once');
  });

  it('runs any row count as power-of-two pieces, so varying counts compile a few statements', async function () {
    const sizes: number[] = [];
    const insert = bulkStatement<ReturnType<typeof tenant>>((db, rows) => {
      sizes.push(rows.length);
      return db.insertInto('tenants').values(rows).returning('id');
    });
    const db = suite.store.db;
    const batch = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        tenant(`piece-${String(from + i).padStart(2, '0')}`, 'P', null),
      );
    const returned = [
      ...(await insert(db, db, batch(0, 7))),
      ...(await insert(db, db, batch(7, 5))),
      ...(await insert(db, db, batch(12, 3))),
    ];
    assert.deepEqual(
      sizes.sort((a, b) => a - b),
      [1, 2, 4],
    );
    const expected = Array.from({ length: 15 }, (_, i) => `piece-${String(i).padStart(2, '0')}`);
    assert.deepEqual(
      (await names('piece-')).map(([id]) => id),
      expected,
    );
    assert.deepEqual(returned.map((r) => r.id).sort(), expected);
  });

  it('gives back the rows its RETURNING returned: inserted and changed ones, not those the upsert left alone', async function () {
    const upsert = bulkStatement<ReturnType<typeof tenant>>((db, rows) =>
      db
        .insertInto('tenants')
        .values(rows)
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({ name: eb.ref('excluded.name') }))
            .where((eb) => eb('tenants.name', '<>', eb.ref('excluded.name'))),
        )
        .returning(['id', 'name']),
    );
    const db = suite.store.db;
    const first = await upsert(db, db, [tenant('ret-1', 'One', null), tenant('ret-2', 'Two', null)]);
    assert.deepEqual(first.map((r) => [r.id, r.name]).sort(), [
      ['ret-1', 'One'],
      ['ret-2', 'Two'],
    ]);
    const second = await db
      .transaction()
      .execute((trx) => upsert(db, trx, [tenant('ret-1', 'One', null), tenant('ret-2', 'Deux', null)]));
    assert.deepEqual(
      second.map((r) => [r.id, r.name]),
      [['ret-2', 'Deux']],
    );
    assert.deepEqual(await upsert(db, db, []), []);
  });

  it('refuses a statement that does not take a row’s value as a parameter of its own', async function () {
    const inlined = bulkStatement<ReturnType<typeof tenant>>((db, rows) =>
      db
        .insertInto('tenants')
        .values(rows.map((r) => ({ ...r, name: sql<string>`upper(${sql.raw(`'${String(r.name)}'`)})` }))),
    );
    const db = suite.store.db;
    await assert.rejects(
      inlined(db, db, [tenant('bulk-x', 'X', null)]),
      /must take each value of each row as a parameter/,
    );
    assert.deepEqual(await names('bulk-x'), []);
  });
});

import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { toIso } from '../../bot/store/columns.js';
import { preparedQuery } from '../../bot/store/prepared-query.js';
import type { IsoTimestamp } from '../../bot/store/schema.js';
import { forEachDialect } from '../support/postgres.js';

forEachDialect('preparedQuery', (suite) => {
  it('compiles once per database and runs with each call’s values, null included', async () => {
    let builds = 0;
    // The timestamps are constants of the query, not arguments: they stay as compiled.
    const at = toIso(Date.parse('2026-01-01T00:00:00Z'));
    const insert = preparedQuery(3, (db, id: string, name: string, consentAt: IsoTimestamp | null) => {
      builds += 1;
      return db
        .insertInto('tenants')
        .values({ id, name, consent_granted_at: consentAt, created_at: at, updated_at: at })
        .onConflict((oc) => oc.column('id').doUpdateSet({ name, consent_granted_at: consentAt }));
    });
    const byId = preparedQuery(1, (db, id: string) => {
      builds += 1;
      return db
        .selectFrom('tenants')
        .select(['id', 'name', 'consent_granted_at', 'created_at'])
        .where('id', '=', id);
    });
    const db = suite.store.db;
    await insert(db, 'prep-1', 'One', at);
    await insert(db, 'prep-2', 'Two', null);
    await insert(db, 'prep-1', 'One again', null);
    assert.deepEqual((await byId(db, 'prep-1')).rows, [
      { id: 'prep-1', name: 'One again', consent_granted_at: null, created_at: at },
    ]);
    assert.deepEqual((await byId(db, 'prep-2')).rows, [
      { id: 'prep-2', name: 'Two', consent_granted_at: null, created_at: at },
    ]);
    assert.deepEqual((await byId(db, 'prep-3')).rows, []);
    assert.equal(builds, 2, 'each query is built once');
  });

  it('refuses a query that does not use an argument as a parameter of its own', async () => {
    const db = suite.store.db;
    const unused = preparedQuery(2, (d, id: string, _other: string) =>
      d.selectFrom('tenants').select('id').where('id', '=', id),
    );
    await assert.rejects(unused(db, 'a', 'b'), /each of its 2 arguments/);
    const pattern = preparedQuery(1, (d, name: string) =>
      d.selectFrom('tenants').select('id').where('name', 'like', `%${name}%`),
    );
    await assert.rejects(pattern(db, 'x'), /each of its 1 arguments/);
    const inlined = preparedQuery(1, (d, id: string) =>
      d
        .selectFrom('tenants')
        .select('id')
        .where(sql.raw<boolean>(`id = '${id}'`)),
    );
    await assert.rejects(inlined(db, 'x'), /each of its 1 arguments/);
  });
});

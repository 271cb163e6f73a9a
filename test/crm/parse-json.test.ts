import assert from 'node:assert/strict';
import { CrmInputError } from '../../bot/crm/crm-rows.js';
import { parseCrmJson } from '../../bot/crm/parse-json.js';

describe('CRM JSON parsing', function () {
  it('locates every row by its JSON path', function () {
    const rows = parseCrmJson(
      JSON.stringify({
        appointments: [{ c: 3 }],
        users: [{ a: 1 }, { b: 2 }],
        tenants: [{ id: 't' }],
        contacts: [],
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.type, r.where, r.data]),
      [
        ['tenant', 'tenants[0]', { id: 't' }],
        ['user', 'users[0]', { a: 1 }],
        ['user', 'users[1]', { b: 2 }],
        ['appointment', 'appointments[0]', { c: 3 }],
      ],
    );
  });

  it('refuses text that is not JSON, a non-object, an unknown section and a section that is not a list', function () {
    assert.throws(
      () => parseCrmJson('{"users": ['),
      (e) => e instanceof CrmInputError && /not valid JSON/.test(e.message),
    );
    assert.throws(() => parseCrmJson('[]'), CrmInputError);
    assert.throws(() => parseCrmJson('{"people": []}'), /people/);
    assert.throws(() => parseCrmJson('{"users": {}}'), /"users" must be a list/);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CrmInputError } from '../../bot/crm/crm-rows.js';
import { importCrm } from '../../bot/crm/import.js';
import { fromFlag } from '../../bot/store/columns.js';
import type { Store } from '../../bot/store/store.js';
import { forEachDialect } from '../support/postgres.js';

const CONTOSO = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const FABRIKAM = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const demoJson = () => readFile(new URL('../../bot/crm/demo-crm.json', import.meta.url), 'utf8');

async function snapshot(store: Store) {
  const db = store.db;
  return {
    tenants: await db.selectFrom('tenants').select(['id', 'name', 'domains']).orderBy('id').execute(),
    users: await db
      .selectFrom('crm_users')
      .select(['id', 'tenant_id', 'work_email', 'display_name', 'is_admin', 'cloud_sync_visible'])
      .orderBy('work_email')
      .execute(),
    contacts: await db
      .selectFrom('crm_contacts')
      .select(['id', 'tenant_id', 'display_name', 'kind', 'organisation', 'external_ref'])
      .orderBy('display_name')
      .execute(),
    emails: await db
      .selectFrom('crm_contact_emails')
      .select(['contact_id', 'email'])
      .orderBy('email')
      .execute(),
  };
}

async function wipe(store: Store) {
  await store.db.deleteFrom('audit_log').execute();
  await store.db.deleteFrom('tenants').execute();
}

forEachDialect('CRM import', (suite) => {
  beforeEach(async function () {
    await wipe(suite.store);
  });

  it('loads the demo data of docs/demo-identities.md exactly', async function () {
    const report = await importCrm(suite.store, await demoJson(), { format: 'json' });
    assert.deepEqual(report.rejected, []);
    assert.deepEqual(report.tenants, { created: 2, updated: 0, unchanged: 0 });
    const { tenants, users, emails } = await snapshot(suite.store);
    assert.deepEqual(
      tenants.map((t) => [t.id, t.name]),
      [
        [CONTOSO, 'Contoso Recruitment'],
        [FABRIKAM, 'Fabrikam Staffing'],
      ],
    );
    assert.deepEqual(
      users.map((u) => [u.work_email, u.tenant_id, fromFlag(u.is_admin), fromFlag(u.cloud_sync_visible)]),
      [
        ['alice.smith@contoso.com', CONTOSO, false, true],
        ['ben.jones@contoso.com', CONTOSO, false, false],
        ['cwhite@contoso-recruitment.com', CONTOSO, false, true],
        ['dan.morgan@contoso.com', CONTOSO, true, true],
        ['erin.lee@fabrikam.com', FABRIKAM, false, true],
        ['frank.ortiz@fabrikam.com', FABRIKAM, true, true],
      ],
    );
    assert.deepEqual(
      emails.map((e) => e.email),
      [
        'grace.kim@adventure-works.example',
        'liam.chen@example.com',
        'priya.p@example.net',
        'priya.patel@example.com',
        'sofia.rossi@example.org',
        'tom.becker@northwind.example',
      ],
    );
  });

  it('is idempotent: a second run changes nothing and reports everything unchanged', async function () {
    await importCrm(suite.store, await demoJson(), { format: 'json' });
    const before = await snapshot(suite.store);
    const again = await importCrm(suite.store, await demoJson(), { format: 'json' });
    assert.deepEqual(again.tenants, { created: 0, updated: 0, unchanged: 2 });
    assert.deepEqual(again.users, { created: 0, updated: 0, unchanged: 6 });
    assert.deepEqual(again.contacts, { created: 0, updated: 0, unchanged: 5 });
    assert.deepEqual(await snapshot(suite.store), before);
  });

  it('imports the valid rows of a CSV file and rejects the others with their line numbers', async function () {
    const csv = [
      'type,tenant,name,email,admin,cloud_sync_visible,kind,organisation,external_ref,domains',
      `tenant,${CONTOSO},Contoso Recruitment,,,,,,,contoso.com`,
      `user,${CONTOSO},Alice Smith,Alice.Smith@contoso.com,no,yes,,,,`,
      `user,${CONTOSO},Bad Address,bad-address,,,,,,`,
      `user,${CONTOSO},Dupe One,dupe@contoso.com,,,,,,`,
      `user,${CONTOSO},Dupe Two,DUPE@contoso.com,,,,,,`,
      `user,${FABRIKAM},Erin Lee,erin.lee@fabrikam.com,,,,,,`,
      `user,${CONTOSO},,nameless@contoso.com,,,,,,`,
      `contact,${CONTOSO},Tom Becker,tom.becker@northwind.example,,,client,Northwind,CON-0002,`,
    ].join('\n');
    const report = await importCrm(suite.store, csv, { format: 'csv' });
    assert.deepEqual(
      report.rejected.map((r) => [r.line, r.reasons]),
      [
        [4, ['email is not an e-mail address']],
        [5, ['duplicate work e-mail dupe@contoso.com (also line 6)']],
        [6, ['duplicate work e-mail dupe@contoso.com (also line 5)']],
        [7, [`unknown tenant ${FABRIKAM} (not in this file or the store)`]],
        [8, ['name is missing']],
      ],
    );
    const { users, contacts } = await snapshot(suite.store);
    assert.deepEqual(
      users.map((u) => [u.work_email, fromFlag(u.cloud_sync_visible)]),
      [['alice.smith@contoso.com', true]],
    );
    assert.deepEqual(
      contacts.map((c) => [c.display_name, c.kind, c.organisation, c.external_ref]),
      [['Tom Becker', 'client', 'Northwind', 'CON-0002']],
    );
  });

  it('a CSV file and the equivalent JSON file give the same store', async function () {
    const json = {
      tenants: [{ id: CONTOSO, name: 'Contoso', domains: ['contoso.com'] }],
      users: [{ tenant: CONTOSO, workEmail: 'dan.morgan@contoso.com', displayName: 'Dan', admin: true }],
      contacts: [
        {
          tenant: CONTOSO,
          displayName: 'Priya',
          kind: 'candidate',
          emails: ['priya.patel@example.com', 'priya.p@example.net'],
        },
      ],
    };
    await importCrm(suite.store, JSON.stringify(json), { format: 'json' });
    const fromJson = await snapshot(suite.store);
    await wipe(suite.store);
    const csv = [
      'type,tenant,name,email,admin,kind,domains',
      `tenant,${CONTOSO},Contoso,,,,contoso.com`,
      `user,${CONTOSO},Dan,dan.morgan@contoso.com,true,,`,
      `contact,${CONTOSO},Priya,priya.patel@example.com;priya.p@example.net,,candidate,`,
    ].join('\r\n');
    await importCrm(suite.store, csv, { format: 'csv' });
    const fromCsv = await snapshot(suite.store);
    const withoutIds = (s: typeof fromJson) => ({
      tenants: s.tenants,
      users: s.users.map(({ id: _id, ...rest }) => rest),
      contacts: s.contacts.map(({ id: _id, ...rest }) => rest),
      emails: s.emails.map((e) => e.email),
    });
    assert.deepEqual(withoutIds(fromCsv), withoutIds(fromJson));
  });

  it('keeps fields a row leaves out, and reports and audits access taken away', async function () {
    await importCrm(suite.store, await demoJson(), { format: 'json' });
    const update = {
      users: [
        { tenant: CONTOSO, workEmail: 'dan.morgan@contoso.com', displayName: 'Dan Morgan', admin: false },
        { tenant: CONTOSO, workEmail: 'ben.jones@contoso.com', displayName: 'Benjamin Jones' },
      ],
    };
    const report = await importCrm(suite.store, JSON.stringify(update), { format: 'json' });
    assert.deepEqual(report.users, { created: 0, updated: 2, unchanged: 0 });
    assert.deepEqual(report.demotions, [
      {
        where: 'users[0]',
        tenantId: CONTOSO,
        workEmail: 'dan.morgan@contoso.com',
        field: 'is_admin',
        from: true,
        to: false,
      },
    ]);
    const dan = await suite.store.db
      .selectFrom('crm_users')
      .where('work_email', '=', 'dan.morgan@contoso.com')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(dan.is_admin, 0);
    assert.equal(dan.cloud_sync_visible, 1, 'left out, so kept');
    const audit = await suite.store.db.selectFrom('audit_log').selectAll().execute();
    assert.deepEqual(
      audit.map((a) => [a.actor, a.action, a.subject, a.from_state, a.to_state]),
      [['crm-import', 'crm_user.is_admin', dan.id, 'true', 'false']],
    );
    const ben = await suite.store.db
      .selectFrom('crm_users')
      .where('work_email', '=', 'ben.jones@contoso.com')
      .select('display_name')
      .executeTakeFirstOrThrow();
    assert.equal(ben.display_name, 'Benjamin Jones');
  });

  it('matches contacts by external ref or primary e-mail, only ever adding addresses', async function () {
    await importCrm(suite.store, await demoJson(), { format: 'json' });
    const before = await snapshot(suite.store);
    const priya = before.contacts.find((c) => c.display_name === 'Priya Patel')!;
    const sofia = before.contacts.find((c) => c.display_name === 'Sofia Rossi')!;
    const update = {
      contacts: [
        {
          tenant: CONTOSO,
          externalRef: 'CON-0001',
          displayName: 'Priya Patel',
          kind: 'candidate',
          emails: ['priya@new.example'],
        },
        {
          tenant: CONTOSO,
          displayName: 'Sofia Rossi-Bianchi',
          kind: 'client',
          emails: ['sofia.rossi@example.org'],
        },
      ],
    };
    const report = await importCrm(suite.store, JSON.stringify(update), { format: 'json' });
    assert.deepEqual(report.rejected, []);
    assert.deepEqual(report.contacts, { created: 0, updated: 2, unchanged: 0 });
    const after = await snapshot(suite.store);
    assert.deepEqual(
      after.emails.filter((e) => e.contact_id === priya.id).map((e) => e.email),
      ['priya.p@example.net', 'priya.patel@example.com', 'priya@new.example'],
    );
    const sofiaAfter = after.contacts.find((c) => c.id === sofia.id)!;
    assert.deepEqual(
      [sofiaAfter.display_name, sofiaAfter.kind, sofiaAfter.external_ref],
      ['Sofia Rossi-Bianchi', 'client', 'CON-0003'],
    );
    assert.equal(after.contacts.length, before.contacts.length);
  });

  it('rejects a contact whose e-mail belongs to another contact in the store, changing nothing for it', async function () {
    await importCrm(suite.store, await demoJson(), { format: 'json' });
    const before = await snapshot(suite.store);
    const update = {
      contacts: [
        {
          tenant: CONTOSO,
          externalRef: 'CON-9999',
          displayName: 'Imposter',
          kind: 'other',
          emails: ['new@example.com', 'tom.becker@northwind.example'],
        },
        {
          tenant: CONTOSO,
          externalRef: 'CON-0002',
          displayName: 'Tom Becker',
          kind: 'client',
          emails: ['priya.patel@example.com'],
        },
      ],
    };
    const report = await importCrm(suite.store, JSON.stringify(update), { format: 'json' });
    assert.deepEqual(report.rejected, [
      {
        where: 'contacts[0]',
        line: undefined,
        reasons: [
          'e-mail tom.becker@northwind.example already belongs to another contact (Tom Becker, CON-0002)',
        ],
      },
      {
        where: 'contacts[1]',
        line: undefined,
        reasons: [
          'e-mail priya.patel@example.com already belongs to another contact (Priya Patel, CON-0001)',
        ],
      },
    ]);
    assert.deepEqual(await snapshot(suite.store), before);
  });

  it('a file that cannot be read imports nothing', async function () {
    await assert.rejects(importCrm(suite.store, '{"tenants": [', { format: 'json' }), CrmInputError);
    await assert.rejects(importCrm(suite.store, 'type,colour\nuser,red\n', { format: 'csv' }), CrmInputError);
    const { tenants } = await snapshot(suite.store);
    assert.deepEqual(tenants, []);
  });
});

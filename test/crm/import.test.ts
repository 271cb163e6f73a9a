import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CrmInputError } from '../../bot/crm/crm-rows.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { importCrm } from '../../bot/crm/import.js';
import { fromFlag } from '../../bot/store/columns.js';
import type { Store } from '../../bot/store/store.js';
import { forEachDialect } from '../support/postgres.js';

const CONTOSO = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const FABRIKAM = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const demoJson = () => readFile(new URL('../../bot/crm/demo-crm.json', import.meta.url), 'utf8');
const sample = (ext: 'json' | 'csv') =>
  readFile(new URL(`../../bot/crm/sample-appointments.${ext}`, import.meta.url), 'utf8');

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

async function appointmentsOf(store: Store) {
  return store.db
    .selectFrom('crm_appointments as a')
    .innerJoin('crm_users as u', 'u.id', 'a.owner_crm_user_id')
    .select([
      'a.tenant_id',
      'a.crm_id',
      'u.work_email',
      'a.subject',
      'a.start_at',
      'a.end_at',
      'a.time_zone',
      'a.location',
      'a.attendees',
      'a.invite_attendees',
      'a.notes',
      'a.version',
    ])
    .orderBy('a.crm_id')
    .execute();
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
    assert.deepEqual(report.tenants, { created: 2, updated: 0, unchanged: 0, rejected: 0 });
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
    assert.deepEqual(again.tenants, { created: 0, updated: 0, unchanged: 2, rejected: 0 });
    assert.deepEqual(again.users, { created: 0, updated: 0, unchanged: 6, rejected: 0 });
    assert.deepEqual(again.contacts, { created: 0, updated: 0, unchanged: 5, rejected: 0 });
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
    assert.deepEqual(report.users, { created: 0, updated: 2, unchanged: 0, rejected: 0 });
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
    assert.deepEqual(report.contacts, { created: 0, updated: 2, unchanged: 0, rejected: 0 });
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
        type: 'contact',
        where: 'contacts[0]',
        line: undefined,
        reasons: [
          'e-mail tom.becker@northwind.example already belongs to another contact (Tom Becker, CON-0002)',
        ],
      },
      {
        type: 'contact',
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

  describe('appointments', function () {
    const interview = {
      tenant: CONTOSO,
      crmId: 'APT-1',
      owner: 'alice.smith@contoso.com',
      subject: 'Interview: Priya Patel',
      start: '2026-12-07T09:00:00Z',
      end: '2026-12-07T10:00:00Z',
      timeZone: 'Europe/London',
      location: 'Room 2',
      attendees: [{ contact: 'CON-0001' }, { address: 'hiring.manager@northwind.example' }],
      inviteAttendees: true,
      notes: 'Bring the portfolio.',
    };
    const internal = {
      tenant: CONTOSO,
      crmId: 'APT-2',
      owner: 'dan.morgan@contoso.com',
      subject: 'Pipeline review',
      start: '2026-12-08T13:30:00+01:00',
      end: '2026-12-08T14:00:00+01:00',
      timeZone: 'Europe/Paris',
    };
    const json = (appointments: object[]) => JSON.stringify({ appointments });

    beforeEach(async function () {
      await importCrm(suite.store, await demoJson(), { format: 'json' });
    });

    it('creates appointments as the CRM API does, then reports the same file unchanged and a change updated', async function () {
      const changed: string[] = [];
      const onAppointmentChanged = async (a: { tenantId: string; crmId: string }) => {
        changed.push(`${a.tenantId}/${a.crmId}`);
      };
      const first = await importCrm(suite.store, json([interview, internal]), {
        format: 'json',
        onAppointmentChanged,
      });
      assert.deepEqual(first.rejected, []);
      assert.deepEqual(first.appointments, { created: 2, updated: 0, unchanged: 0, rejected: 0 });
      assert.deepEqual(changed, [`${CONTOSO}/APT-1`, `${CONTOSO}/APT-2`]);
      // Owners and contacts resolved as bot/crm/README.md says: a contact by its alphabetically first
      // address (Priya has two), addresses lowercased, times as UTC instants, no attendees by default.
      const created = await appointmentsOf(suite.store);
      assert.deepEqual(
        created.map(({ attendees: _attendees, ...rest }) => rest),
        [
          {
            tenant_id: CONTOSO,
            crm_id: 'APT-1',
            work_email: 'alice.smith@contoso.com',
            subject: 'Interview: Priya Patel',
            start_at: '2026-12-07T09:00:00.000Z',
            end_at: '2026-12-07T10:00:00.000Z',
            time_zone: 'Europe/London',
            location: 'Room 2',
            invite_attendees: 1,
            notes: 'Bring the portfolio.',
            version: 1,
          },
          {
            tenant_id: CONTOSO,
            crm_id: 'APT-2',
            work_email: 'dan.morgan@contoso.com',
            subject: 'Pipeline review',
            start_at: '2026-12-08T12:30:00.000Z',
            end_at: '2026-12-08T13:00:00.000Z',
            time_zone: 'Europe/Paris',
            location: null,
            invite_attendees: 0,
            notes: null,
            version: 1,
          },
        ],
      );
      assert.deepEqual(
        created.map((row) =>
          (JSON.parse(row.attendees) as Array<{ address: string; name: string | null }>).map((a) => [
            a.address,
            a.name,
          ]),
        ),
        [
          [
            ['priya.p@example.net', 'Priya Patel'],
            ['hiring.manager@northwind.example', null],
          ],
          [],
        ],
      );

      const before = await appointmentsOf(suite.store);
      changed.length = 0;
      const again = await importCrm(suite.store, json([interview, internal]), {
        format: 'json',
        onAppointmentChanged,
      });
      assert.deepEqual(again.appointments, { created: 0, updated: 0, unchanged: 2, rejected: 0 });
      assert.deepEqual(changed, [], 'nothing to write to Outlook');
      assert.deepEqual(await appointmentsOf(suite.store), before);

      const moved = await importCrm(
        suite.store,
        json([{ ...interview, start: '2026-12-07T11:00:00Z', end: '2026-12-07T12:00:00Z' }, internal]),
        { format: 'json', onAppointmentChanged },
      );
      assert.deepEqual(moved.appointments, { created: 0, updated: 1, unchanged: 1, rejected: 0 });
      assert.deepEqual(changed, [`${CONTOSO}/APT-1`]);
      const [after] = await appointmentsOf(suite.store);
      assert.deepEqual([after!.start_at, after!.version], ['2026-12-07T11:00:00.000Z', 2]);
    });

    it('rejects each bad appointment row with where it is and why, imports the others, and changes nothing for the rejected', async function () {
      await importCrm(suite.store, json([interview]), { format: 'json' });
      const before = await appointmentsOf(suite.store);
      const report = await importCrm(
        suite.store,
        json([
          { ...internal, crmId: 'APT-10', owner: 'nobody@contoso.com' },
          { ...internal, crmId: 'APT-11', end: '2026-12-08T13:00:00+01:00' },
          { ...internal, crmId: 'APT-12', owner: 'erin.lee@fabrikam.com' },
          { ...internal, crmId: 'APT-13', timeZone: 'Mars/Olympus' },
          { ...internal, crmId: 'APT-14', attendees: [{ contact: 'FAB-0001' }] },
          { ...internal, crmId: 'APT-15', tenant: '00000000-0000-4000-8000-000000000000' },
          { ...internal, crmId: 'APT 16' },
          { ...interview, owner: 'ben.jones@contoso.com' },
          { ...internal, crmId: 'APT-17', colour: 'red' },
          internal,
        ]),
        { format: 'json' },
      );
      assert.deepEqual(
        report.rejected.map((r) => [r.where, r.reasons]),
        [
          ['appointments[0]', [`owner nobody@contoso.com is not a CRM user of tenant ${CONTOSO}`]],
          ['appointments[1]', ['end must be after start']],
          ['appointments[2]', [`owner erin.lee@fabrikam.com is not a CRM user of tenant ${CONTOSO}`]],
          ['appointments[3]', ['timeZone must be an IANA time zone such as Europe/London']],
          [
            'appointments[4]',
            [`attendee contact FAB-0001 is not a contact of tenant ${CONTOSO} (or has no such address)`],
          ],
          [
            'appointments[5]',
            ['unknown tenant 00000000-0000-4000-8000-000000000000 (not in this file or the store)'],
          ],
          ['appointments[6]', ['crmId must be letters, digits, ".", "_", "~" or "-"']],
          [
            'appointments[7]',
            [
              'appointment belongs to another owner than ben.jones@contoso.com: remove it and create a new one for the new owner',
            ],
          ],
          ['appointments[8]', ['unknown field(s) colour']],
        ],
      );
      assert.deepEqual(report.appointments, { created: 1, updated: 0, unchanged: 0, rejected: 9 });
      assert.deepEqual(
        (await appointmentsOf(suite.store)).map((a) => [a.crm_id, a.work_email, a.version]),
        [
          ['APT-1', 'alice.smith@contoso.com', 1],
          ['APT-2', 'dan.morgan@contoso.com', 1],
        ],
      );
      assert.deepEqual((await appointmentsOf(suite.store))[0], before[0]);
    });

    it('brings back an appointment the CRM API removed, as a PUT of it would', async function () {
      await importCrm(suite.store, json([internal]), { format: 'json' });
      assert.equal(await createStoreCrmDiary(suite.store.db).remove(CONTOSO, 'APT-2'), 'removed');
      const again = await importCrm(suite.store, json([internal]), { format: 'json' });
      assert.deepEqual(again.appointments, { created: 0, updated: 1, unchanged: 0, rejected: 0 });
      const row = await suite.store.db
        .selectFrom('crm_appointments')
        .select(['removed_at', 'version'])
        .where('crm_id', '=', 'APT-2')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { removed_at: null, version: 3 });
    });

    it('rejects both rows that give the same appointment id in one tenant', async function () {
      const report = await importCrm(
        suite.store,
        json([internal, { ...internal, subject: 'Pipeline review (moved)' }]),
        { format: 'json' },
      );
      assert.deepEqual(
        report.rejected.map((r) => r.reasons),
        [
          ['duplicate appointment id APT-2 (also appointments[1])'],
          ['duplicate appointment id APT-2 (also appointments[0])'],
        ],
      );
      assert.deepEqual(await appointmentsOf(suite.store), []);
    });

    it('a CSV file gives the same appointments as the equivalent JSON file, with line numbers for bad rows', async function () {
      await importCrm(suite.store, json([interview, internal]), { format: 'json' });
      const fromJson = await appointmentsOf(suite.store);
      await suite.store.db.deleteFrom('crm_appointments').execute();
      const csv = [
        'type,tenant,crm_id,owner,subject,start,end,time_zone,location,attendee_contacts,attendee_addresses,invite_attendees,notes',
        `appointment,${CONTOSO},APT-1,alice.smith@contoso.com,Interview: Priya Patel,2026-12-07T09:00:00Z,2026-12-07T10:00:00Z,Europe/London,Room 2,CON-0001,hiring.manager@northwind.example,yes,Bring the portfolio.`,
        `appointment,${CONTOSO},APT-2,dan.morgan@contoso.com,Pipeline review,2026-12-08T13:30:00+01:00,2026-12-08T14:00:00+01:00,Europe/Paris,,,,,`,
        `appointment,${CONTOSO},APT-3,dan.morgan@contoso.com,Backwards,2026-12-08T14:00:00Z,2026-12-08T13:00:00Z,Europe/London,,,,,`,
      ].join('\n');
      const report = await importCrm(suite.store, csv, { format: 'csv' });
      assert.deepEqual(
        report.rejected.map((r) => [r.line, r.reasons]),
        [[4, ['end must be after start']]],
      );
      assert.deepEqual(report.appointments, { created: 2, updated: 0, unchanged: 0, rejected: 1 });
      assert.deepEqual(await appointmentsOf(suite.store), fromJson);
    });

    it('the sample appointment files of bot/crm/README.md import onto the demo data, and give the same appointments', async function () {
      const fromJson = await importCrm(suite.store, await sample('json'), { format: 'json' });
      assert.deepEqual(fromJson.rejected, []);
      assert.deepEqual(fromJson.appointments, { created: 3, updated: 0, unchanged: 0, rejected: 0 });
      const stored = await appointmentsOf(suite.store);
      const fromCsv = await importCrm(suite.store, await sample('csv'), { format: 'csv' });
      assert.deepEqual(fromCsv.appointments, { created: 0, updated: 0, unchanged: 3, rejected: 0 });
      assert.deepEqual(await appointmentsOf(suite.store), stored);
    });
  });
});

import assert from 'node:assert/strict';
import { CrmInputError } from '../../bot/crm/crm-rows.js';
import { csvColumnOf, parseCrmCsv } from '../../bot/crm/parse-csv.js';

const T = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';

describe('CRM CSV parsing', function () {
  it('maps each row type onto the row fields, with its line number', function () {
    const rows = parseCrmCsv(
      [
        '\ufefftype,tenant,name,email,admin,cloud_sync_visible,kind,external_ref,domains,purge_on_disable',
        `tenant,${T},Contoso,,,,,,contoso.com;contoso.co.uk,yes`,
        '',
        `user,${T},Alice Smith,Alice.Smith@contoso.com,no,YES,,,,`,
        `contact,${T},"Patel, Priya",priya.patel@example.com; priya.p@example.net,,,candidate,CON-1,,`,
      ].join('\n'),
    );
    assert.deepEqual(
      rows.map((r) => [r.where, r.line, r.type, r.problems]),
      [
        ['line 2', 2, 'tenant', []],
        ['line 4', 4, 'user', []],
        ['line 5', 5, 'contact', []],
      ],
    );
    assert.deepEqual(rows[0]!.data, {
      id: T,
      name: 'Contoso',
      domains: ['contoso.com', 'contoso.co.uk'],
      purgeOnDisable: true,
    });
    assert.deepEqual(rows[1]!.data, {
      tenant: T,
      displayName: 'Alice Smith',
      workEmail: 'Alice.Smith@contoso.com',
      admin: false,
      cloudSyncVisible: true,
    });
    assert.deepEqual(rows[2]!.data, {
      tenant: T,
      displayName: 'Patel, Priya',
      emails: ['priya.patel@example.com', 'priya.p@example.net'],
      kind: 'candidate',
      externalRef: 'CON-1',
    });
  });

  it('maps an appointment row onto the CRM API body, both attendee columns into one list', function () {
    const [row] = parseCrmCsv(
      [
        'type,tenant,crm_id,owner,subject,start,end,time_zone,location,attendee_contacts,attendee_addresses,invite_attendees,notes',
        `appointment,${T},APT-1,alice.smith@contoso.com,"Interview, Priya",2026-12-07T09:00:00Z,2026-12-07T10:00:00Z,Europe/London,Room 2,CON-1;CON-2,hm@northwind.example,yes,`,
      ].join('\n'),
    );
    assert.deepEqual([row!.type, row!.line, row!.problems], ['appointment', 2, []]);
    assert.deepEqual(row!.data, {
      tenant: T,
      crmId: 'APT-1',
      owner: 'alice.smith@contoso.com',
      subject: 'Interview, Priya',
      start: '2026-12-07T09:00:00Z',
      end: '2026-12-07T10:00:00Z',
      timeZone: 'Europe/London',
      location: 'Room 2',
      attendees: [{ contact: 'CON-1' }, { contact: 'CON-2' }, { address: 'hm@northwind.example' }],
      inviteAttendees: true,
    });
  });

  it('leaves blank cells out, so they mean "keep what is stored"', function () {
    const [row] = parseCrmCsv(`type,tenant,name,email,admin\nuser,${T},Alice,alice@contoso.com,\n`);
    assert.deepEqual(row!.data, { tenant: T, displayName: 'Alice', workEmail: 'alice@contoso.com' });
  });

  it('flags a bad type, a cell that does not apply, and too many cells on their own lines', function () {
    const rows = parseCrmCsv(
      [
        'type,tenant,name,email,kind',
        `person,${T},X,x@contoso.com,`,
        `user,${T},X,x@contoso.com,client`,
        `user,${T},X,x@y.com,,extra`,
        `appointment,${T},X,,`,
      ].join('\n'),
    );
    assert.deepEqual(
      rows.map((r) => [r.line, r.problems]),
      [
        [2, ['type must be tenant, user, contact or appointment']],
        [3, ['kind does not apply to a user row; leave it empty']],
        [4, ['has 6 cells but the header has 5']],
        [5, ['name does not apply to an appointment row; leave it empty']],
      ],
    );
  });

  it('refuses a file with an unknown column, no type column, no header or broken quoting', function () {
    assert.throws(
      () => parseCrmCsv('type,tenant,colour\n'),
      (e) => e instanceof CrmInputError && /colour/.test(e.message),
    );
    assert.throws(() => parseCrmCsv('tenant,name\n'), /needs a "type" column/);
    assert.throws(() => parseCrmCsv(''), /empty/);
    assert.throws(() => parseCrmCsv('type,name\nuser,"unterminated\n'), CrmInputError);
  });

  it('names row fields by their CSV column in messages', function () {
    assert.equal(csvColumnOf('user', 'workEmail'), 'email');
    assert.equal(csvColumnOf('contact', 'emails'), 'email');
    assert.equal(csvColumnOf('tenant', 'id'), 'tenant');
    assert.equal(csvColumnOf('appointment', 'timeZone'), 'time_zone');
    assert.equal(csvColumnOf('appointment', 'attendees'), 'attendee_contacts/attendee_addresses');
  });
});

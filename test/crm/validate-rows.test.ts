import assert from 'node:assert/strict';
import type { RawCrmRow } from '../../bot/crm/crm-rows.js';
import { csvColumnOf } from '../../bot/crm/parse-csv.js';
import { validateCrmRows } from '../../bot/crm/validate-rows.js';

const T = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const OTHER = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const none = new Set<string>();

let n = 0;
const row = (type: RawCrmRow['type'], data: unknown): RawCrmRow => ({
  type,
  where: `row ${++n}`,
  data,
  problems: [],
});
const user = (workEmail: string, extra: object = {}) =>
  row('user', { tenant: T, workEmail, displayName: 'U', ...extra });
const contact = (emails: string[], extra: object = {}) =>
  row('contact', { tenant: T, displayName: 'C', kind: 'candidate', emails, ...extra });
const tenant = (id = T) => row('tenant', { id, name: 'Contoso' });

describe('CRM row validation', function () {
  it('accepts valid rows, lowercasing e-mails and tenant ids', function () {
    const result = validateCrmRows(
      [
        tenant(T.toUpperCase()),
        user('Alice.Smith@Contoso.com', { admin: true }),
        contact(['Priya@Example.com', 'priya@example.com']),
      ],
      { knownTenantIds: none },
    );
    assert.deepEqual(result.rejected, []);
    assert.equal(result.tenants[0]!.row.id, T);
    assert.deepEqual(result.users[0]!.row, {
      tenant: T,
      workEmail: 'alice.smith@contoso.com',
      displayName: 'U',
      admin: true,
    });
    assert.deepEqual(
      result.contacts[0]!.row.emails,
      ['priya@example.com'],
      'repeats within one contact collapse',
    );
  });

  it('rejects a bad e-mail, a missing field, a wrong kind and an unknown field, with every reason', function () {
    const bad = row('user', { tenant: T, workEmail: 'not-an-address', colour: 'blue' });
    const result = validateCrmRows(
      [tenant(), bad, contact(['x@example.com'], { kind: 'friend' }), contact([])],
      { knownTenantIds: none },
    );
    assert.deepEqual(
      result.rejected.map((r) => [...r.reasons].sort()),
      [
        ['displayName is missing', 'unknown field(s) colour', 'workEmail is not an e-mail address'],
        ['kind must be one of candidate, client, other'],
        ['emails needs at least one e-mail address'],
      ],
    );
    assert.equal(result.users.length, 0);
    assert.equal(result.contacts.length, 0);
  });

  it('rejects every row sharing a work e-mail in one tenant, case-insensitively, and keeps the rest', function () {
    const a = user('alice@contoso.com');
    const b = user('ALICE@contoso.com');
    const c = user('carol@contoso.com');
    const result = validateCrmRows([tenant(), a, b, c], { knownTenantIds: none });
    assert.deepEqual(
      result.rejected.map((r) => [r.where, r.reasons]),
      [
        [a.where, [`duplicate work e-mail alice@contoso.com (also ${b.where})`]],
        [b.where, [`duplicate work e-mail alice@contoso.com (also ${a.where})`]],
      ],
    );
    assert.deepEqual(
      result.users.map((u) => u.row.workEmail),
      ['carol@contoso.com'],
    );
  });

  it('allows the same work e-mail in two tenants', function () {
    const result = validateCrmRows(
      [
        tenant(),
        tenant(OTHER),
        user('a@x.com'),
        row('user', { tenant: OTHER, workEmail: 'a@x.com', displayName: 'A' }),
      ],
      {
        knownTenantIds: none,
      },
    );
    assert.deepEqual(result.rejected, []);
  });

  it('rejects contacts sharing an e-mail or an external ref', function () {
    const result = validateCrmRows(
      [
        tenant(),
        contact(['p@example.com', 'shared@example.com']),
        contact(['shared@example.com']),
        contact(['a@example.com'], { externalRef: 'R1' }),
        contact(['b@example.com'], { externalRef: 'R1' }),
      ],
      { knownTenantIds: none },
    );
    assert.equal(result.rejected.length, 4);
    assert.match(result.rejected[0]!.reasons[0]!, /duplicate contact e-mail shared@example.com/);
    assert.match(result.rejected[2]!.reasons[0]!, /duplicate contact external_ref R1/);
  });

  it('rejects rows of a tenant that is neither in the file nor in the store', function () {
    const orphan = row('user', { tenant: OTHER, workEmail: 'erin@fabrikam.com', displayName: 'Erin' });
    const rejected = validateCrmRows([orphan], { knownTenantIds: none }).rejected;
    assert.deepEqual(rejected[0]!.reasons, [`unknown tenant ${OTHER} (not in this file or the store)`]);
    assert.deepEqual(validateCrmRows([orphan], { knownTenantIds: new Set([OTHER]) }).rejected, []);
  });

  it('does not accept users of a tenant whose own row was rejected', function () {
    const badTenant = row('tenant', { id: T });
    const result = validateCrmRows([badTenant, user('a@contoso.com')], { knownTenantIds: none });
    assert.equal(result.rejected.length, 2);
  });

  it('carries reading problems through and uses CSV column names when asked', function () {
    const fromCsv: RawCrmRow = {
      type: 'user',
      where: 'line 3',
      line: 3,
      data: { tenant: T, workEmail: 'nope', displayName: 'X' },
      problems: [],
    };
    const unreadable: RawCrmRow = {
      where: 'line 4',
      line: 4,
      data: {},
      problems: ['type must be tenant, user, contact or appointment'],
    };
    const result = validateCrmRows([fromCsv, unreadable], {
      knownTenantIds: new Set([T]),
      fieldLabel: csvColumnOf,
    });
    assert.deepEqual(result.rejected, [
      { type: 'user', where: 'line 3', line: 3, reasons: ['email is not an e-mail address'] },
      { where: 'line 4', line: 4, reasons: ['type must be tenant, user, contact or appointment'] },
    ]);
  });

  describe('appointment rows', function () {
    const appointment = (extra: object = {}) =>
      row('appointment', {
        tenant: T,
        crmId: 'APT-1',
        owner: 'Alice.Smith@Contoso.com',
        subject: 'Interview',
        start: '2026-12-07T10:00:00+01:00',
        end: '2026-12-07T11:00:00+01:00',
        timeZone: 'Europe/London',
        ...extra,
      });

    it('validates the body with the CRM API’s own schema, keeping tenant and crmId apart', function () {
      const result = validateCrmRows([appointment()], { knownTenantIds: new Set([T]) });
      assert.deepEqual(result.rejected, []);
      assert.deepEqual(result.appointments[0]!.row, {
        tenant: T,
        crmId: 'APT-1',
        input: {
          owner: 'alice.smith@contoso.com',
          subject: 'Interview',
          start: '2026-12-07T09:00:00.000Z',
          end: '2026-12-07T10:00:00.000Z',
          timeZone: 'Europe/London',
          attendees: [],
          inviteAttendees: false,
        },
      });
    });

    it('names every problem of a bad appointment row, by CSV column when asked', function () {
      const bad = appointment({
        crmId: undefined,
        end: '2026-12-07T08:00:00Z',
        timeZone: 'Nowhere/Else',
        attendees: [{ address: 'not-an-address' }],
      });
      const result = validateCrmRows([bad], { knownTenantIds: new Set([T]), fieldLabel: csvColumnOf });
      assert.deepEqual([...result.rejected[0]!.reasons].sort(), [
        'attendee_contacts/attendee_addresses[0] must be { "contact": externalRef, "address"? } or { "address": e-mail, "name"? }',
        'crm_id is missing',
        'time_zone must be an IANA time zone such as Europe/London',
      ]);
      const backwards = validateCrmRows([appointment({ end: '2026-12-07T08:00:00Z' })], {
        knownTenantIds: new Set([T]),
      });
      assert.deepEqual(backwards.rejected[0]!.reasons, ['end must be after start']);
    });

    it('rejects every row sharing an appointment id in one tenant, and allows it in two tenants', function () {
      const one = appointment();
      const two = appointment({ subject: 'Other' });
      const elsewhere = appointment({ tenant: OTHER });
      const result = validateCrmRows([one, two, elsewhere], { knownTenantIds: new Set([T, OTHER]) });
      assert.deepEqual(
        result.rejected.map((r) => [r.where, r.reasons]),
        [
          [one.where, [`duplicate appointment id APT-1 (also ${two.where})`]],
          [two.where, [`duplicate appointment id APT-1 (also ${one.where})`]],
        ],
      );
      assert.deepEqual(
        result.appointments.map((a) => a.row.tenant),
        [OTHER],
      );
    });
  });
});

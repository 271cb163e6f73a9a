import assert from 'node:assert/strict';
import { registerCrmDiaryRoutes } from '../../../bot/crm/diary/diary-routes.js';
import { createStoreCrmDiary } from '../../../bot/crm/diary/store-crm-diary.js';
import { issueServiceKey } from '../../../bot/crm/service-keys.js';
import { createLogger } from '../../../bot/logging/logger.js';
import { createHttpServer, type HttpServer } from '../../../bot/server/http-server.js';
import { forEachDialect } from '../../support/postgres.js';
import { call, type HttpResult } from '../../tab-api/fixtures/http.js';
import { CONTOSO, FABRIKAM, importDemoCrm } from '../../tab-api/fixtures/seed.js';

/**
 * The CRM diary API over HTTP, as the CRM calls it with its tenant's service key. Expected values come
 * from the demo CRM (bot/crm/demo-crm.json) and the API's rules in bot/crm/README.md.
 */

const ALICE = 'alice.smith@contoso.com';
const BEN = 'ben.jones@contoso.com';
const ERIN = 'erin.lee@fabrikam.com';

const interview = {
  owner: ALICE,
  subject: 'Interview: Priya Patel',
  start: '2026-12-07T09:00:00Z',
  end: '2026-12-07T10:00:00Z',
  timeZone: 'Europe/London',
  location: 'Room 2',
  attendees: [
    { contact: 'CON-0001' },
    { address: 'Hiring.Manager@Northwind.example', name: 'Hiring manager' },
  ],
  inviteAttendees: true,
  notes: 'Bring the portfolio.',
};

forEachDialect('CRM diary API (PUT/DELETE /api/crm/diary/{crmId}) over HTTP', (suite) => {
  let http: HttpServer;
  let baseUrl: string;
  let contosoKey: string;
  let fabrikamKey: string;
  const changed: string[] = [];

  const put = (crmId: string, body: unknown, token = contosoKey) =>
    call(baseUrl, 'PUT', `/api/crm/diary/${crmId}`, { token, body });
  const del = (crmId: string, token = contosoKey) =>
    call(baseUrl, 'DELETE', `/api/crm/diary/${crmId}`, { token });

  const appointment = (tenantId: string, crmId: string) =>
    suite.store.db
      .selectFrom('crm_appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('crm_id', '=', crmId)
      .executeTakeFirst();

  /** Everything a refused request must leave alone. */
  async function snapshot() {
    const db = suite.store.db;
    return {
      appointments: await db.selectFrom('crm_appointments').selectAll().orderBy('id').execute(),
      history: await db.selectFrom('crm_appointment_history').selectAll().orderBy('id').execute(),
      changed: [...changed],
    };
  }

  before(async function () {
    await importDemoCrm(suite.store);
    const issued = await issueServiceKey(suite.store.db, CONTOSO);
    const other = await issueServiceKey(suite.store.db, FABRIKAM);
    assert.ok(issued !== 'unknown_tenant' && other !== 'unknown_tenant');
    contosoKey = issued.key;
    fabrikamKey = other.key;
    http = createHttpServer({ logger: createLogger({ level: 'silent' }), healthChecks: [] });
    registerCrmDiaryRoutes(http.server, {
      db: suite.store.db,
      diary: createStoreCrmDiary(suite.store.db),
      logger: createLogger({ level: 'silent' }),
      onChanged: (a) => changed.push(`${a.tenantId}/${a.crmId}`),
    });
    baseUrl = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  });
  after(async function () {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
  });

  it('creates an appointment for its owner with contacts resolved to their addresses (201)', async function () {
    const res = await put('APT-1', interview);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(
      {
        outcome: res.json.outcome,
        crmId: res.json.crmId,
        version: res.json.version,
        outlook: res.json.outlook,
      },
      { outcome: 'created', crmId: 'APT-1', version: 1, outlook: null },
    );
    const row = await appointment(CONTOSO, 'APT-1');
    const alice = await suite.store.db
      .selectFrom('crm_users')
      .select('id')
      .where('work_email', '=', ALICE)
      .executeTakeFirstOrThrow();
    const priya = await suite.store.db
      .selectFrom('crm_contacts')
      .select('id')
      .where('external_ref', '=', 'CON-0001')
      .executeTakeFirstOrThrow();
    assert.ok(row);
    assert.equal(row.owner_crm_user_id, alice.id);
    assert.equal(row.start_at, '2026-12-07T09:00:00.000Z');
    assert.equal(row.end_at, '2026-12-07T10:00:00.000Z');
    assert.equal(row.time_zone, 'Europe/London');
    assert.equal(row.location, 'Room 2');
    assert.equal(row.notes, 'Bring the portfolio.');
    assert.equal(row.invite_attendees, 1);
    // Priya has two addresses; without one named, the alphabetically first is used.
    assert.deepEqual(JSON.parse(row.attendees), [
      { address: 'priya.p@example.net', name: 'Priya Patel', contactId: priya.id },
      { address: 'hiring.manager@northwind.example', name: 'Hiring manager', contactId: null },
    ]);
    assert.deepEqual(changed, [`${CONTOSO}/APT-1`]);
  });

  it('answers a duplicate delivery of the same appointment with "unchanged" and changes nothing (200)', async function () {
    const before = await snapshot();
    const res = await put('APT-1', interview);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.outcome, 'unchanged');
    assert.equal(res.json.version, 1);
    assert.deepEqual(await snapshot(), before);
  });

  it('replaces the appointment on a change and counts the version up (200)', async function () {
    const res = await put('APT-1', {
      ...interview,
      start: '2026-12-07T11:00:00+01:00',
      end: '2026-12-07T12:00:00+01:00',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.json.outcome, res.json.version], ['updated', 2]);
    const row = await appointment(CONTOSO, 'APT-1');
    assert.equal(row?.start_at, '2026-12-07T10:00:00.000Z');
    const history = await suite.store.db
      .selectFrom('crm_appointment_history')
      .select(['change', 'version', 'source'])
      .where('appointment_id', '=', row!.id)
      .orderBy('version')
      .execute();
    assert.deepEqual(history, [
      { change: 'created', version: 1, source: 'crm' },
      { change: 'updated', version: 2, source: 'crm' },
    ]);
  });

  it('books an internal appointment with no attendees and nobody to invite', async function () {
    const res = await put('APT-INT', {
      owner: BEN,
      subject: 'Pipeline review',
      start: '2026-12-08T14:00:00Z',
      end: '2026-12-08T14:30:00Z',
      timeZone: 'Europe/London',
    });
    assert.equal(res.status, 201, res.text);
    const row = await appointment(CONTOSO, 'APT-INT');
    assert.deepEqual(
      [row?.attendees, row?.invite_attendees, row?.location, row?.notes],
      ['[]', 0, null, null],
    );
  });

  const refusals: {
    title: string;
    send: () => Promise<HttpResult>;
    status: number;
    error: string;
  }[] = [
    { title: 'no credential', send: () => put('APT-1', interview, ''), status: 401, error: 'unauthorized' },
    {
      title: 'a made-up credential',
      send: () => put('APT-1', interview, 'crmk_made-up'),
      status: 401,
      error: 'unauthorized',
    },
    {
      title: 'an unknown owner',
      send: () => put('APT-1', { ...interview, owner: 'nobody@contoso.com' }),
      status: 422,
      error: 'unknown_owner',
    },
    {
      title: 'an owner in another tenant',
      send: () => put('APT-1', { ...interview, owner: ERIN }),
      status: 422,
      error: 'unknown_owner',
    },
    {
      title: 'another tenant’s credential for this tenant’s owner',
      send: () => put('APT-1', interview, fabrikamKey),
      status: 422,
      error: 'unknown_owner',
    },
    {
      title: 'a contact of another tenant',
      send: () => put('APT-1', { ...interview, attendees: [{ contact: 'FAB-0001' }] }),
      status: 422,
      error: 'unknown_contact',
    },
    {
      title: 'a contact address the contact does not have',
      send: () =>
        put('APT-1', {
          ...interview,
          attendees: [{ contact: 'CON-0001', address: 'tom.becker@northwind.example' }],
        }),
      status: 422,
      error: 'unknown_contact',
    },
    {
      title: 'another owner for an existing appointment',
      send: () => put('APT-1', { ...interview, owner: BEN }),
      status: 409,
      error: 'owner_changed',
    },
    {
      title: 'an end before the start',
      send: () => put('APT-1', { ...interview, end: '2026-12-07T08:00:00Z' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'an end equal to the start',
      send: () => put('APT-1', { ...interview, end: interview.start }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'a time without an offset',
      send: () => put('APT-1', { ...interview, start: '2026-12-07T09:00:00' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'an unknown time zone',
      send: () => put('APT-1', { ...interview, timeZone: 'Mars/Olympus' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'an unknown field',
      send: () => put('APT-1', { ...interview, colour: 'red' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      // Recurring appointments are not supported (bot/crm/README.md): a series is refused.
      title: 'a recurrence',
      send: () =>
        put('APT-1', {
          ...interview,
          recurrence: {
            pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
            range: { type: 'noEnd', startDate: '2026-12-07' },
          },
        }),
      status: 400,
      error: 'invalid_request',
    },
    {
      // Nor is a write to one occurrence of a series.
      title: 'a single occurrence of a series',
      send: () =>
        put('APT-1', { ...interview, seriesMasterId: 'APT-SERIES', originalStart: '2026-12-07T09:00:00Z' }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'a missing subject',
      send: () => put('APT-1', { ...interview, subject: undefined }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'a malformed attendee',
      send: () => put('APT-1', { ...interview, attendees: [{ contact: 'CON-0001', name: 'x' }] }),
      status: 400,
      error: 'invalid_request',
    },
    {
      title: 'a body that is not JSON',
      send: () => call(baseUrl, 'PUT', '/api/crm/diary/APT-1', { token: contosoKey, rawBody: '{"owner":' }),
      status: 400,
      error: 'invalid_json',
    },
    {
      title: 'a body that is not sent as JSON',
      send: () =>
        call(baseUrl, 'PUT', '/api/crm/diary/APT-1', {
          token: contosoKey,
          rawBody: 'owner=x',
          contentType: 'text/plain',
        }),
      status: 415,
      error: 'unsupported_media_type',
    },
    {
      title: 'an id with characters the API does not take',
      send: () => put('APT%201', interview),
      status: 400,
      error: 'invalid_crm_id',
    },
    {
      title: 'removing with another tenant’s credential',
      send: () => del('APT-1', fabrikamKey),
      status: 404,
      error: 'not_found',
    },
    {
      title: 'removing an appointment that does not exist',
      send: () => del('APT-404'),
      status: 404,
      error: 'not_found',
    },
    {
      title: 'removing without a credential',
      send: () => del('APT-1', ''),
      status: 401,
      error: 'unauthorized',
    },
  ];
  for (const r of refusals) {
    it(`refuses ${r.title} with ${r.status} ${r.error} and changes nothing`, async function () {
      const before = await snapshot();
      const res = await r.send();
      assert.equal(res.status, r.status, JSON.stringify(res.json));
      assert.equal(res.json.error, r.error);
      assert.ok(res.json.message.length > 0);
      assert.deepEqual(await snapshot(), before);
    });
  }

  it('names the recurrence or occurrence field it does not take', async function () {
    const res = await put('APT-1', {
      ...interview,
      seriesMasterId: 'APT-SERIES',
      originalStart: interview.start,
    });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /seriesMasterId/);
    assert.match(res.json.message, /originalStart/);
  });

  it('names the problems of a bad body field by field', async function () {
    const res = await put('APT-1', { ...interview, end: '2026-12-07T08:00:00Z', timeZone: 'Nowhere' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.issues.map((i: { path: string }) => i.path).sort(), ['end', 'timeZone']);
    const endOnly = await put('APT-1', { ...interview, end: '2026-12-07T08:00:00Z' });
    assert.deepEqual(endOnly.json.issues, [{ path: 'end', message: 'must be after start' }]);
  });

  it('removes an appointment (204), keeps it marked removed, and answers a second removal the same way', async function () {
    const first = await del('APT-1');
    assert.equal(first.status, 204);
    const row = await appointment(CONTOSO, 'APT-1');
    assert.ok(row?.removed_at);
    assert.equal(row.version, 3);
    const before = await snapshot();
    const again = await del('APT-1');
    assert.equal(again.status, 204);
    assert.deepEqual(await snapshot(), before);
  });

  it('brings a removed appointment back when the CRM sends it again', async function () {
    const res = await put('APT-1', interview);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.json.outcome, res.json.version, res.json.removed], ['updated', 4, false]);
  });

  it('keeps each tenant’s appointments apart: the same CRM id in two tenants is two appointments', async function () {
    const res = await put(
      'APT-1',
      { ...interview, owner: ERIN, attendees: [{ contact: 'FAB-0001' }] },
      fabrikamKey,
    );
    assert.equal(res.status, 201, res.text);
    assert.equal((await appointment(CONTOSO, 'APT-1'))?.subject, interview.subject);
    const erin = await suite.store.db
      .selectFrom('crm_users')
      .select('id')
      .where('work_email', '=', ERIN)
      .executeTakeFirstOrThrow();
    assert.equal((await appointment(FABRIKAM, 'APT-1'))?.owner_crm_user_id, erin.id);
  });

  it('refuses a rotated-out key and accepts its replacement; a handover keeps both', async function () {
    const rotated = await issueServiceKey(suite.store.db, CONTOSO);
    assert.ok(rotated !== 'unknown_tenant');
    assert.equal(rotated.revoked, 1);
    assert.equal((await put('APT-1', interview)).status, 401);
    assert.equal((await put('APT-1', interview, rotated.key)).status, 200);
    const handover = await issueServiceKey(suite.store.db, CONTOSO, { keepPrevious: true });
    assert.ok(handover !== 'unknown_tenant');
    assert.equal((await put('APT-1', interview, rotated.key)).status, 200);
    assert.equal((await put('APT-1', interview, handover.key)).status, 200);
    const stored = await suite.store.db.selectFrom('crm_service_keys').select('key_hash').execute();
    for (const k of [contosoKey, rotated.key, handover.key])
      assert.ok(!stored.some((s) => s.key_hash.includes(k)), 'the key itself is never stored');
  });
});

import assert from 'node:assert/strict';
import { newId, nowIso, toJsonText } from '../../bot/store/columns.js';
import { createStoreCrmDiary } from '../../bot/crm/diary/store-crm-diary.js';
import { call } from './fixtures/http.js';
import {
  addAccount,
  addMailItem,
  addRun,
  addSkip,
  CONTOSO,
  crmUserId,
  FABRIKAM,
  minutesAgo,
} from './fixtures/seed.js';
import { startTabStack, type TabStack } from './fixtures/tab-stack.js';
import { BAD_TOKENS, badToken } from './fixtures/tokens.js';

const ALICE = 'alice.smith@contoso.com';
const BEN = 'ben.jones@contoso.com';
const CAROL = 'carol.white@contoso.com';
const DAN = 'dan.morgan@contoso.com';
const ERIN = 'erin.lee@fabrikam.com';
const FRANK = 'frank.ortiz@fabrikam.com';
// docs/demo-identities.md
const BEN_OID = 'a1000000-0000-4000-8000-000000000002';
const ERIN_OID = 'b2000000-0000-4000-8000-000000000001';

const ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/me' },
  { method: 'GET', path: '/api/me/health' },
  { method: 'POST', path: '/api/me/sync-now' },
  { method: 'POST', path: '/api/me/pause' },
  { method: 'POST', path: '/api/me/resume' },
  { method: 'POST', path: '/api/me/disable', body: { retention: 'keepData', confirm: true } },
  { method: 'POST', path: '/api/me/resource', body: { resource: 'mail', on: true } },
  { method: 'GET', path: '/api/me/privacy' },
  { method: 'PUT', path: '/api/me/privacy', body: { blocklist: ['x@example.com'], privateMail: 'skip' } },
  { method: 'GET', path: '/api/tenant/users' },
  { method: 'GET', path: '/api/tenant/users.csv' },
  { method: 'GET', path: '/api/tenant/approvals' },
  { method: 'GET', path: '/api/tenant/stats' },
];
const TENANT_ROUTES = ROUTES.filter((r) => r.path.startsWith('/api/tenant/'));

describe('tab API (bot/tab-api) over HTTP against the emulator', function () {
  let stack: TabStack;
  const tokens: Record<string, string> = {};
  let aliceAccount: string;
  let danAccount: string;
  let danOnlyMail: string;
  let sharedMail: string;

  const as = (upn: string | undefined, method: string, path: string, body?: unknown) =>
    call(stack.baseUrl, method, path, { token: upn ? tokens[upn] : undefined, body });

  /** Everything a refused request must leave alone. */
  async function snapshot() {
    const db = stack.store.db;
    return {
      accounts: await db
        .selectFrom('sync_accounts')
        .select(['id', 'state', 'next_run_at', 'personal_blocklist', 'private_mail_policy'])
        .orderBy('id')
        .execute(),
      audit: (
        await db.selectFrom('audit_log').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      ).n,
      owners: (
        await db
          .selectFrom('mail_item_owners')
          .select(db.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
      tokens: (
        await db.selectFrom('token_caches').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      ).n,
    };
  }

  const accountOf = (id: string) =>
    stack.store.db.selectFrom('sync_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  before(async function () {
    // Ben is listed as Contoso's IT admin; Erin's object id is listed under Contoso, not her tenant.
    stack = await startTabStack({ itAdmins: [`${CONTOSO}/${BEN_OID}`, `${CONTOSO}/${ERIN_OID}`] });
    const now = new Date();
    aliceAccount = await addAccount(stack.store, ALICE, 'active', {
      nextRunAt: new Date(now.getTime() + 5 * 60_000).toISOString(),
      lastSyncedAt: minutesAgo(now, 10),
    });
    await addRun(stack.store, aliceAccount, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: minutesAgo(now, 31),
      endedAt: minutesAgo(now, 30),
      added: 4,
      updated: 1,
    });
    await addRun(stack.store, aliceAccount, {
      resource: 'diary',
      status: 'failed',
      startedAt: minutesAgo(now, 21),
      endedAt: minutesAgo(now, 20),
      errorCode: 'ErrorAccessDenied',
      errorMessage: 'Access is denied for alice.smith@contoso.com mailbox a1000000',
    });
    await addSkip(
      stack.store,
      aliceAccount,
      'private',
      minutesAgo(now, 25),
      'From priya.patel@example.com, 3 Mar',
    );

    danAccount = await addAccount(stack.store, DAN, 'active');
    danOnlyMail = await addMailItem(stack.store, CONTOSO, [danAccount]);
    sharedMail = await addMailItem(stack.store, CONTOSO, [danAccount, aliceAccount]);
    await stack.store.db
      .insertInto('token_caches')
      .values({ account_key: danAccount, ciphertext: 'sealed', key_id: 'k1', updated_at: nowIso() })
      .execute();

    const frankAccount = await addAccount(stack.store, FRANK, 'paused');
    await addRun(stack.store, frankAccount, {
      resource: 'mail:inbox',
      status: 'succeeded',
      startedAt: minutesAgo(now, 60),
      endedAt: minutesAgo(now, 59),
      added: 7,
    });
    const requestId = newId();
    await stack.store.db
      .insertInto('approval_requests')
      .values({
        id: requestId,
        tenant_id: FABRIKAM,
        status: 'pending',
        requested_scopes: toJsonText(['Mail.Read', 'Calendars.ReadWrite']),
        card_conversation_key: null,
        card_activity_id: null,
        decided_by: null,
        decided_at: null,
        decline_reason: null,
        created_at: nowIso(),
        updated_at: nowIso(),
      })
      .execute();
    await stack.store.db
      .insertInto('approval_request_users')
      .values({
        request_id: requestId,
        crm_user_id: await crmUserId(stack.store, ERIN),
        justification: 'I file candidate mail',
        requested_at: nowIso(),
        notified_at: null,
      })
      .execute();
    // CRM data is free text typed by people; the CSV export must not turn it into formulas.
    for (const [email, name] of [
      ['mallory@contoso.com', '=HYPERLINK("http://evil.example","click")'],
      ['jo.smith@contoso.com', 'Smith, "Jo"'],
    ] as const) {
      await stack.store.db
        .insertInto('crm_users')
        .values({
          id: newId(),
          tenant_id: CONTOSO,
          work_email: email,
          display_name: name,
          is_admin: 0,
          cloud_sync_visible: 1,
          teams_user_aad_id: null,
          created_at: nowIso(),
          updated_at: nowIso(),
        })
        .execute();
    }

    for (const upn of [ALICE, BEN, CAROL, DAN, ERIN, FRANK]) tokens[upn] = await stack.ssoToken(upn);
  });

  after(async function () {
    await stack?.close();
  });

  describe('authentication', function () {
    for (const route of ROUTES) {
      it(`${route.method} ${route.path} answers 401 to a missing or refused token and changes nothing`, async function () {
        const before = await snapshot();
        const none = await call(stack.baseUrl, route.method, route.path, { body: route.body });
        assert.equal(none.status, 401);
        assert.equal(none.json.error, 'unauthenticated');
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
        for (const kind of BAD_TOKENS) {
          const res = await call(stack.baseUrl, route.method, route.path, {
            token: await badToken(stack, kind),
            body: route.body,
          });
          assert.equal(res.status, 401, `${kind} token: ${res.text}`);
          assert.equal(res.json.error, 'invalid_token', kind);
          assert.ok(res.json.message.length > 10, `${kind} token gets a reason`);
        }
        assert.deepEqual(await snapshot(), before);
      });
    }

    it('says why a token was refused, in words', async function () {
      const reasons: Record<string, RegExp> = {
        forged: /signature/,
        expired: /expired/,
        wrongAudience: /another application/,
        wrongIssuer: /another authority/,
        unknownTenant: /does not use Cloud Sync/,
        noScope: /access_as_user/,
      };
      for (const [kind, pattern] of Object.entries(reasons)) {
        const res = await call(stack.baseUrl, 'GET', '/api/me', {
          token: await badToken(stack, kind as never),
        });
        assert.match(res.json.message, pattern, kind);
      }
    });

    it('never puts an answer in a shared cache', async function () {
      const res = await as(ALICE, 'GET', '/api/me');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });
  });

  describe('who am I', function () {
    it('maps the token to the CRM user by address and reports roles', async function () {
      const alice = await as(ALICE, 'GET', '/api/me');
      assert.equal(alice.status, 200);
      assert.equal(alice.json.crmUser.workEmail, ALICE);
      assert.deepEqual(alice.json.roles, { crmAdmin: false, itAdmin: false, tenantViewer: false });
      assert.deepEqual(alice.json.tenant, { id: CONTOSO, name: 'Contoso Recruitment' });

      const dan = await as(DAN, 'GET', '/api/me');
      assert.deepEqual(dan.json.roles, { crmAdmin: true, itAdmin: true, tenantViewer: true });
      const ben = await as(BEN, 'GET', '/api/me');
      assert.deepEqual(ben.json.roles, { crmAdmin: false, itAdmin: true, tenantViewer: true });
      const erin = await as(ERIN, 'GET', '/api/me');
      assert.equal(erin.json.tenant.id, FABRIKAM);
      // A listing is for one tenant; Erin's object id listed under Contoso is nothing here.
      assert.deepEqual(erin.json.roles, { crmAdmin: false, itAdmin: false, tenantViewer: false });
    });

    // A directory role that may grant tenant-wide consent, in the token the tenant
    // issued (`wids`), makes someone IT for that tenant ("Microsoft Entra built-in roles").
    it('counts an Entra Global Administrator of the tenant as IT, from the token', async function () {
      const alice = stack.emu.ctx.directory.findUserByUpn(ALICE)!;
      alice.isAdmin = true;
      try {
        const token = await stack.ssoToken(ALICE);
        const res = await fetch(new URL('/api/me', stack.baseUrl), {
          headers: { authorization: `Bearer ${token}` },
        });
        const me = (await res.json()) as { roles: unknown };
        assert.deepEqual(me.roles, { crmAdmin: false, itAdmin: true, tenantViewer: true });
      } finally {
        alice.isAdmin = false;
      }
    });

    it('tells an unmapped user they are not a CRM user (Carol signs in with another address)', async function () {
      const me = await as(CAROL, 'GET', '/api/me');
      assert.equal(me.status, 200);
      assert.equal(me.json.crmUser, null);
      const health = await as(CAROL, 'GET', '/api/me/health');
      assert.equal(health.status, 403);
      assert.equal(health.json.error, 'not_a_crm_user');
      assert.match(health.json.message, /carol\.white@contoso\.com/);
      for (const route of ROUTES.filter((r) => r.path.startsWith('/api/me/'))) {
        const res = await as(CAROL, route.method, route.path, route.body);
        assert.equal(res.status, 403, `${route.method} ${route.path}`);
      }
    });

    it('refuses a CRM row bound to another directory object id even when the address matches', async function () {
      await stack.store.db
        .updateTable('crm_users')
        .set({ teams_user_aad_id: 'ffffffff-0000-4000-8000-000000000000' })
        .where('work_email', '=', ERIN)
        .execute();
      try {
        const me = await as(ERIN, 'GET', '/api/me');
        assert.equal(me.json.crmUser, null);
      } finally {
        await stack.store.db
          .updateTable('crm_users')
          .set({ teams_user_aad_id: null })
          .where('work_email', '=', ERIN)
          .execute();
      }
    });
  });

  describe('my health', function () {
    it('shows my own account, per resource, with plain-words errors and skip reasons', async function () {
      const res = await as(ALICE, 'GET', '/api/me/health');
      assert.equal(res.status, 200);
      assert.equal(res.json.account.id, aliceAccount);
      assert.equal(res.json.state.title, 'Sync is on');
      assert.equal(res.json.reconnectUrl, null, 'no sign-in link while sync works');
      const mail = res.json.resources.find((r: { resource: string }) => r.resource === 'mail');
      const diary = res.json.resources.find((r: { resource: string }) => r.resource === 'diary');
      assert.equal(mail.status, 'healthy');
      assert.equal(mail.itemsTotal, 1);
      assert.ok(mail.lastSuccessAgeSeconds >= 30 * 60 && mail.lastSuccessAgeSeconds < 40 * 60);
      assert.equal(diary.status, 'failing');
      assert.equal(diary.lastErrors[0].code, 'ErrorAccessDenied');
      assert.match(diary.lastErrors[0].reason, /refused access/);
      assert.doesNotMatch(JSON.stringify(res.json), /a1000000/, 'raw Graph messages stay on the server');
      assert.equal(res.json.hourly.length, 168);
      assert.equal(
        res.json.hourly.reduce((n: number, p: { mail: number }) => n + p.mail, 0),
        5,
      );
      assert.equal(res.json.skipped[0].reason, 'private');
      assert.match(res.json.skipped[0].reasonText, /private/);
    });

    it('shows my CRM appointments going to Outlook next to the diary: counts, failures and lost conflicts', async function () {
      // The CRM books three appointments for Alice through its port; the worker's results are placed
      // as it writes them: one in Outlook, one whose write failed, one still waiting; and a conflict lost.
      const diary = createStoreCrmDiary(stack.store.db);
      const booking = (subject: string) => ({
        owner: ALICE,
        subject,
        start: '2026-12-07T09:00:00.000Z',
        end: '2026-12-07T10:00:00.000Z',
        timeZone: 'Europe/London',
        attendees: [],
        inviteAttendees: false,
      });
      const written = await diary.put(CONTOSO, 'TAB-1', booking('Interview: Priya Patel'));
      const failing = await diary.put(CONTOSO, 'TAB-2', booking('Client meeting'));
      await diary.put(CONTOSO, 'TAB-3', booking('Pipeline review'));
      assert.ok(written.ok && failing.ok);
      const db = stack.store.db;
      await db
        .updateTable('crm_appointments')
        .set({ outlook_event_id: 'evt-1', outlook_written_version: 1 })
        .where('id', '=', written.appointment.id)
        .execute();
      await db
        .updateTable('crm_appointments')
        .set({ outbound_error: 'ErrorQuotaExceeded', outbound_failed_at: '2026-12-06T08:00:00.000Z' })
        .where('id', '=', failing.appointment.id)
        .execute();
      await db
        .insertInto('crm_appointment_history')
        .values({
          id: newId(),
          appointment_id: written.appointment.id,
          at: '2026-12-06T09:00:00.000Z',
          source: 'outlook',
          change: 'conflict_lost',
          version: 1,
          detail: toJsonText({ lost: 'outlook', outlook: { subject: 'Interview (Outlook)' } }),
        })
        .execute();
      const res = await as(ALICE, 'GET', '/api/me/health');
      assert.equal(res.status, 200);
      const { notes, ...counts } = res.json.crmDiary;
      assert.deepEqual(counts, { inOutlook: 1, waiting: 1, failed: 1, fromOutlook: 0 });
      assert.deepEqual(
        notes.map((n: { kind: string; subject: string }) => [n.kind, n.subject]),
        [
          ['conflict', 'Interview: Priya Patel'],
          ['failed', 'Client meeting'],
        ],
      );
      assert.match(notes[0].text, /later change in the CRM was kept.*Interview \(Outlook\)/);
      assert.match(notes[1].text, /ErrorQuotaExceeded/);
      const ben = await as(BEN, 'GET', '/api/me/health');
      assert.notEqual(ben.json.crmDiary?.inOutlook, 1, 'only my own appointments');
    });

    it('offers a fresh sign-in link bound to my account when I must reconnect', async function () {
      await stack.store.db
        .updateTable('sync_accounts')
        .set({ state: 'reconnect_required' })
        .where('id', '=', aliceAccount)
        .execute();
      try {
        const first = await as(ALICE, 'GET', '/api/me/health');
        assert.equal(first.json.state.nextAction.kind, 'reconnect');
        const url = new URL(first.json.reconnectUrl);
        assert.equal(`${url.origin}${url.pathname}`, `${stack.baseUrl}/auth/start`);
        const ticket = url.searchParams.get('ticket') ?? '';
        const claims = JSON.parse(Buffer.from(ticket.split('.')[1] ?? '', 'base64url').toString());
        assert.equal(claims.acc, aliceAccount);
        assert.equal(claims.tid, CONTOSO);
        assert.equal(claims.hint, ALICE);
        assert.ok(claims.exp - claims.iat <= 600, 'the link expires within 10 minutes');
        const second = await as(ALICE, 'GET', '/api/me/health');
        assert.notEqual(second.json.reconnectUrl, first.json.reconnectUrl, 'each poll mints a new link');
      } finally {
        await stack.store.db
          .updateTable('sync_accounts')
          .set({ state: 'active' })
          .where('id', '=', aliceAccount)
          .execute();
      }
    });

    it('shows another tenant’s user only their own state, never someone else’s account', async function () {
      const res = await as(ERIN, 'GET', '/api/me/health');
      assert.equal(res.status, 200);
      assert.equal(res.json.account, null);
      assert.equal(res.json.state.state, 'ready');
      assert.deepEqual(res.json.resources, []);
    });

    it('rejects a bad query with 400', async function () {
      const res = await as(ALICE, 'GET', '/api/me/health?utcOffsetMinutes=9999');
      assert.equal(res.status, 400);
      assert.equal(res.json.error, 'invalid_request');
    });
  });

  describe('actions', function () {
    it('sync now moves the next run to now, audits it and wakes the worker', async function () {
      const before = Date.now();
      const res = await as(ALICE, 'POST', '/api/me/sync-now');
      assert.equal(res.status, 200, res.text);
      const account = await accountOf(aliceAccount);
      assert.ok(account.next_run_at && Date.parse(account.next_run_at) >= before - 1000);
      assert.ok(stack.syncRequests.includes(aliceAccount));
      const audit = await stack.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('subject', '=', aliceAccount)
        .where('action', '=', 'sync_now')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]?.tenant_id, CONTOSO);
    });

    it('pause and resume go through the state machine, and a second pause is refused with 409', async function () {
      const paused = await as(ALICE, 'POST', '/api/me/pause');
      assert.equal(paused.status, 200, paused.text);
      assert.equal(paused.json.state, 'paused');
      assert.equal((await accountOf(aliceAccount)).next_run_at, null);

      const before = await snapshot();
      const again = await as(ALICE, 'POST', '/api/me/pause');
      assert.equal(again.status, 409);
      assert.equal(again.json.error, 'not_allowed_now');
      const syncWhilePaused = await as(ALICE, 'POST', '/api/me/sync-now');
      assert.equal(syncWhilePaused.status, 409);
      assert.deepEqual(await snapshot(), before);

      const resumed = await as(ALICE, 'POST', '/api/me/resume');
      assert.equal(resumed.status, 200);
      assert.equal((await accountOf(aliceAccount)).state, 'active');
      const actions = await stack.store.db
        .selectFrom('audit_log')
        .select(['action', 'from_state', 'to_state'])
        .where('subject', '=', aliceAccount)
        .where('action', 'in', ['pause', 'resume'])
        .orderBy('at')
        .execute();
      assert.deepEqual(actions, [
        { action: 'pause', from_state: 'active', to_state: 'paused' },
        { action: 'resume', from_state: 'paused', to_state: 'active' },
      ]);
    });

    it('switches diary off and on again while mail carries on, as the chat command does', async function () {
      const off = await as(ALICE, 'POST', '/api/me/resource', { resource: 'diary', on: false });
      assert.equal(off.status, 200, off.text);
      assert.match(off.json.message, /Diary sync is off/);
      let account = await accountOf(aliceAccount);
      assert.deepEqual([account.mail_enabled, account.diary_enabled], [1, 0]);
      assert.ok(stack.syncRequests.includes(aliceAccount), 'the worker drops the diary subscription now');
      const health = await as(ALICE, 'GET', '/api/me/health');
      const diary = health.json.resources.find((r: { resource: string }) => r.resource === 'diary');
      assert.deepEqual([diary.enabled, diary.status], [false, 'off']);
      assert.match(diary.statusText, /Switched off by the user/);

      // The last resource stays on: stopping everything is pause or switch off.
      const before = await snapshot();
      const refused = await as(ALICE, 'POST', '/api/me/resource', { resource: 'mail', on: false });
      assert.equal(refused.status, 409);
      assert.match(refused.json.message, /pause or switch off Cloud Sync/);
      assert.deepEqual(await snapshot(), before);

      const on = await as(ALICE, 'POST', '/api/me/resource', { resource: 'diary', on: true });
      assert.equal(on.status, 200, on.text);
      account = await accountOf(aliceAccount);
      assert.deepEqual([account.mail_enabled, account.diary_enabled], [1, 1]);
      const audit = await stack.store.db
        .selectFrom('audit_log')
        .select('action')
        .where('subject', '=', aliceAccount)
        .where('action', 'like', 'diary_switched_%')
        .orderBy('at')
        .execute();
      assert.deepEqual(
        audit.map((a) => a.action),
        ['diary_switched_off', 'diary_switched_on'],
      );
    });

    it('refuses a bad switch body with 400, changing nothing', async function () {
      const before = await snapshot();
      for (const body of [
        { resource: 'contacts', on: false },
        { resource: 'mail', on: 'no' },
        { resource: 'mail' },
        { resource: 'mail', on: false, user: 'dan.morgan@contoso.com' },
      ]) {
        const res = await as(ALICE, 'POST', '/api/me/resource', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.ok(res.json.message, 'a readable reason');
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('answers 409 to a CRM user who has no sync account yet', async function () {
      for (const path of ['/api/me/sync-now', '/api/me/pause', '/api/me/resume']) {
        const res = await as(ERIN, 'POST', path);
        assert.equal(res.status, 409, path);
        assert.equal(res.json.error, 'no_sync_account');
      }
    });

    it('refuses a disable without confirmation or with a bad body, changing nothing', async function () {
      const before = await snapshot();
      const cases: { body?: unknown; raw?: string; type?: string; status: number }[] = [
        { body: { retention: 'keepData' }, status: 400 },
        { body: { retention: 'keepData', confirm: false }, status: 400 },
        { body: { retention: 'everything', confirm: true }, status: 400 },
        { body: { retention: 'purge', confirm: true, user: 'dan.morgan@contoso.com' }, status: 400 },
        { body: [], status: 400 },
        { raw: '{"retention":', status: 400 },
        { raw: 'retention=purge&confirm=true', type: 'application/x-www-form-urlencoded', status: 415 },
      ];
      for (const c of cases) {
        const res = await call(stack.baseUrl, 'POST', '/api/me/disable', {
          token: tokens[ALICE],
          body: c.body,
          rawBody: c.raw,
          contentType: c.type,
        });
        assert.equal(res.status, c.status, `${JSON.stringify(c)} → ${res.text}`);
        assert.ok(res.json.message, 'a readable reason');
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('disable with purge switches off, forgets tokens, and removes only what no one else synced', async function () {
      const res = await as(DAN, 'POST', '/api/me/disable', { retention: 'purge', confirm: true });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.state, 'disabled');
      const db = stack.store.db;
      assert.equal((await accountOf(danAccount)).state, 'disabled');
      assert.equal(
        await db.selectFrom('mail_items').select('id').where('id', '=', danOnlyMail).executeTakeFirst(),
        undefined,
      );
      assert.ok(
        await db.selectFrom('mail_items').select('id').where('id', '=', sharedMail).executeTakeFirst(),
      );
      const owners = await db
        .selectFrom('mail_item_owners')
        .select('account_id')
        .where('mail_item_id', '=', sharedMail)
        .execute();
      assert.deepEqual(owners, [{ account_id: aliceAccount }]);
      assert.equal(
        await db
          .selectFrom('token_caches')
          .select('account_key')
          .where('account_key', '=', danAccount)
          .executeTakeFirst(),
        undefined,
      );
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'reason'])
        .where('subject', '=', danAccount)
        .where('action', '=', 'disable')
        .executeTakeFirstOrThrow();
      assert.match(audit.reason ?? '', /purged/);
    });
  });

  describe('privacy settings', function () {
    it('reads the defaults', async function () {
      const res = await as(ALICE, 'GET', '/api/me/privacy');
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { blocklist: [], privateMail: 'skip' });
    });

    it('rejects invalid settings with 400 and keeps the old ones', async function () {
      const before = await snapshot();
      const bad: unknown[] = [
        { blocklist: ['not an address'], privateMail: 'skip' },
        { blocklist: ['ok@example.com'], privateMail: 'everything' },
        { blocklist: 'ok@example.com', privateMail: 'skip' },
        { blocklist: [], privateMail: 'skip', owner: 'dan.morgan@contoso.com' },
        { blocklist: Array.from({ length: 501 }, (_, i) => `u${i}@example.com`), privateMail: 'skip' },
        { blocklist: [''], privateMail: 'skip' },
      ];
      for (const body of bad) {
        const res = await as(ALICE, 'PUT', '/api/me/privacy', body);
        assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
        assert.ok(res.json.issues.length > 0);
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('saves a normalised blocklist and policy, audited', async function () {
      const res = await as(ALICE, 'PUT', '/api/me/privacy', {
        blocklist: [' Tom.Becker@Northwind.example ', '@spam.example', '@SPAM.example'],
        privateMail: 'metadata',
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, {
        blocklist: ['tom.becker@northwind.example', '@spam.example'],
        privateMail: 'metadata',
        alreadyCopied: { entries: ['tom.becker@northwind.example', '@spam.example'], mail: 0, diary: 0 },
      });
      const account = await accountOf(aliceAccount);
      assert.deepEqual(JSON.parse(account.personal_blocklist), [
        'tom.becker@northwind.example',
        '@spam.example',
      ]);
      assert.equal(account.private_mail_policy, 'include');
      const audit = await stack.store.db
        .selectFrom('audit_log')
        .select(['actor', 'reason'])
        .where('subject', '=', aliceAccount)
        .where('action', '=', 'privacy_updated')
        .executeTakeFirstOrThrow();
      assert.equal(audit.actor, await crmUserId(stack.store, ALICE));
      assert.match(audit.reason ?? '', /2 entries/);
      assert.deepEqual((await as(ALICE, 'GET', '/api/me/privacy')).json, {
        blocklist: res.json.blocklist,
        privateMail: res.json.privateMail,
      });
    });

    it('answers 409 to a user who does not have Cloud Sync available', async function () {
      const res = await as(BEN, 'PUT', '/api/me/privacy', { blocklist: [], privateMail: 'skip' });
      assert.equal(res.status, 409);
      assert.equal(res.json.error, 'privacy_not_available');
    });
  });

  describe('tenant view', function () {
    it('is refused with 403 to users who are not administrators of their tenant', async function () {
      for (const upn of [ALICE, CAROL, ERIN]) {
        for (const route of TENANT_ROUTES) {
          const res = await as(upn, route.method, route.path);
          assert.equal(res.status, 403, `${upn} ${route.path}`);
          assert.equal(res.json.error, 'not_an_administrator');
        }
      }
    });

    it('lets CRM admins and configured IT admins see their own tenant only', async function () {
      for (const upn of [DAN, BEN]) {
        const res = await as(upn, 'GET', '/api/tenant/users');
        assert.equal(res.status, 200, upn);
        const emails = res.json.users.map((u: { email: string }) => u.email);
        assert.ok(emails.includes(ALICE));
        assert.ok(
          emails.every((e: string) => !e.endsWith('@fabrikam.com')),
          `${upn} sees only Contoso`,
        );
      }
      const frank = await as(FRANK, 'GET', '/api/tenant/users');
      assert.deepEqual(frank.json.users.map((u: { email: string }) => u.email).sort(), [ERIN, FRANK]);
      const frankRow = frank.json.users.find((u: { email: string }) => u.email === FRANK);
      assert.equal(frankRow.state, 'paused');
      assert.equal(frankRow.mail, 'paused');
    });

    it('sorts and filters on the server and validates the parameters', async function () {
      const desc = await as(DAN, 'GET', '/api/tenant/users?sort=name&dir=desc');
      const names = desc.json.users.map((u: { displayName: string }) => u.displayName);
      assert.deepEqual(
        names,
        [...names].sort((a: string, b: string) => b.localeCompare(a)),
      );
      const active = await as(DAN, 'GET', '/api/tenant/users?state=active');
      assert.deepEqual(
        active.json.users.map((u: { email: string }) => u.email),
        [ALICE],
      );
      const attention = await as(DAN, 'GET', '/api/tenant/users?state=attention');
      assert.ok(
        attention.json.users.some((u: { email: string }) => u.email === ALICE),
        'Alice has diary errors',
      );
      const search = await as(DAN, 'GET', '/api/tenant/users?q=ALICE');
      assert.deepEqual(
        search.json.users.map((u: { email: string }) => u.email),
        [ALICE],
      );
      for (const query of [
        'sort=password',
        'dir=up',
        'state=DROP%20TABLE',
        'tenant=9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62',
      ]) {
        const res = await as(DAN, 'GET', `/api/tenant/users?${query}`);
        assert.equal(res.status, 400, query);
      }
    });

    it('lists pending approvals of the caller’s tenant only', async function () {
      const dan = await as(DAN, 'GET', '/api/tenant/approvals');
      assert.deepEqual(dan.json.approvals, []);
      const frank = await as(FRANK, 'GET', '/api/tenant/approvals');
      assert.equal(frank.json.approvals.length, 1);
      assert.equal(frank.json.approvals[0].users[0].email, ERIN);
      assert.equal(frank.json.approvals[0].users[0].justification, 'I file candidate mail');
      assert.deepEqual(frank.json.approvals[0].requestedScopes, ['Mail.Read', 'Calendars.ReadWrite']);
    });

    it('counts totals and hourly activity of the caller’s tenant only', async function () {
      const contoso = await as(DAN, 'GET', '/api/tenant/stats');
      assert.equal(contoso.status, 200);
      assert.equal(contoso.json.totals.users, 6);
      assert.equal(contoso.json.hourly.length, 168);
      assert.equal(
        contoso.json.hourly.reduce((n: number, p: { items: number }) => n + p.items, 0),
        5,
      );
      assert.equal(
        contoso.json.hourly.reduce((n: number, p: { errors: number }) => n + p.errors, 0),
        1,
      );
      const fabrikam = await as(FRANK, 'GET', '/api/tenant/stats');
      assert.equal(fabrikam.json.totals.users, 2);
      assert.equal(fabrikam.json.totals.paused, 1);
      assert.equal(
        fabrikam.json.hourly.reduce((n: number, p: { items: number }) => n + p.items, 0),
        7,
      );
    });

    it('exports CSV with quoting and without live formulas', async function () {
      const res = await as(DAN, 'GET', '/api/tenant/users.csv');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^attachment; filename="cloud-sync-users-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = res.text.split('\r\n');
      assert.equal(
        lines[0],
        'Name,E-mail,CRM admin,Cloud Sync visible,State,Mail,Diary,Last sync (UTC),Errors (24 h)',
      );
      assert.ok(
        lines.some((l) =>
          l.startsWith(`"'=HYPERLINK(""http://evil.example"",""click"")",mallory@contoso.com,`),
        ),
        res.text,
      );
      assert.ok(
        lines.some((l) => l.startsWith('"Smith, ""Jo""",jo.smith@contoso.com,')),
        res.text,
      );
      assert.ok(!res.text.includes('fabrikam'), 'only the caller’s tenant');
    });
  });
});

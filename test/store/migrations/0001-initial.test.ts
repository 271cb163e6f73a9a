import assert from 'node:assert/strict';
import { fromFlag, fromJsonText, newId, nowIso, toFlag, toJsonText } from '../../../bot/store/columns.js';
import { isCheckViolation, isUniqueViolation } from '../../../bot/store/errors.js';
import {
  APPROVAL_STATUSES,
  CONTACT_KINDS,
  CONVERSATION_KINDS,
  SYNC_ACCOUNT_STATES,
  SYNC_RUN_STATUSES,
  type Database,
} from '../../../bot/store/schema.js';
import type { Kysely } from 'kysely';
import { forEachDialect } from '../../support/postgres.js';

async function addTenant(db: Kysely<Database>, id = newId()): Promise<string> {
  const at = nowIso();
  await db
    .insertInto('tenants')
    .values({ id, name: `Tenant ${id}`, created_at: at, updated_at: at })
    .execute();
  return id;
}

async function addUser(
  db: Kysely<Database>,
  tenantId: string,
  email = `${newId()}@contoso.com`,
): Promise<string> {
  const id = newId();
  const at = nowIso();
  await db
    .insertInto('crm_users')
    .values({ id, tenant_id: tenantId, work_email: email, display_name: 'U', created_at: at, updated_at: at })
    .execute();
  return id;
}

async function addAccount(db: Kysely<Database>, tenantId: string): Promise<string> {
  const id = newId();
  const at = nowIso();
  const crmUserId = await addUser(db, tenantId);
  await db
    .insertInto('sync_accounts')
    .values({
      id,
      tenant_id: tenantId,
      crm_user_id: crmUserId,
      state: 'ready',
      created_at: at,
      updated_at: at,
    })
    .execute();
  return id;
}

function mailItem(tenantId: string, internetMessageId: string) {
  const at = nowIso();
  return {
    id: newId(),
    tenant_id: tenantId,
    internet_message_id: internetMessageId,
    subject: 'Interview',
    to_addresses: toJsonText(['priya.patel@example.com']),
    created_at: at,
    updated_at: at,
  };
}

function diaryItem(tenantId: string, icalUid: string, occurrenceStart: string) {
  const at = nowIso();
  return {
    id: newId(),
    tenant_id: tenantId,
    ical_uid: icalUid,
    occurrence_start: occurrenceStart,
    start_at: occurrenceStart,
    end_at: occurrenceStart,
    created_at: at,
    updated_at: at,
  };
}

async function rejectsWith(work: Promise<unknown>, predicate: (err: unknown) => boolean, what: string) {
  await assert.rejects(work, (err: unknown) => {
    assert.ok(predicate(err), `${what}: unexpected error ${String(err)}`);
    return true;
  });
}

forEachDialect('schema 0001', (suite) => {
  it('keeps one CRM e-mail per tenant and internetMessageId', async function () {
    const db = suite.store.db;
    const [t1, t2] = [await addTenant(db), await addTenant(db)];
    await db.insertInto('mail_items').values(mailItem(t1, '<m1@contoso.com>')).execute();
    await rejectsWith(
      db.insertInto('mail_items').values(mailItem(t1, '<m1@contoso.com>')).execute(),
      isUniqueViolation,
      'duplicate internetMessageId',
    );
    await db.insertInto('mail_items').values(mailItem(t2, '<m1@contoso.com>')).execute();
    const count = await db
      .selectFrom('mail_items')
      .where('internet_message_id', '=', '<m1@contoso.com>')
      .selectAll()
      .execute();
    assert.equal(count.length, 2, 'one per tenant');
  });

  it('an upsert on the natural key updates the one row on both dialects', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    for (const subject of ['first', 'second']) {
      await db
        .insertInto('mail_items')
        .values({ ...mailItem(tenant, '<upsert@contoso.com>'), subject })
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'internet_message_id'])
            .doUpdateSet((eb) => ({ subject: eb.ref('excluded.subject') })),
        )
        .execute();
    }
    const rows = await db
      .selectFrom('mail_items')
      .where('tenant_id', '=', tenant)
      .select('subject')
      .execute();
    assert.deepEqual(rows, [{ subject: 'second' }]);
  });

  it('keeps one diary entry per event occurrence', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    await db
      .insertInto('diary_items')
      .values(diaryItem(tenant, 'uid-1', '2025-03-03T09:00:00.000Z'))
      .execute();
    await db
      .insertInto('diary_items')
      .values(diaryItem(tenant, 'uid-1', '2025-03-10T09:00:00.000Z'))
      .execute();
    await rejectsWith(
      db
        .insertInto('diary_items')
        .values(diaryItem(tenant, 'uid-1', '2025-03-03T09:00:00.000Z'))
        .execute(),
      isUniqueViolation,
      'duplicate occurrence',
    );
  });

  it('lets one account own a Graph message once, and files a mail item against a contact once', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    const account = await addAccount(db, tenant);
    const item = mailItem(tenant, '<own@contoso.com>');
    await db.insertInto('mail_items').values(item).execute();
    const owner = {
      mail_item_id: item.id,
      account_id: account,
      graph_message_id: 'AAMk1',
      folder: 'inbox',
      direction: 'received' as const,
    };
    await db.insertInto('mail_item_owners').values(owner).execute();
    await rejectsWith(
      db.insertInto('mail_item_owners').values(owner).execute(),
      isUniqueViolation,
      'duplicate owner',
    );

    const contactId = newId();
    const at = nowIso();
    await db
      .insertInto('crm_contacts')
      .values({
        id: contactId,
        tenant_id: tenant,
        display_name: 'Priya',
        kind: 'candidate',
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto('mail_item_contacts')
      .values({ mail_item_id: item.id, contact_id: contactId })
      .execute();
    await rejectsWith(
      db.insertInto('mail_item_contacts').values({ mail_item_id: item.id, contact_id: contactId }).execute(),
      isUniqueViolation,
      'duplicate filing',
    );
  });

  it('stores work e-mails lowercased and unique per tenant', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    await addUser(db, tenant, 'alice.smith@contoso.com');
    await rejectsWith(
      addUser(db, tenant, 'alice.smith@contoso.com'),
      isUniqueViolation,
      'duplicate work e-mail',
    );
    await rejectsWith(
      addUser(db, tenant, 'Bob.Brown@contoso.com'),
      isCheckViolation,
      'uppercase work e-mail',
    );
    await addUser(db, await addTenant(db), 'alice.smith@contoso.com');
  });

  it('keeps a contact e-mail on one contact per tenant', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    const at = nowIso();
    const ids = [newId(), newId()];
    for (const id of ids) {
      await db
        .insertInto('crm_contacts')
        .values({ id, tenant_id: tenant, display_name: 'C', kind: 'client', created_at: at, updated_at: at })
        .execute();
    }
    await db
      .insertInto('crm_contact_emails')
      .values({ contact_id: ids[0]!, tenant_id: tenant, email: 'tom@northwind.example' })
      .execute();
    await rejectsWith(
      db
        .insertInto('crm_contact_emails')
        .values({ contact_id: ids[1]!, tenant_id: tenant, email: 'tom@northwind.example' })
        .execute(),
      isUniqueViolation,
      'e-mail on two contacts',
    );
  });

  it('allows one pending approval request per tenant at a time', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    const request = (status: 'pending' | 'granted') => {
      const at = nowIso();
      return { id: newId(), tenant_id: tenant, status, created_at: at, updated_at: at };
    };
    const first = request('pending');
    await db.insertInto('approval_requests').values(first).execute();
    await rejectsWith(
      db.insertInto('approval_requests').values(request('pending')).execute(),
      isUniqueViolation,
      'second pending',
    );
    await db.updateTable('approval_requests').set({ status: 'granted' }).where('id', '=', first.id).execute();
    await db.insertInto('approval_requests').values(request('pending')).execute();
    await db.insertInto('approval_requests').values(request('granted')).execute();

    const user = await addUser(db, tenant);
    const join = { request_id: first.id, crm_user_id: user, requested_at: nowIso() };
    await db.insertInto('approval_request_users').values(join).execute();
    await rejectsWith(
      db.insertInto('approval_request_users').values(join).execute(),
      isUniqueViolation,
      'user joins twice',
    );
  });

  it('gives a CRM user one sync account and accepts exactly the states of the state machine', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    const account = await addAccount(db, tenant);
    const { crm_user_id } = await db
      .selectFrom('sync_accounts')
      .where('id', '=', account)
      .select('crm_user_id')
      .executeTakeFirstOrThrow();
    const at = nowIso();
    await rejectsWith(
      db
        .insertInto('sync_accounts')
        .values({
          id: newId(),
          tenant_id: tenant,
          crm_user_id,
          state: 'ready',
          created_at: at,
          updated_at: at,
        })
        .execute(),
      isUniqueViolation,
      'second account for a user',
    );
    for (const state of SYNC_ACCOUNT_STATES) {
      await db.updateTable('sync_accounts').set({ state }).where('id', '=', account).execute();
    }
    await rejectsWith(
      db
        .updateTable('sync_accounts')
        .set({ state: 'bogus' as never })
        .where('id', '=', account)
        .execute(),
      isCheckViolation,
      'unknown state',
    );
  });

  it('the CHECK constraints agree with the value lists in schema.ts', async function () {
    const db = suite.store.db;
    const tenant = await addTenant(db);
    const at = nowIso();
    for (const kind of CONTACT_KINDS) {
      await db
        .insertInto('crm_contacts')
        .values({ id: newId(), tenant_id: tenant, display_name: 'K', kind, created_at: at, updated_at: at })
        .execute();
    }
    for (const kind of CONVERSATION_KINDS) {
      await db
        .insertInto('conversation_refs')
        .values({ key: newId(), tenant_id: tenant, kind, reference: toJsonText({}), updated_at: at })
        .execute();
    }
    const account = await addAccount(db, tenant);
    for (const status of SYNC_RUN_STATUSES) {
      await db
        .insertInto('sync_runs')
        .values({ id: newId(), account_id: account, resource: 'diary', started_at: at, status })
        .execute();
    }
    for (const status of APPROVAL_STATUSES.filter((s) => s !== 'pending')) {
      await db
        .insertInto('approval_requests')
        .values({ id: newId(), tenant_id: tenant, status, created_at: at, updated_at: at })
        .execute();
    }
  });

  it('enforces foreign keys and cascades a tenant delete to its rows', async function () {
    const db = suite.store.db;
    await rejectsWith(addUser(db, 'no-such-tenant'), (e) => /foreign key/i.test(String(e)), 'unknown tenant');
    const tenant = await addTenant(db);
    const account = await addAccount(db, tenant);
    await db
      .insertInto('job_leases')
      .values({ account_id: account, owner: 'w1', lease_until: nowIso(), heartbeat_at: nowIso() })
      .execute();
    await db.deleteFrom('tenants').where('id', '=', tenant).execute();
    assert.equal(
      (await db.selectFrom('sync_accounts').where('id', '=', account).selectAll().execute()).length,
      0,
    );
    assert.equal(
      (await db.selectFrom('job_leases').where('account_id', '=', account).selectAll().execute()).length,
      0,
    );
  });

  it('reads flags, JSON and timestamps back identically, with timestamps ordering as text', async function () {
    const db = suite.store.db;
    const id = newId();
    const at = nowIso();
    await db
      .insertInto('tenants')
      .values({
        id,
        name: 'Round trip',
        domains: toJsonText(['contoso.com', 'contoso.co.uk']),
        purge_on_disable: toFlag(true),
        created_at: '2025-01-02T03:04:05.006Z',
        updated_at: at,
      })
      .execute();
    const row = await db.selectFrom('tenants').where('id', '=', id).selectAll().executeTakeFirstOrThrow();
    assert.deepEqual(fromJsonText(row.domains), ['contoso.com', 'contoso.co.uk']);
    assert.deepEqual(fromJsonText(row.tenant_blocklist), []);
    assert.equal(fromFlag(row.purge_on_disable), true);
    assert.equal(row.created_at, '2025-01-02T03:04:05.006Z');
    const later = await db
      .selectFrom('tenants')
      .where('id', '=', id)
      .where('created_at', '<', '2025-01-02T03:04:05.007Z')
      .where('created_at', '>', '2025-01-02T03:04:05.005Z')
      .select('id')
      .execute();
    assert.equal(later.length, 1);
  });
});

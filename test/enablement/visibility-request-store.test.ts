import assert from 'node:assert/strict';
import type { KyselyPlugin } from 'kysely';
import {
  decideVisibilityRequest,
  openVisibilityRequest,
  openVisibilityRequestOf,
  visibilityRequestById,
} from '../../bot/enablement/visibility-request-store.js';
import { isUniqueViolation } from '../../bot/store/errors.js';
import { crmUserId, importDemoCrm } from '../tab-api/fixtures/seed.js';
import { forEachDialect } from '../support/postgres.js';
import { DEMO } from '../support/emulator-msal.js';

forEachDialect('visibility requests: one open per user, decided once', (s) => {
  let ben: string;
  before(async () => {
    await importDemoCrm(s.store);
    ben = await crmUserId(s.store, 'ben.jones@contoso.com');
  });
  beforeEach(() => s.store.db.deleteFrom('visibility_requests').execute());

  const open = () =>
    openVisibilityRequest(s.store.db, { tenantId: DEMO.contoso, crmUserId: ben, at: new Date() });

  it('of five presses at the same moment, exactly one opens the request; all see that one', async () => {
    const results = await Promise.all([open(), open(), open(), open(), open()]);
    assert.equal(results.filter((r) => r.opened).length, 1);
    assert.equal(new Set(results.map((r) => r.request.id)).size, 1);
    const rows = await s.store.db.selectFrom('visibility_requests').selectAll().execute();
    assert.equal(rows.length, 1);
  });

  it("finds a user's open request by a query built once, and none once it is decided", async () => {
    let built = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        built += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const db = s.store.db.withPlugin(counting);
    assert.equal(await openVisibilityRequestOf(db, ben), undefined);
    const { request } = await open();
    assert.equal((await openVisibilityRequestOf(db, ben))?.id, request.id);
    assert.equal((await openVisibilityRequestOf(db, ben))?.askedAt, request.askedAt);
    assert.equal(built, 1, 'each turn runs the query compiled for the first');
    await decideVisibilityRequest(s.store.db, request.id, {
      outcome: 'declined',
      by: 'Dan Morgan',
      at: new Date(),
    });
    assert.equal(await openVisibilityRequestOf(db, ben), undefined);
  });

  it('the store itself refuses a second open request for the same user', async () => {
    const first = await open();
    const at = new Date().toISOString();
    await assert.rejects(
      s.store.db
        .insertInto('visibility_requests')
        .values({ ...rowOf(first.request), id: 'another', asked_at: at, updated_at: at })
        .execute(),
      (err) => isUniqueViolation(err),
    );
  });

  it('is decided once: of Grant and Decline at the same moment one wins, and a new request may follow', async () => {
    const { request } = await open();
    const outcomes = await Promise.all([
      decideVisibilityRequest(s.store.db, request.id, {
        outcome: 'granted',
        by: 'Dan Morgan',
        at: new Date(),
      }),
      decideVisibilityRequest(s.store.db, request.id, {
        outcome: 'declined',
        by: 'Alice Smith',
        at: new Date(),
      }),
    ]);
    assert.deepEqual(outcomes.filter(Boolean).length, 1);
    const decided = await visibilityRequestById(s.store.db, request.id);
    assert.equal(decided?.status, outcomes[0] ? 'granted' : 'declined');
    assert.equal(decided?.askedAt, request.askedAt, 'deciding never changes when it was asked');
    const next = await open();
    assert.ok(next.opened);
    assert.notEqual(next.request.id, request.id);
  });
});

function rowOf(r: { id: string; tenantId: string; crmUserId: string }) {
  return {
    id: r.id,
    tenant_id: r.tenantId,
    crm_user_id: r.crmUserId,
    status: 'open' as const,
    decided_by: null,
    decided_at: null,
  };
}

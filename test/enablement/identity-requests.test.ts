import assert from 'node:assert/strict';
import {
  claimAsk,
  identityRequestById,
  recordIdentityRequest,
  releaseAsk,
} from '../../bot/enablement/identity-requests.js';
import { importDemoCrm } from '../tab-api/fixtures/seed.js';
import { forEachDialect } from '../support/postgres.js';
import { DEMO } from '../support/emulator-msal.js';

forEachDialect('identity requests: sent once while they ask the same thing', (s) => {
  before(() => importDemoCrm(s.store));
  beforeEach(() => s.store.db.deleteFrom('identity_requests').execute());

  const carol = (signedIn = 'carol.white@contoso.com') =>
    recordIdentityRequest(s.store.db, {
      tenantId: DEMO.contoso,
      teamsObjectId: 'a1000000-0000-4000-8000-000000000003',
      teamsName: 'Carol White',
      addressesTried: [signedIn],
      suggestedAddress: signedIn,
      crmUserId: null,
    });

  it('of two presses at the same moment exactly one may send it', async () => {
    const request = await carol();
    const claims = await Promise.all([
      claimAsk(s.store.db, request.id, new Date()),
      claimAsk(s.store.db, request.id, new Date()),
    ]);
    assert.deepEqual([...claims].sort(), [false, true]);
    assert.equal((await identityRequestById(s.store.db, request.id))?.status, 'asked');
  });

  it('asking again for the same address keeps it sent; another address makes it a new request to send', async () => {
    const request = await carol();
    const at = new Date('2026-03-02T09:15:00.000Z');
    assert.ok(await claimAsk(s.store.db, request.id, at));
    const same = await carol();
    assert.equal(same.status, 'asked');
    assert.equal(same.askedAt, at.toISOString());
    assert.equal(await claimAsk(s.store.db, request.id, new Date()), false);
    const other = await carol('c.white@contoso.com');
    assert.equal(other.status, 'pending');
    assert.equal(other.askedAt, null);
  });

  it('a request that reached nobody can be sent by a later press', async () => {
    const request = await carol();
    assert.ok(await claimAsk(s.store.db, request.id, new Date()));
    await releaseAsk(s.store.db, request.id);
    assert.ok(await claimAsk(s.store.db, request.id, new Date()));
  });
});

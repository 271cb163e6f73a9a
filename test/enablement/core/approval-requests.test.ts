import assert from 'node:assert/strict';
import {
  type ApprovalRequest,
  approvalRequestSchema,
  declineRequest,
  grantRequest,
  recordAttempt,
  removeRequester,
  setJustification,
} from '../../../bot/enablement/core/approval-requests.js';

const fabrikam = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const erin = { aadObjectId: 'b2-erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' };
const grace = { aadObjectId: 'b2-grace', name: 'Grace Kim', email: 'grace.kim@fabrikam.com' };
const t = (minute: number) => new Date(Date.UTC(2025, 10, 25, 10, minute));

function attempt(
  pending: ApprovalRequest | undefined,
  requester: typeof erin,
  minute: number,
  permissions = ['Mail.Read'],
) {
  const result = recordAttempt(
    pending,
    { tenantId: fabrikam, permissions, requester, at: t(minute) },
    'req-new',
  );
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result;
}

describe('approval requests', () => {
  it('opens one request for a tenant on the first attempt', () => {
    const { request, created } = attempt(undefined, erin, 0);
    assert.equal(created, true);
    assert.equal(request.status, 'pending');
    assert.deepEqual(
      request.requesters.map((r) => [r.aadObjectId, r.attempts]),
      [['b2-erin', 1]],
    );
    assert.ok(approvalRequestSchema.safeParse(request).success);
  });

  it('updates the same request when the same user tries again', () => {
    const first = attempt(undefined, erin, 0).request;
    const second = attempt(first, erin, 5, ['Calendars.ReadWrite']);
    assert.equal(second.created, false);
    assert.equal(second.request.id, first.id);
    assert.equal(second.request.requesters.length, 1);
    assert.equal(second.request.requesters[0]?.attempts, 2);
    assert.equal(second.request.requesters[0]?.firstRequestedAt, t(0).toISOString());
    assert.equal(second.request.requesters[0]?.lastRequestedAt, t(5).toISOString());
    assert.deepEqual(second.request.permissions, ['Mail.Read', 'Calendars.ReadWrite']);
  });

  it('keeps several users of the tenant waiting on one request, and granting resumes them all', () => {
    const withBoth = attempt(attempt(undefined, erin, 0).request, grace, 1).request;
    const granted = grantRequest(withBoth, 'Frank Ortiz', t(9));
    assert.ok(granted.ok);
    assert.deepEqual(granted.waitingUsers, ['b2-erin', 'b2-grace']);
    assert.deepEqual(granted.request.decision, {
      outcome: 'granted',
      by: 'Frank Ortiz',
      at: t(9).toISOString(),
    });
    assert.equal(granted.request.status, 'granted');
  });

  it('declining requires and carries IT’s reason', () => {
    const pending = attempt(undefined, erin, 0).request;
    assert.deepEqual(declineRequest(pending, 'Frank Ortiz', '  ', t(2)), {
      ok: false,
      error: 'Please give the reason for declining; the users will see it.',
    });
    const declined = declineRequest(pending, 'Frank Ortiz', 'Security review first', t(2));
    assert.ok(declined.ok);
    assert.equal(declined.request.decision?.reason, 'Security review first');
    assert.deepEqual(declined.waitingUsers, ['b2-erin']);
  });

  it('refuses a second decision, so a replayed button changes nothing', () => {
    const granted = grantRequest(attempt(undefined, erin, 0).request, 'Frank Ortiz', t(3));
    assert.ok(granted.ok);
    const again = grantRequest(granted.request, 'Someone', t(4));
    assert.equal(again.ok, false);
    assert.match(again.ok ? '' : again.error, /already granted by Frank Ortiz/);
  });

  it('opens a fresh request after a decided one', () => {
    const granted = grantRequest(attempt(undefined, erin, 0).request, 'Frank Ortiz', t(3));
    assert.ok(granted.ok);
    const next = attempt(granted.request, grace, 30);
    assert.equal(next.created, true);
    assert.equal(next.request.id, 'req-new');
    assert.deepEqual(
      next.request.requesters.map((r) => r.aadObjectId),
      ['b2-grace'],
    );
  });

  it('refuses to mix tenants', () => {
    const pending = attempt(undefined, erin, 0).request;
    const result = recordAttempt(
      pending,
      { tenantId: 'other', permissions: [], requester: grace, at: t(1) },
      'x',
    );
    assert.equal(result.ok, false);
  });

  it('records a waiting user’s justification, and refuses one from someone not waiting', () => {
    const pending = attempt(undefined, erin, 0).request;
    const ok = setJustification(pending, 'B2-ERIN', ' Candidate e-mails must be in TriSys ', t(1));
    assert.ok(ok.ok);
    assert.equal(ok.request.requesters[0]?.justification, 'Candidate e-mails must be in TriSys');
    assert.equal(setJustification(pending, 'b2-grace', 'me too', t(1)).ok, false);
    assert.equal(setJustification(pending, 'b2-erin', '   ', t(1)).ok, false);
  });

  it('removes a user who stopped waiting without touching the others', () => {
    const withBoth = attempt(attempt(undefined, erin, 0).request, grace, 1).request;
    assert.deepEqual(
      removeRequester(withBoth, 'b2-erin', t(2)).requesters.map((r) => r.aadObjectId),
      ['b2-grace'],
    );
  });
});

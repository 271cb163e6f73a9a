import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cardVerbs, parseCardAction, refKindOfVerb } from '../../bot/cards/card-actions.js';
import { signCardRef } from '../../bot/cards/card-refs.js';

const key = randomBytes(32);
const now = new Date('2025-11-25T10:00:00Z');
const tenant = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const erin = 'b2000000-0000-4000-8000-000000000001';
const opts = { key, now, actorAadObjectId: erin, actorTenantId: tenant };
const accountRef = await signCardRef({ kind: 'account', id: erin, tenantId: tenant }, { key, now });
const approvalRef = await signCardRef(
  { kind: 'approval_request', id: 'req-7', tenantId: tenant },
  { key, now },
);

const parse = (raw: unknown, o = opts) => parseCardAction(raw, o);
const error = async (raw: unknown, o = opts) => {
  const r = await parse(raw, o);
  assert.equal(r.ok, false, JSON.stringify(r));
  return r.ok ? '' : r.error;
};

describe('parseCardAction', () => {
  it('accepts an account action from its owner and returns the verified target', async () => {
    const result = await parse({ type: 'Action.Execute', verb: 'reconnect', data: { ref: accountRef } });
    assert.ok(result.ok);
    assert.equal(result.action.verb, 'reconnect');
    assert.equal(result.action.target?.id, erin);
  });

  it('accepts read-only verbs without a reference', async () => {
    assert.deepEqual(await parse({ verb: 'help', data: {} }), {
      ok: true,
      action: { verb: 'help', data: {} },
    });
    assert.equal((await parse({ verb: 'status' })).ok, true);
  });

  it('carries validated inputs next to the reference', async () => {
    const result = await parse({
      verb: 'consent_declined',
      data: { ref: approvalRef, declineReason: ' Security first ' },
    });
    assert.ok(result.ok && result.action.verb === 'consent_declined');
    assert.equal(result.action.data.declineReason, 'Security first');
    assert.equal(result.action.target.id, 'req-7');
    const disable = await parse({ verb: 'confirm_disable', data: { ref: accountRef, retention: 'purge' } });
    assert.ok(
      disable.ok && disable.action.verb === 'confirm_disable' && disable.action.data.retention === 'purge',
    );
  });

  it('refuses an unknown verb', async () => {
    assert.equal(
      await error({ verb: 'drop_tables', data: {} }),
      'This card action is not one Cloud Sync knows.',
    );
    assert.match(await error('not an object'), /^This card action is not valid/);
  });

  it('refuses missing fields with a clear message', async () => {
    assert.match(await error({ verb: 'reconnect', data: {} }), /data\.ref: ref is missing/);
    assert.equal(
      await error({ verb: 'submit_justification', data: { ref: accountRef, justification: '   ' } }),
      'Please say briefly why you need Cloud Sync.',
    );
    assert.equal(
      await error({ verb: 'consent_declined', data: { ref: approvalRef } }),
      'Please give the reason for declining; the users will see it.',
    );
    assert.match(
      await error({ verb: 'confirm_disable', data: { ref: accountRef, retention: 'shred' } }),
      /keep or remove/,
    );
  });

  it('refuses a tampered reference', async () => {
    const [header, payload, signature] = accountRef.split('.') as [string, string, string];
    const tampered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    assert.equal(
      await error({ verb: 'pause', data: { ref: tampered } }),
      'This card’s data was changed or is not from Cloud Sync.',
    );
  });

  it('refuses an expired reference', async () => {
    const later = new Date(now.getTime() + 8 * 24 * 3600 * 1000);
    assert.match(
      await error({ verb: 'pause', data: { ref: accountRef } }, { ...opts, now: later }),
      /expired/,
    );
  });

  it('refuses another user’s account card', async () => {
    assert.match(
      await error(
        { verb: 'disable', data: { ref: accountRef } },
        { ...opts, actorAadObjectId: 'b2000000-0000-4000-8000-000000000002' },
      ),
      /belongs to someone else/,
    );
  });

  it('refuses a card from another organisation', async () => {
    assert.match(
      await error(
        { verb: 'consent_granted', data: { ref: approvalRef } },
        { ...opts, actorTenantId: 'contoso' },
      ),
      /another organisation/,
    );
  });

  it('refuses a valid reference of the wrong kind for the verb', async () => {
    assert.equal(
      await error({ verb: 'consent_granted', data: { ref: accountRef } }),
      'This card’s data was changed or is not from Cloud Sync.',
    );
  });

  it('knows a reference kind for every verb', () => {
    assert.deepEqual(Object.keys(refKindOfVerb).sort(), [...cardVerbs].sort());
  });
});

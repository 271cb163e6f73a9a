import assert from 'node:assert/strict';
import { revokeStopsSync, transition } from '../../../bot/enablement/core/state-machine.js';
import {
  type Actor,
  type EnablementEvent,
  type EnablementEventType,
  type EnablementState,
  enablementEventTypes,
  enablementStates,
} from '../../../bot/enablement/core/states.js';

const owner = 'a1000000-0000-4000-8000-000000000001';
const now = new Date('2025-11-25T10:00:00Z');

const actors = {
  owner: { kind: 'person', aadObjectId: owner, crmAdmin: false, itAdmin: false },
  crmAdmin: { kind: 'person', aadObjectId: 'admin-1', crmAdmin: true, itAdmin: false },
  itAdmin: { kind: 'person', aadObjectId: 'it-1', crmAdmin: false, itAdmin: true },
  system: { kind: 'system', component: 'auth_callback' },
  stranger: { kind: 'person', aadObjectId: 'someone-else', crmAdmin: false, itAdmin: false },
} satisfies Record<string, Actor>;
type ActorName = keyof typeof actors;

const sample: { [E in EnablementEventType]: Extract<EnablementEvent, { type: E }> } = {
  visibility_granted: { type: 'visibility_granted' },
  visibility_revoked: { type: 'visibility_revoked' },
  visibility_requested: { type: 'visibility_requested' },
  start_requested: { type: 'start_requested' },
  sign_in_completed: { type: 'sign_in_completed' },
  sign_in_failed: { type: 'sign_in_failed', cancelled: true, reason: 'closed the window' },
  admin_consent_required: { type: 'admin_consent_required' },
  justification_submitted: { type: 'justification_submitted', justification: 'candidate mail' },
  admin_consent_granted: { type: 'admin_consent_granted' },
  admin_consent_declined: { type: 'admin_consent_declined', reason: 'not approved by security' },
  identity_mismatch_detected: {
    type: 'identity_mismatch_detected',
    mismatch: 'address_mismatch',
    signedInAddress: 'carol.white@contoso.com',
    expectedAddress: 'cwhite@contoso-recruitment.com',
  },
  correction_requested: { type: 'correction_requested' },
  work_email_corrected: { type: 'work_email_corrected', address: 'carol.white@contoso.com' },
  enablement_cancelled: { type: 'enablement_cancelled' },
  activation_succeeded: { type: 'activation_succeeded' },
  activation_failed: { type: 'activation_failed', reason: 'vault unavailable' },
  token_revoked: { type: 'token_revoked', cause: 'invalid_grant' },
  reconnect_requested: { type: 'reconnect_requested' },
  pause: { type: 'pause' },
  resume: { type: 'resume' },
  disable: { type: 'disable', retention: 'keep' },
};

/** The specification, written independently of the implementation: who may, and where each legal event leads. */
const mayAct: Record<EnablementEventType, ActorName[]> = {
  visibility_granted: ['crmAdmin'],
  visibility_revoked: ['crmAdmin'],
  visibility_requested: ['owner'],
  start_requested: ['owner'],
  sign_in_completed: ['system'],
  sign_in_failed: ['system'],
  admin_consent_required: ['system'],
  justification_submitted: ['owner'],
  admin_consent_granted: ['itAdmin', 'system'],
  admin_consent_declined: ['itAdmin'],
  identity_mismatch_detected: ['system'],
  correction_requested: ['owner'],
  work_email_corrected: ['crmAdmin'],
  enablement_cancelled: ['owner'],
  activation_succeeded: ['system'],
  activation_failed: ['system'],
  token_revoked: ['system'],
  reconnect_requested: ['owner'],
  pause: ['owner', 'crmAdmin'],
  resume: ['owner', 'crmAdmin'],
  disable: ['owner', 'crmAdmin'],
};

const legal: Record<EnablementState, Partial<Record<EnablementEventType, EnablementState>>> = {
  not_visible: { visibility_granted: 'ready', visibility_requested: 'not_visible' },
  ready: { start_requested: 'signing_in', visibility_revoked: 'not_visible' },
  signing_in: {
    start_requested: 'signing_in',
    sign_in_completed: 'activating',
    sign_in_failed: 'ready',
    admin_consent_required: 'awaiting_admin_consent',
    identity_mismatch_detected: 'identity_mismatch',
    enablement_cancelled: 'ready',
    visibility_revoked: 'not_visible',
  },
  awaiting_admin_consent: {
    justification_submitted: 'awaiting_admin_consent',
    admin_consent_granted: 'signing_in',
    admin_consent_declined: 'ready',
    start_requested: 'signing_in',
    enablement_cancelled: 'ready',
    visibility_revoked: 'not_visible',
  },
  identity_mismatch: {
    start_requested: 'signing_in',
    correction_requested: 'identity_mismatch',
    work_email_corrected: 'signing_in',
    enablement_cancelled: 'ready',
    visibility_revoked: 'not_visible',
  },
  activating: {
    activation_succeeded: 'active',
    activation_failed: 'ready',
    visibility_revoked: 'not_visible',
  },
  active: {
    token_revoked: 'reconnect_required',
    pause: 'paused',
    disable: 'disabled',
    visibility_revoked: 'not_visible',
  },
  reconnect_required: {
    reconnect_requested: 'signing_in',
    disable: 'disabled',
    visibility_revoked: 'not_visible',
  },
  paused: { resume: 'active', disable: 'disabled', visibility_revoked: 'not_visible' },
  disabled: { start_requested: 'signing_in', visibility_revoked: 'not_visible' },
};

const run = (state: EnablementState, event: EnablementEvent, actor: Actor = actors.owner) =>
  transition({ state, ownerAadObjectId: owner }, event, actor, now);

const effectTypes = (state: EnablementState, event: EnablementEvent, actor: Actor) => {
  const r = run(state, event, actor);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.effects.map((e) => e.type);
};

describe('enablement state machine', () => {
  it('covers every event type in its specification', () => {
    assert.deepEqual(Object.keys(sample).sort(), [...enablementEventTypes].sort());
  });

  describe('every state × event pair', () => {
    for (const state of enablementStates) {
      for (const type of enablementEventTypes) {
        const event = sample[type];
        const actorName = mayAct[type][0];
        assert.ok(actorName);
        const expected = legal[state][type];
        it(`${state} + ${type} → ${expected ?? 'refused'}`, () => {
          const result = run(state, event, actors[actorName]);
          if (expected === undefined) {
            assert.equal(result.ok, false);
            assert.ok(
              !result.ok && /^Cannot .+ now: Cloud Sync is .+\.$/.test(result.error),
              JSON.stringify(result),
            );
            // Refused for the state, not the actor: a button on an old card is caught up, not an error.
            assert.equal(!result.ok && result.cause, 'state');
            assert.equal('effects' in result, false);
          } else {
            assert.ok(result.ok, result.ok ? '' : result.error);
            assert.equal(result.next, expected);
            assert.deepEqual(
              {
                from: result.audit.from,
                to: result.audit.to,
                event: result.audit.event,
                at: result.audit.at,
              },
              { from: state, to: expected, event: type, at: now.toISOString() },
            );
            assert.deepEqual(result.audit.actor, actors[actorName]);
            assert.ok(result.audit.reason.length > 0);
          }
        });
      }
    }
  });

  describe('who may act', () => {
    for (const type of enablementEventTypes) {
      const stateWhereLegal = enablementStates.find((s) => legal[s][type] !== undefined);
      for (const name of Object.keys(actors) as ActorName[]) {
        const allowed = mayAct[type].includes(name);
        it(`${name} ${allowed ? 'may' : 'may not'} cause ${type}`, () => {
          assert.ok(stateWhereLegal);
          const result = run(stateWhereLegal, sample[type], actors[name]);
          assert.equal(result.ok, allowed, JSON.stringify(result));
          if (!result.ok) assert.match(result.error, /^Only .+ can .+\.$/);
          if (!result.ok) assert.equal(result.cause, 'role');
        });
      }
    }

    it('refuses a person acting on another user’s account even with the right event', () => {
      const result = run('ready', sample.start_requested, actors.crmAdmin);
      assert.deepEqual(result, {
        ok: false,
        cause: 'role',
        error: 'Only the account owner can start signing in.',
      });
    });
  });

  describe('effects', () => {
    it('activation starts the first import, tells the user and follows the import (which confirms by mail)', () => {
      const result = run('activating', sample.activation_succeeded, actors.system);
      assert.ok(result.ok);
      assert.deepEqual(result.effects, [
        { type: 'start_sync' },
        { type: 'notify_user', notice: { kind: 'service_active' } },
        { type: 'follow_first_import' },
      ]);
    });

    it('an identity mismatch deletes the tokens and shows both addresses', () => {
      const result = run('signing_in', sample.identity_mismatch_detected, actors.system);
      assert.ok(result.ok);
      assert.deepEqual(result.effects, [
        { type: 'delete_tokens' },
        {
          type: 'notify_user',
          notice: {
            kind: 'identity_mismatch',
            mismatch: 'address_mismatch',
            signedInAddress: 'carol.white@contoso.com',
            expectedAddress: 'cwhite@contoso-recruitment.com',
          },
        },
      ]);
    });

    it('admin approval notifies the IT channel and shows the user the waiting card', () => {
      assert.deepEqual(effectTypes('signing_in', sample.admin_consent_required, actors.system), [
        'notify_it_channel',
        'notify_user',
      ]);
    });

    it('declining carries IT’s reason to the user', () => {
      const result = run('awaiting_admin_consent', sample.admin_consent_declined, actors.itAdmin);
      assert.ok(result.ok);
      assert.deepEqual(result.effects, [
        { type: 'notify_user', notice: { kind: 'consent_declined', reason: 'not approved by security' } },
      ]);
      assert.match(result.audit.reason, /not approved by security/);
    });

    it('a revoked token stops sync and deletes tokens; a second report is refused so the user is told once', () => {
      assert.deepEqual(effectTypes('active', sample.token_revoked, actors.system), [
        'stop_sync',
        'delete_tokens',
        'notify_user',
      ]);
      assert.equal(run('reconnect_required', sample.token_revoked, actors.system).ok, false);
    });

    it('disable purges data only when asked to', () => {
      const keep = effectTypes('active', { type: 'disable', retention: 'keep' }, actors.owner);
      const purge = effectTypes('active', { type: 'disable', retention: 'purge' }, actors.owner);
      assert.deepEqual(keep, ['stop_sync', 'delete_tokens', 'notify_user']);
      assert.deepEqual(purge, ['stop_sync', 'delete_tokens', 'purge_data', 'notify_user']);
    });

    it('retrying while waiting for IT leaves the approval request and issues a new sign-in', () => {
      assert.deepEqual(effectTypes('awaiting_admin_consent', sample.start_requested, actors.owner), [
        'leave_approval_request',
        'notify_user',
      ]);
    });

    it('losing visibility while active stops sync and deletes tokens', () => {
      assert.deepEqual(effectTypes('active', sample.visibility_revoked, actors.crmAdmin), [
        'stop_sync',
        'delete_tokens',
        'notify_user',
      ]);
    });

    it('revoking tells the user whether it stopped their sync; only then is an administrator asked first', () => {
      // Sync runs, or is being switched on, in these states: revoking stops it (the rest have nothing to stop).
      const syncOn = ['activating', 'active', 'paused', 'reconnect_required'];
      for (const state of enablementStates) {
        const result = run(state, sample.visibility_revoked, actors.crmAdmin);
        if (!result.ok) {
          assert.equal(state, 'not_visible');
          assert.equal(revokeStopsSync(state), false);
          continue;
        }
        const notice = result.effects.find((e) => e.type === 'notify_user');
        assert.deepEqual(
          notice,
          {
            type: 'notify_user',
            notice: { kind: 'visibility_revoked', syncStopped: syncOn.includes(state) },
          },
          state,
        );
        assert.equal(revokeStopsSync(state), syncOn.includes(state), state);
      }
    });

    it('a justification updates the approval request with the text', () => {
      const result = run('awaiting_admin_consent', sample.justification_submitted, actors.owner);
      assert.ok(result.ok);
      assert.deepEqual(result.effects, [
        { type: 'update_approval_request', justification: 'candidate mail' },
      ]);
    });
  });
});

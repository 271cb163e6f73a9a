import assert from 'node:assert/strict';
import { describeState } from '../../../bot/enablement/core/describe-state.js';
import { enablementStates } from '../../../bot/enablement/core/states.js';

describe('describeState', () => {
  it('gives every state a distinct title, a summary and one next action', () => {
    const titles = enablementStates.map((s) => describeState(s, { viewer: 'owner' }).title);
    assert.equal(new Set(titles).size, enablementStates.length);
    for (const state of enablementStates) {
      const d = describeState(state, { viewer: 'owner' });
      assert.ok(d.summary.length > 20, state);
      assert.ok(d.nextAction.label.length > 0, state);
    }
  });

  it('tells a user without visibility to ask their administrator, and an administrator to grant it', () => {
    assert.equal(describeState('not_visible', { viewer: 'owner' }).nextAction.kind, 'ask_administrator');
    assert.equal(describeState('not_visible', { viewer: 'crm_admin' }).nextAction.kind, 'grant_visibility');
  });

  it('points IT at admin consent and the waiting user at the justification', () => {
    assert.equal(
      describeState('awaiting_admin_consent', { viewer: 'it_admin' }).nextAction.kind,
      'open_admin_consent',
    );
    assert.equal(
      describeState('awaiting_admin_consent', { viewer: 'owner' }).nextAction.kind,
      'explain_need_to_it',
    );
  });

  it('offers reconnect and resume where sync has stopped', () => {
    assert.equal(describeState('reconnect_required', { viewer: 'owner' }).nextAction.kind, 'reconnect');
    assert.equal(describeState('paused', { viewer: 'owner' }).nextAction.kind, 'resume');
  });
});

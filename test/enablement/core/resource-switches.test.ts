import assert from 'node:assert/strict';
import { decideSwitch, switchesOnActivation } from '../../../bot/enablement/core/resource-switches.js';
import { enablementStates } from '../../../bot/enablement/core/states.js';

describe('mail and diary switches (bot/enablement/resource-switches)', function () {
  const both = { mail: true, diary: true };

  it('activation switches both on for a first activation, and keeps a reconnecting user’s choice', function () {
    assert.deepEqual(switchesOnActivation({ mail: false, diary: false }), both);
    assert.deepEqual(switchesOnActivation({ mail: false, diary: true }), { mail: false, diary: true });
    assert.deepEqual(switchesOnActivation({ mail: true, diary: false }), { mail: true, diary: false });
  });

  it('switches one resource off and on again while the other carries on', function () {
    const off = decideSwitch('active', both, 'mail', false);
    assert.ok(off.ok);
    assert.deepEqual(off.next, { mail: false, diary: true });
    assert.equal(off.changed, true);
    assert.match(off.message, /E-mail sync is off/);
    const on = decideSwitch('active', off.next, 'mail', true);
    assert.ok(on.ok);
    assert.deepEqual(on.next, both);
    assert.match(on.message, /E-mail sync is on again/);
  });

  it('says so when nothing changes', function () {
    const again = decideSwitch('paused', both, 'diary', true);
    assert.ok(again.ok);
    assert.equal(again.changed, false);
    assert.match(again.message, /Diary sync is already on/);
  });

  it('refuses to switch the last resource off, and says how to stop everything', function () {
    const refused = decideSwitch('active', { mail: false, diary: true }, 'diary', false);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /pause or switch off Cloud Sync/);
  });

  it('refuses before activation, in every state that has not been activated', function () {
    const allowed = enablementStates.filter((s) => decideSwitch(s, both, 'mail', false).ok);
    assert.deepEqual(allowed.sort(), ['active', 'paused', 'reconnect_required']);
    const refused = decideSwitch('ready', both, 'mail', false);
    assert.equal(refused.ok, false);
    assert.match(refused.message, /enable sync/);
  });
});

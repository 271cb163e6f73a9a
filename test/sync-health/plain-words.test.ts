import assert from 'node:assert/strict';
import { errorReasonText, skipReasonText } from '../../bot/sync-health/plain-words.js';

describe('plain words for sync codes (bot/sync-health/plain-words)', function () {
  it('explains every skip reason the sync records, and something for unknown ones', function () {
    for (const reason of [
      'private',
      'confidential',
      'sensitivity_unknown',
      'blocklisted',
      'no_crm_contact',
      'internal',
      'outside_window',
      'invalid',
    ]) {
      assert.notEqual(skipReasonText(reason), skipReasonText('something-new'), reason);
    }
  });

  it('turns Graph and Entra errors into a reason and the action, without echoing the raw message', function () {
    assert.match(errorReasonText('invalid_grant', 'AADSTS70043: token expired'), /Reconnect/);
    assert.match(errorReasonText('ApplicationThrottled', null), /slow down/);
    assert.match(errorReasonText(null, 'HTTP 410 syncStateNotFound'), /fresh start/);
    assert.match(errorReasonText('ErrorAccessDenied', null), /refused access/);
    assert.match(errorReasonText(null, 'ETIMEDOUT'), /could not be reached/);
    assert.match(errorReasonText('ServiceUnavailable', null), /temporary problem/);
    const unknown = errorReasonText('Weird', 'secret detail about alice@contoso.com');
    assert.doesNotMatch(unknown, /alice|secret/);
  });
});

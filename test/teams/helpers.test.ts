import assert from 'node:assert/strict';
import { confirmationMessage } from '../../bot/enablement/activation.js';
import { mismatchFromReason } from '../../bot/cards/card-factory.js';
import { channelIdOf } from '../../bot/teams/it-channel.js';
import { causeFromReason } from '../../bot/enablement/reconnect-notices.js';
import { transition } from '../../bot/enablement/core/state-machine.js';

describe('bot helpers', function () {
  it('reads both addresses back from the state machine’s mismatch reason', function () {
    const t = transition(
      { state: 'signing_in', ownerAadObjectId: 'u' },
      {
        type: 'identity_mismatch_detected',
        mismatch: 'address_mismatch',
        signedInAddress: 'a@x.com',
        expectedAddress: 'b@y.com',
      },
      { kind: 'system', component: 'auth_callback' },
      new Date(),
    );
    assert.ok(t.ok);
    assert.deepEqual(mismatchFromReason(t.audit.reason), {
      mismatch: 'address_mismatch',
      signedIn: 'a@x.com',
      expected: 'b@y.com',
    });
    assert.equal(mismatchFromReason('ask for the work e-mail to be corrected'), undefined);
    assert.equal(mismatchFromReason(null), undefined);
  });

  it('posts to the channel, not to the thread the command was said in', function () {
    assert.equal(channelIdOf('19:abc@thread.tacv2;messageid=1700000000000'), '19:abc@thread.tacv2');
    assert.equal(channelIdOf('19:abc@thread.tacv2'), '19:abc@thread.tacv2');
  });

  it('writes a confirmation e-mail with what is synced and where to see health, escaping names', function () {
    const m = confirmationMessage({
      to: 'alice@contoso.com',
      name: 'Alice <Smith>',
      mailFolders: ['inbox', 'sentitems'],
      diaryDaysBack: 90,
      diaryDaysAhead: 365,
      tabUrl: 'https://sync.example.com/tab/',
      at: new Date('2026-12-06T05:00:00Z'),
      timeZone: 'Pacific/Auckland',
    });
    assert.equal(m.subject, 'Cloud Sync is active');
    assert.equal(m.toRecipients?.[0]?.emailAddress?.address, 'alice@contoso.com');
    const html = m.body?.content ?? '';
    assert.match(html, /Alice &lt;Smith&gt;/);
    // The same words as the "Cloud Sync is on" card, not Graph's folder names.
    assert.match(html, /in Inbox and Sent Items</);
    assert.doesNotMatch(html, /sentitems|folders:/);
    assert.match(html, /90 days ago to 365 days ahead/);
    // In the reader's zone, named: 05:00 UTC is 18:00 the same day in Auckland (daylight time).
    assert.match(html, /switched on 6 Dec 2026, 18:00 GMT\+13/);
    assert.match(html, /https:\/\/sync\.example\.com\/tab\//);
  });

  it('reads the reconnect cause back from the worker’s audit wording', function () {
    assert.equal(
      causeFromReason('permission to read the mailbox was withdrawn; reconnect to grant it again'),
      'consent_revoked',
    );
    assert.equal(causeFromReason('consent for Cloud Sync was revoked'), 'consent_revoked');
    assert.equal(causeFromReason('the sign-in expired; reconnect to continue syncing'), 'token_expired');
    assert.equal(
      causeFromReason('the sign-in was revoked or is no longer valid; reconnect to continue syncing'),
      'invalid_grant',
    );
    assert.equal(causeFromReason(null), 'invalid_grant');
  });
});

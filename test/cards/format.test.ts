import assert from 'node:assert/strict';
import { describePermissions, formatWhen, readerLocalTime } from '../../bot/cards/format.js';
import { formattersBuilt } from '../support/intl-formatters.js';

describe('card wording', () => {
  it('formats times in British English with the time zone', () => {
    const at = new Date('2025-11-25T14:05:00Z');
    assert.equal(formatWhen(at, 'UTC'), '25 Nov 2025, 14:05 UTC');
    // New Zealand daylight time, thirteen hours ahead: the day changes too.
    assert.equal(
      formatWhen(new Date('2025-11-25T14:05:00Z'), 'Pacific/Auckland'),
      '26 Nov 2025, 03:05 GMT+13',
    );
    assert.match(
      formatWhen(new Date('2025-07-01T14:05:00Z'), 'Europe/London'),
      /^1 Jul 2025, 15:05 (BST|GMT\+1)$/,
    );
  });

  it("names a moment for the reader's own Teams to write: DATE and TIME in Adaptive Cards' strict RFC 3339", () => {
    // The functions accept seconds but no fractions of them (Adaptive Cards' text features page).
    assert.equal(
      readerLocalTime(new Date('2025-11-25T14:05:09.870Z')),
      '{{DATE(2025-11-25T14:05:09Z, SHORT)}} at {{TIME(2025-11-25T14:05:09Z)}}',
    );
  });

  it('builds one formatter per zone and formats each moment in the zone it was asked for', async () => {
    const built = await formattersBuilt(() => {
      assert.equal(
        formatWhen(new Date('2025-11-25T14:05:00Z'), 'Asia/Kolkata'),
        '25 Nov 2025, 19:35 GMT+5:30',
      );
      assert.equal(
        formatWhen(new Date('2025-11-26T01:00:00Z'), 'Asia/Kolkata'),
        '26 Nov 2025, 06:30 GMT+5:30',
      );
      assert.equal(
        formatWhen(new Date('2025-11-25T14:05:00Z'), 'Pacific/Chatham'),
        '26 Nov 2025, 03:50 GMT+13:45',
      );
    });
    assert.equal(built, 2);
  });

  it('describes permissions in plain words, one bullet each, sign-in scopes folded together', () => {
    const text = describePermissions([
      'User.Read',
      'Mail.Read',
      'openid',
      'profile',
      'email',
      'offline_access',
      'X.Y',
    ]);
    assert.deepEqual(text.split('\r'), [
      '- sign you in',
      '- see your name and e-mail address',
      '- read your e-mail, so messages with candidates and clients can be copied into TriSys',
      '- keep syncing when you are not using Teams',
      '- X.Y',
    ]);
  });
});

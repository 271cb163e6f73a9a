import assert from 'node:assert/strict';
import {
  MESSAGE_EXPAND,
  MESSAGE_SELECT,
  deltaEventSchema,
  messageSensitivity,
} from '../../../bot/sync/core/graph-items.js';

describe('sync/core/graph-items', () => {
  it('selects exactly the message fields it parses, and expands sensitivity', () => {
    assert.ok(MESSAGE_SELECT.includes('internetMessageId'));
    assert.ok(MESSAGE_SELECT.includes('bccRecipients'));
    assert.ok(!MESSAGE_SELECT.includes('body'));
    assert.ok(!MESSAGE_SELECT.includes('singleValueExtendedProperties'));
    assert.equal(MESSAGE_EXPAND, "singleValueExtendedProperties($filter=id eq 'Integer 0x0036')");
  });

  it('maps PidTagSensitivity, treating an unreadable value as confidential and a missing list as unknown', () => {
    const withValue = (id: string, value: string | null) => ({
      singleValueExtendedProperties: [{ id, value }],
    });
    assert.equal(messageSensitivity({}), null, 'the $expand was dropped: nothing is known');
    assert.equal(messageSensitivity({ singleValueExtendedProperties: null }), null);
    assert.equal(messageSensitivity({ singleValueExtendedProperties: [] }), 'normal', 'not set: normal');
    assert.equal(messageSensitivity(withValue('Integer 0x36', '2')), 'private');
    assert.equal(messageSensitivity(withValue('Integer 0x0036', '3')), 'confidential');
    assert.equal(messageSensitivity(withValue('Integer 0x36', '1')), 'personal');
    assert.equal(messageSensitivity(withValue('Integer 0x36', 'garbage')), 'confidential');
    assert.equal(messageSensitivity(withValue('String 0x1000', '2')), 'normal');
  });

  it('keeps an event whose attendee response is unknown, dropping only that value', () => {
    const parsed = deltaEventSchema.parse({
      id: 'e1',
      attendees: [{ emailAddress: { address: 'a@example.com' }, status: { response: 'maybeLater' } }],
      unrelated: 'dropped',
    });
    assert.equal(parsed.attendees?.[0]?.status?.response, null);
    assert.ok(!('unrelated' in parsed));
  });
});

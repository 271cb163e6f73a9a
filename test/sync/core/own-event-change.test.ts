import assert from 'node:assert/strict';
import { decideOwnEvent, type OwnAppointmentState } from '../../../bot/sync/core/own-event-change.js';
import type { DeltaEvent } from '../../../bot/sync/core/graph-items.js';

/** The conflict rule of the README, case by case: the later change wins; our own echo changes nothing. */

const stored: OwnAppointmentState = {
  subject: 'Interview',
  startAt: '2026-12-07T09:00:00.000Z',
  endAt: '2026-12-07T10:00:00.000Z',
  location: 'Room 2',
  version: 2,
  changedAt: '2026-12-06T10:00:00.000Z',
  outlookWrittenVersion: 2,
  outlookChangeKey: 'ck-ours',
};

function event(over: Partial<DeltaEvent> = {}): DeltaEvent {
  return {
    id: 'e1',
    changeKey: 'ck-theirs',
    lastModifiedDateTime: '2026-12-06T11:00:00Z',
    subject: 'Interview',
    start: { dateTime: '2026-12-07T09:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2026-12-07T10:00:00.0000000', timeZone: 'UTC' },
    location: { displayName: 'Room 2' },
    ...over,
  } as DeltaEvent;
}

describe('own event changes (pure)', function () {
  it('treats our own changeKey, or nothing the CRM keeps changed, as an echo', function () {
    assert.deepEqual(decideOwnEvent(stored, event({ changeKey: 'ck-ours', subject: 'Other' })), {
      kind: 'echo',
    });
    assert.deepEqual(decideOwnEvent(stored, event()), { kind: 'echo' });
  });

  it('takes a change made in Outlook when the CRM has nothing pending', function () {
    const d = decideOwnEvent(stored, event({ start: { dateTime: '2026-12-08T14:00:00', timeZone: 'UTC' } }));
    assert.equal(d.kind, 'take_outlook');
    assert.ok(d.kind === 'take_outlook' && !d.conflict && d.fields.startAt === '2026-12-08T14:00:00.000Z');
  });

  it('gives a conflict to the later change by timestamp', function () {
    const pending = { ...stored, version: 3, changedAt: '2026-12-06T10:30:00.000Z' };
    const later = decideOwnEvent(
      pending,
      event({ subject: 'Moved', lastModifiedDateTime: '2026-12-06T11:00:00Z' }),
    );
    assert.ok(later.kind === 'take_outlook' && later.conflict);
    const earlier = decideOwnEvent(
      pending,
      event({ subject: 'Moved', lastModifiedDateTime: '2026-12-06T10:00:00Z' }),
    );
    assert.equal(earlier.kind, 'keep_crm');
  });

  it('removes the appointment when the event is cancelled, whatever else changed', function () {
    assert.deepEqual(decideOwnEvent({ ...stored, version: 3 }, event({ isCancelled: true, subject: 'x' })), {
      kind: 'removed',
      reason: 'cancelled',
    });
  });
});

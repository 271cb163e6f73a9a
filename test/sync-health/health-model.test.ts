import assert from 'node:assert/strict';
import {
  accountLastSync,
  kindHealth,
  lastCheckOf,
  type AccountFacts,
  type ResourceRecord,
} from '../../bot/sync-health/health-model.js';

const NOW = new Date('2025-03-03T12:00:00.000Z');
const active: AccountFacts = { state: 'active', mailEnabled: true, diaryEnabled: true, throttledUntil: null };
const record = (resource: string, over: Partial<ResourceRecord> = {}): ResourceRecord => ({
  resource,
  running: false,
  lastFinishedStatus: 'succeeded',
  lastSucceededAt: null,
  roundCompletedAt: null,
  ...over,
});

describe('the health model (bot/sync-health/health-model)', function () {
  it('counts a quiet check as a sync: last synced is the last complete round, not the last copy', function () {
    const inbox = record('mail:inbox', {
      lastSucceededAt: '2025-03-01T09:00:00.000Z',
      roundCompletedAt: '2025-03-03T11:59:00.000Z',
    });
    assert.equal(lastCheckOf(inbox), '2025-03-03T11:59:00.000Z');
    const mail = kindHealth('mail', active, [inbox], NOW);
    assert.equal(mail.status, 'healthy');
    assert.equal(mail.lastSyncedAt, '2025-03-03T11:59:00.000Z');
  });

  it('never shows a last sync for something that has not run, and says it has not', function () {
    const diary = kindHealth('diary', active, [], NOW);
    assert.equal(diary.lastSyncedAt, null);
    assert.equal(diary.status, 'waiting');
    assert.match(diary.statusText, /Not run yet/);
    // Mail is as fresh as its least fresh folder: a folder never checked means mail has no last sync.
    const mail = kindHealth(
      'mail',
      active,
      [
        record('mail:inbox', { roundCompletedAt: '2025-03-03T11:00:00.000Z' }),
        record('mail:sentitems', { lastFinishedStatus: 'failed' }),
      ],
      NOW,
    );
    assert.equal(mail.lastSyncedAt, null);
    assert.equal(mail.status, 'failing');
  });

  it('says why a resource is off: switched off by the user, not started, switched off, paused', function () {
    const mailOff = kindHealth('mail', { ...active, mailEnabled: false }, [], NOW);
    assert.equal(mailOff.status, 'off');
    assert.match(mailOff.statusText, /Switched off by the user/);
    assert.match(kindHealth('mail', { ...active, state: 'ready' }, [], NOW).statusText, /Not started/);
    assert.match(kindHealth('mail', { ...active, state: 'disabled' }, [], NOW).statusText, /switched off/);
    const paused = kindHealth('diary', { ...active, state: 'paused' }, [], NOW);
    assert.equal(paused.status, 'paused');
    assert.match(paused.statusText, /Paused/);
  });

  it('gives one-line views the oldest last check of what is on', function () {
    const mail = kindHealth(
      'mail',
      active,
      [record('mail:inbox', { roundCompletedAt: '2025-03-03T11:00:00.000Z' })],
      NOW,
    );
    const diary = kindHealth(
      'diary',
      active,
      [record('diary', { roundCompletedAt: '2025-03-03T11:30:00.000Z' })],
      NOW,
    );
    assert.equal(accountLastSync([mail, diary]), '2025-03-03T11:00:00.000Z');
    const diaryOnly = kindHealth('mail', { ...active, mailEnabled: false }, [], NOW);
    assert.equal(accountLastSync([diaryOnly, diary]), '2025-03-03T11:30:00.000Z');
    assert.equal(accountLastSync([kindHealth('mail', active, [], NOW), diary]), null);
  });
});

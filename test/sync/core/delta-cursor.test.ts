import assert from 'node:assert/strict';
import {
  DeltaCursorError,
  cursorAfterPage,
  nextDiaryRequest,
  nextMailRequest,
  planAfterFailure,
} from '../../../bot/sync/core/delta-cursor.js';

const BASE = 'https://graph.example/v1.0';

describe('sync/core/delta-cursor', () => {
  it('follows nextLink within a round and stores the deltaLink when it completes', () => {
    assert.deepEqual(cursorAfterPage({ nextLink: `${BASE}/me/x?$skiptoken=1`, deltaLink: null }, BASE), {
      link: `${BASE}/me/x?$skiptoken=1`,
      roundComplete: false,
    });
    assert.deepEqual(
      cursorAfterPage({ nextLink: null, deltaLink: `${BASE}/me/x?$deltatoken=2` }, `${BASE}/`),
      {
        link: `${BASE}/me/x?$deltatoken=2`,
        roundComplete: true,
      },
    );
  });

  it('refuses links that would send the token elsewhere', () => {
    for (const link of [
      'https://evil.example/v1.0/me/x',
      'http://graph.example/v1.0/me/x',
      `${BASE}x/me`,
      'not a url',
    ]) {
      assert.throws(() => cursorAfterPage({ nextLink: link, deltaLink: null }, BASE), DeltaCursorError, link);
    }
  });

  it('starts a mail round over the whole folder with $select, sensitivity and the Prefer headers', () => {
    const request = nextMailRequest(null, {
      graphBaseUrl: BASE,
      folder: 'inbox',
      expandSensitivity: true,
      pageSize: 500,
    });
    const url = new URL(request.url);
    assert.equal(url.pathname, '/v1.0/me/mailFolders/inbox/messages/delta');
    assert.equal(url.searchParams.get('$filter'), null, 'a filtered delta stops at 5,000 messages');
    assert.ok(url.searchParams.get('$select')?.split(',').includes('internetMessageId'));
    assert.ok(url.searchParams.get('$select')?.split(',').includes('receivedDateTime'));
    assert.equal(
      url.searchParams.get('$expand'),
      "singleValueExtendedProperties($filter=id eq 'Integer 0x0036')",
    );
    assert.equal(request.headers.Prefer, 'odata.maxpagesize=500, IdType="ImmutableId"');
    const plain = new URL(
      nextMailRequest(null, { graphBaseUrl: BASE, folder: 'inbox', expandSensitivity: false }).url,
    );
    assert.equal(plain.searchParams.get('$expand'), null);
  });

  it('continues from the cursor with the same headers, and asks events for UTC', () => {
    const cursor = { link: `${BASE}/me/calendarView/delta?$deltatoken=9`, roundComplete: true };
    const window = { start: '2025-03-17T00:00:00.000Z', end: '2026-06-16T00:00:00.000Z' };
    assert.equal(nextDiaryRequest(cursor, { graphBaseUrl: BASE, window }).url, cursor.link);
    const first = nextDiaryRequest(null, { graphBaseUrl: BASE, window });
    const url = new URL(first.url);
    assert.equal(url.pathname, '/v1.0/me/calendarView/delta');
    assert.equal(url.searchParams.get('startDateTime'), window.start);
    assert.equal(url.searchParams.get('endDateTime'), window.end);
    assert.match(first.headers.Prefer ?? '', /IdType="ImmutableId", outlook\.timezone="UTC"$/);
  });

  it('re-baselines on 410 or a lost sync state and keeps the cursor otherwise', () => {
    assert.deepEqual(planAfterFailure(410, null), { action: 'rebaseline', cursor: null });
    assert.deepEqual(planAfterFailure(400, 'SyncStateNotFound'), { action: 'rebaseline', cursor: null });
    assert.deepEqual(planAfterFailure(404, 'syncStateNotFound'), { action: 'rebaseline', cursor: null });
    assert.deepEqual(planAfterFailure(503, null), { action: 'keep-cursor' });
    assert.deepEqual(planAfterFailure(429, 'TooManyRequests'), { action: 'keep-cursor' });
  });
});

import assert from 'node:assert/strict';
import {
  REFRESH_USER_LIMIT,
  STALE_CARD_NOTE,
  withRefresh,
  withStaleNote,
} from '../../bot/cards/card-freshness.js';
import { buildVisibilityRequestCard } from '../../bot/cards/admin-cards.js';
import { assertValidCard } from './card-validation.js';

const card = () =>
  buildVisibilityRequestCard({
    ref: 'r',
    userName: 'Ben Jones',
    userEmail: 'ben.jones@contoso.com',
    requestedAt: new Date('2026-03-02T09:15:00Z'),
    timeZone: 'UTC',
  });

describe('card freshness: refresh clause and the out-of-date note', () => {
  // Universal Actions for Adaptive Cards (Microsoft Learn, "Work with Universal Actions for Adaptive
  // Cards", refresh model): an Action.Execute and the userIds that get automatic refresh, at most 60.
  it('adds a refresh Action.Execute naming each recipient once, at most 60 of them', () => {
    const ids = Array.from({ length: 70 }, (_, i) => `29:user-${i % 65}`);
    const refreshed = withRefresh(card(), { verb: 'refresh_visibility_request', data: { ref: 'r' } }, ids);
    assertValidCard(refreshed);
    const refresh = refreshed.refresh as { action: Record<string, unknown>; userIds: string[] };
    assert.deepEqual(refresh.action, {
      type: 'Action.Execute',
      title: 'Refresh',
      verb: 'refresh_visibility_request',
      data: { ref: 'r' },
    });
    assert.equal(refresh.userIds.length, REFRESH_USER_LIMIT);
    assert.equal(new Set(refresh.userIds).size, REFRESH_USER_LIMIT);
    assert.equal(refresh.userIds[0], '29:user-0');
  });

  it('puts the short note first and keeps the card as it is below it', () => {
    const original = card();
    const noted = withStaleNote(original);
    assertValidCard(noted);
    assert.equal((noted.body[0] as { text: string }).text, STALE_CARD_NOTE);
    assert.deepEqual(noted.body.slice(1), original.body);
    assert.deepEqual(noted.actions, original.actions);
  });
});

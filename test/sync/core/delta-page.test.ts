import assert from 'node:assert/strict';
import { DeltaPageError, parseDeltaPage } from '../../../bot/sync/core/delta-page.js';
import { deltaMessageSchema } from '../../../bot/sync/core/graph-items.js';

const NEXT = 'https://graph.example/v1.0/me/mailFolders/inbox/messages/delta?$skiptoken=a';

describe('sync/core/delta-page', () => {
  it('splits a page into items, removals, unreadable items and rejected entries', () => {
    const page = parseDeltaPage(
      {
        '@odata.nextLink': NEXT,
        value: [
          { id: 'm1', subject: 'Hello', internetMessageId: '<1@x>' },
          { id: 'm2', '@removed': { reason: 'deleted' } },
          { id: 'm3', '@removed': { reason: 'changed' } },
          { id: 'm4', '@removed': { reason: 'somethingNew' } },
          { id: 'm5', toRecipients: 'not-a-list' },
          { subject: 'no id' },
          'junk',
        ],
      },
      deltaMessageSchema,
    );
    assert.deepEqual(
      page.entries.map((e) => `${e.kind}:${e.id}${e.kind === 'removed' ? `:${e.reason}` : ''}`),
      ['item:m1', 'removed:m2:deleted', 'removed:m3:changed', 'removed:m4:deleted', 'invalid:m5'],
    );
    assert.deepEqual(
      page.rejected.map((r) => r.index),
      [5, 6],
    );
    assert.equal(page.nextLink, NEXT);
    assert.equal(page.deltaLink, null);
  });

  it('accepts an empty page', () => {
    const page = parseDeltaPage({ value: [], '@odata.deltaLink': NEXT }, deltaMessageSchema);
    assert.deepEqual(page.entries, []);
  });

  it('refuses a page whose cursor cannot be trusted', () => {
    for (const raw of [
      null,
      [],
      { value: 'x', '@odata.nextLink': NEXT },
      { value: [] },
      { value: [], '@odata.nextLink': NEXT, '@odata.deltaLink': NEXT },
    ]) {
      assert.throws(() => parseDeltaPage(raw, deltaMessageSchema), DeltaPageError, JSON.stringify(raw));
    }
  });
});

import assert from 'node:assert/strict';
import { blockingEntry, compileBlocklist } from '../../../bot/sync/core/blocklist.js';

describe('sync/core/blocklist', () => {
  const list = compileBlocklist(['HR@contoso.com', '@Example.org', 'clinic.example', 'not an entry', '@']);

  it('matches exact addresses case-insensitively', () => {
    assert.equal(blockingEntry(list, 'hr@contoso.com'), 'hr@contoso.com');
    assert.equal(blockingEntry(list, 'hr2@contoso.com'), null);
  });

  it('matches @domain and bare domain entries, subdomains included', () => {
    assert.equal(blockingEntry(list, 'sofia.rossi@example.org'), '@example.org');
    assert.equal(blockingEntry(list, 'x@eu.example.org'), '@example.org');
    assert.equal(blockingEntry(list, 'dr@clinic.example'), '@clinic.example');
    assert.equal(blockingEntry(list, 'x@example.org.evil.test'), null);
  });

  it('reports entries it cannot read instead of guessing', () => {
    assert.deepEqual(list.invalid, ['not an entry', '@']);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deleteTokenCache, loadTokenCache, saveTokenCache } from '../../bot/vault/token-cache-rows.js';
import { createTokenCipher } from '../../bot/vault/token-cipher.js';
import { forEachDialect } from '../support/postgres.js';
import { sealVersion1 } from './legacy-envelope.js';

forEachDialect('token cache rows', (suite) => {
  const oldKey = randomBytes(32).toString('base64');
  const oldCipher = createTokenCipher(oldKey);

  it('loads nothing for an account without a cache', async function () {
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'nobody'), undefined);
  });

  it('overwrites an account’s cache in place', async function () {
    await saveTokenCache(suite.store, oldCipher, 'acct-1', '{"v":1}');
    await saveTokenCache(suite.store, oldCipher, 'acct-1', '{"v":2}');
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'acct-1'), '{"v":2}');
    const rows = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-1')
      .selectAll()
      .execute();
    assert.equal(rows.length, 1);
  });

  it('after a key rotation, reads the old row and re-seals it under the new key on the next save', async function () {
    await saveTokenCache(suite.store, oldCipher, 'acct-rotate', '{"v":"old"}');
    const rotated = createTokenCipher(randomBytes(32).toString('base64'), [oldKey]);
    assert.equal(await loadTokenCache(suite.store, rotated, 'acct-rotate'), '{"v":"old"}');
    await saveTokenCache(suite.store, rotated, 'acct-rotate', '{"v":"new"}');
    const row = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-rotate')
      .select('key_id')
      .executeTakeFirstOrThrow();
    assert.equal(row.key_id, rotated.keyId);
    assert.notEqual(row.key_id, oldCipher.keyId);
  });

  it('deletes only the given account’s cache', async function () {
    await saveTokenCache(suite.store, oldCipher, 'keep', '{}');
    await saveTokenCache(suite.store, oldCipher, 'drop', '{}');
    assert.equal(await deleteTokenCache(suite.store.db, 'drop'), true);
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'drop'), undefined);
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'keep'), '{}');
  });
  it('reads a row sealed under the raw vault key by an earlier version, and re-seals it under the derived key on the next save', async function () {
    const legacyKeyId = 'legacy';
    await suite.store.db
      .insertInto('token_caches')
      .values({
        account_key: 'acct-legacy',
        ciphertext: sealVersion1(oldKey, '{"v":"before"}', 'acct-legacy'),
        key_id: legacyKeyId,
        updated_at: new Date().toISOString(),
      })
      .execute();
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'acct-legacy'), '{"v":"before"}');
    await saveTokenCache(suite.store, oldCipher, 'acct-legacy', '{"v":"after"}');
    const row = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-legacy')
      .select(['key_id', 'ciphertext'])
      .executeTakeFirstOrThrow();
    assert.equal(row.key_id, oldCipher.keyId);
    assert.equal(Buffer.from(row.ciphertext, 'base64')[0], 2, 'sealed as format version 2');
    assert.equal(await loadTokenCache(suite.store, oldCipher, 'acct-legacy'), '{"v":"after"}');
  });
});

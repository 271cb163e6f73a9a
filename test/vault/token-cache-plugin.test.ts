import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { TokenCacheContext } from '@azure/msal-node';
import { createTokenCachePlugin } from '../../bot/vault/token-cache-plugin.js';
import { deleteTokenCache } from '../../bot/vault/token-cache-rows.js';
import { createTokenCipher, VaultDecryptError } from '../../bot/vault/token-cipher.js';
import { forEachDialect } from '../support/postgres.js';
import {
  ALICE,
  DAN,
  FIXTURE_ACCESS_TOKEN,
  FIXTURE_REFRESH_TOKEN,
  offlineClient,
  serializedCacheFor,
} from './msal-cache-fixture.js';

forEachDialect('token cache plugin', (suite) => {
  const cipher = createTokenCipher(randomBytes(32).toString('base64'));
  const pluginFor = (accountKey: string) =>
    createTokenCachePlugin({ store: suite.store, cipher, accountKey });

  /** Persists a signed-in cache through the plugin, as msal does after a token response. */
  async function signIn(accountKey: string, users = [ALICE]) {
    const plugin = pluginFor(accountKey);
    const client = offlineClient(plugin);
    client.getTokenCache().deserialize(serializedCacheFor(users));
    await plugin.afterCacheAccess(new TokenCacheContext(client.getTokenCache(), true));
  }

  it('a new client for the account finds its tokens and answers silently from the stored cache', async function () {
    await signIn('acct-silent');
    const client = offlineClient(pluginFor('acct-silent'));
    const [account, ...rest] = await client.getTokenCache().getAllAccounts();
    assert.equal(account?.username, ALICE.username);
    assert.equal(rest.length, 0);
    const result = await client.acquireTokenSilent({ account: account!, scopes: ['Mail.Read'] });
    assert.equal(result.accessToken, FIXTURE_ACCESS_TOKEN);
    assert.equal(result.fromCache, true);
  });

  it('stores the cache encrypted, with no token in the row', async function () {
    await signIn('acct-encrypted');
    const row = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-encrypted')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(row.key_id, cipher.keyId);
    const raw = `${row.ciphertext} ${Buffer.from(row.ciphertext, 'base64').toString('latin1')}`;
    assert.ok(!raw.includes(FIXTURE_REFRESH_TOKEN) && !raw.includes(FIXTURE_ACCESS_TOKEN));
    assert.ok(!raw.includes(ALICE.username));
  });

  it('persists changes msal makes (removing an account) and not reads', async function () {
    await signIn('acct-change', [ALICE, DAN]);
    const before = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-change')
      .select('ciphertext')
      .executeTakeFirstOrThrow();

    const reader = offlineClient(pluginFor('acct-change'));
    const accounts = await reader.getTokenCache().getAllAccounts();
    assert.equal(accounts.length, 2);
    const unchanged = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-change')
      .select('ciphertext')
      .executeTakeFirstOrThrow();
    assert.equal(unchanged.ciphertext, before.ciphertext, 'a read does not rewrite the row');

    await reader.getTokenCache().removeAccount(accounts.find((a) => a.username === DAN.username)!);
    const later = await offlineClient(pluginFor('acct-change')).getTokenCache().getAllAccounts();
    assert.deepEqual(
      later.map((a) => a.username),
      [ALICE.username],
    );
  });

  it('keeps accounts apart: another account key sees nothing', async function () {
    await signIn('acct-a');
    const other = await offlineClient(pluginFor('acct-b')).getTokenCache().getAllAccounts();
    assert.deepEqual(other, []);
  });

  it('deleting the cache signs the account out for every later client', async function () {
    await signIn('acct-delete');
    assert.equal((await offlineClient(pluginFor('acct-delete')).getTokenCache().getAllAccounts()).length, 1);

    assert.equal(await deleteTokenCache(suite.store.db, 'acct-delete'), true);
    assert.equal(await deleteTokenCache(suite.store.db, 'acct-delete'), false, 'nothing left to delete');

    assert.deepEqual(await offlineClient(pluginFor('acct-delete')).getTokenCache().getAllAccounts(), []);
  });

  it('a tampered or foreign row fails with VaultDecryptError instead of a cache', async function () {
    await signIn('acct-victim');
    await signIn('acct-thief');
    const victim = await suite.store.db
      .selectFrom('token_caches')
      .where('account_key', '=', 'acct-victim')
      .select('ciphertext')
      .executeTakeFirstOrThrow();
    await suite.store.db
      .updateTable('token_caches')
      .set({ ciphertext: victim.ciphertext })
      .where('account_key', '=', 'acct-thief')
      .execute();
    await assert.rejects(
      offlineClient(pluginFor('acct-thief')).getTokenCache().getAllAccounts(),
      (err: unknown) => err instanceof VaultDecryptError && err.reason === 'authentication_failed',
    );

    const bytes = Buffer.from(victim.ciphertext, 'base64');
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await suite.store.db
      .updateTable('token_caches')
      .set({ ciphertext: bytes.toString('base64') })
      .where('account_key', '=', 'acct-victim')
      .execute();
    await assert.rejects(
      offlineClient(pluginFor('acct-victim')).getTokenCache().getAllAccounts(),
      VaultDecryptError,
    );
  });

  it('a store opened with the wrong key cannot read the cache', async function () {
    await signIn('acct-wrong-key');
    const wrong = createTokenCachePlugin({
      store: suite.store,
      cipher: createTokenCipher(randomBytes(32).toString('base64')),
      accountKey: 'acct-wrong-key',
    });
    await assert.rejects(
      offlineClient(wrong).getTokenCache().getAllAccounts(),
      (err: unknown) => err instanceof VaultDecryptError && err.reason === 'unknown_key',
    );
  });
});

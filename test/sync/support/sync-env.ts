import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseConfig } from '../../../bot/config/config.js';
import { msalClientFor, type MsalSettings } from '../../../bot/sign-in/msal-client-factory.js';
import { createLogger, type Logger } from '../../../bot/logging/logger.js';
import { TrustedNetworkClient } from '../../../bot/net/msal-network-client.js';
import { trustedFetch, type FetchLike } from '../../../bot/net/tls-trust.js';
import type { Store, StoreDialect } from '../../../bot/store/store.js';
import {
  createAttentionEvents,
  type AttentionEvent,
  type AttentionEvents,
} from '../../../bot/sync/account-attention.js';
import type { SyncSettings } from '../../../bot/sync/account-sync.js';
import { DEFAULT_WINDOW_SETTINGS } from '../../../bot/sync/core/calendar-window.js';
import { DEFAULT_SCHEDULE_SETTINGS } from '../../../bot/sync/core/scheduling.js';
import type { Database } from '../../../bot/store/schema.js';
import { createTokenProvider, type TokenProvider } from '../../../bot/sync/token-provider.js';
import { createTokenCipher, type TokenCipher } from '../../../bot/vault/token-cipher.js';
import { DEMO, signInForCode } from '../../support/emulator-msal.js';
import { startTestEmulator, type TestEmulator, type TestEmulatorOptions } from '../../support/emulator.js';
import { openTestStore, type TestStore } from '../../support/postgres.js';
import { activateAccount, CONTOSO, insertSignedInAccount, seedContact, seedTenant } from './accounts.js';
import type { Kysely } from 'kysely';

/**
 * A real sync environment for tests: an emulator (Entra + Graph over HTTPS), a migrated store on the
 * chosen dialect, the vault, msal-node and the Graph client exactly as the worker uses them. Accounts
 * are connected the real way: the emulator's sign-in form driven over HTTP, the code redeemed by
 * msal-node, the token cache landing encrypted in the store.
 */

/** What the enablement flow asks for (SYNC_SCOPES' default), so the worker's silent requests are covered. */
export const SCOPES = parseConfig({}).SYNC_SCOPES;

export interface SyncEnv {
  emu: TestEmulator;
  fixture: TestStore;
  store: Store;
  db: Kysely<Database>;
  dialect: StoreDialect;
  cipher: TokenCipher;
  cipherKey: string;
  msal: MsalSettings;
  fetch: FetchLike;
  attention: AttentionEvents;
  attentionEvents: AttentionEvent[];
  logger: Logger;
  /** Everything logged, to check that no secret reaches a log. */
  logText(): string;
  tokens: TokenProvider;
  /** The Graph control API of the emulator (loopback only). */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** `store` opens the store on the running emulator instead (a database that needs its TLS material). */
export async function startSyncEnv(
  dialect: StoreDialect,
  options: {
    store?: (emu: TestEmulator) => Promise<TestStore>;
    /** Managed identities of an emulated App Service app (the emulator then runs its token service). */
    appServiceIdentities?: TestEmulatorOptions['appServiceIdentities'];
    /** Another emulator than an in-process one (benchmarks run it as a process of its own). */
    emulator?: () => Promise<TestEmulator>;
  } = {},
): Promise<SyncEnv> {
  const emu = options.emulator
    ? await options.emulator()
    : await startTestEmulator({ appServiceIdentities: options.appServiceIdentities });
  const fixture = options.store ? await options.store(emu) : await openTestStore(dialect);
  await fixture.store.migrate();
  const cipherKey = randomBytes(32).toString('base64');
  const cipher = createTokenCipher(cipherKey);
  let logged = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        logged += String(chunk);
        done();
      },
    }),
  });
  const msal: MsalSettings = {
    authorityHost: emu.origin,
    clientId: DEMO.clientId,
    clientSecret: DEMO.clientSecret,
    networkClient: new TrustedNetworkClient(emu.caPem),
    logger,
  };
  const attention = createAttentionEvents();
  const attentionEvents: AttentionEvent[] = [];
  attention.on('attention', (e) => attentionEvents.push(e));
  const fetch = trustedFetch(emu.caPem);
  const tokens = createTokenProvider({
    store: fixture.store,
    cipher,
    msal,
    scopes: SCOPES,
    events: attention,
  });
  return {
    emu,
    fixture,
    store: fixture.store,
    db: fixture.store.db,
    dialect,
    cipher,
    cipherKey,
    msal,
    fetch,
    attention,
    attentionEvents,
    logger,
    logText: () => logged,
    tokens,
    control: (method, path, body) =>
      fetch(`${emu.origin}/_emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async close() {
      await fixture.dispose();
      await emu.close();
    },
  };
}

export function testSettings(overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    mailFolders: ['inbox', 'sentitems'],
    historyDays: 90,
    window: DEFAULT_WINDOW_SETTINGS,
    fileWithoutContact: false,
    schedule: { ...DEFAULT_SCHEDULE_SETTINGS, pollIntervalMs: 60_000, failureBaseDelayMs: 200 },
    maxRetries: 8,
    retryDelaySeconds: 0,
    ...overrides,
  };
}

/** The demo CRM contacts of Contoso (docs/demo-identities.md). */
export async function seedContosoCrm(store: Store): Promise<Record<string, string>> {
  await seedTenant(store);
  return {
    priya: await seedContact(store, CONTOSO.id, 'Priya Patel', [
      'priya.patel@example.com',
      'priya.p@example.net',
    ]),
    tom: await seedContact(store, CONTOSO.id, 'Tom Becker', ['tom.becker@northwind.example']),
    sofia: await seedContact(store, CONTOSO.id, 'Sofia Rossi', ['sofia.rossi@example.org']),
  };
}

export interface DemoUser {
  id: string;
  username: string;
  password: string;
}

/**
 * An active sync account for a demo user, signed in for real: the CRM rows are inserted, the
 * emulator's sign-in form is submitted and msal-node redeems the code into the account's vault cache,
 * then the bot's activation code activates the account with the identity the sign-in returned.
 */
export async function connectAccount(env: SyncEnv, user: DemoUser, tenantId = CONTOSO.id): Promise<string> {
  const seeded = await insertSignedInAccount(env.store, { tenantId, email: user.username });
  const cca = msalClientFor(
    env.msal,
    { store: env.store, cipher: env.cipher },
    seeded.accountId,
    'organizations',
  );
  const { code, verifier } = await signInForCode(env.emu, cca, user, SCOPES);
  const result = await cca.acquireTokenByCode({
    code,
    codeVerifier: verifier,
    redirectUri: DEMO.redirectUri,
    scopes: SCOPES,
  });
  await activateAccount(env.store, seeded, {
    tenantId: result.account?.tenantId ?? tenantId,
    objectId: result.account?.localAccountId ?? user.id,
    userPrincipalName: user.username,
    addresses: [user.username],
  });
  return seeded.accountId;
}

/** Empties what a mail round writes, so each test of a mail-only suite starts from no import. */
export async function clearMailImport(env: SyncEnv): Promise<void> {
  for (const table of [
    'mail_item_contacts',
    'mail_item_owners',
    'mail_items',
    'sync_cursors',
    'sync_runs',
    'sync_skips',
  ] as const) {
    await env.db.deleteFrom(table).execute();
  }
}

/** Calls the emulator's control API for one mailbox and fails the test on an error answer. */
export function mailboxControl(env: () => SyncEnv, mailboxId: string) {
  return async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await env().control(method, `/mailboxes/${mailboxId}${path}`, body);
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
}

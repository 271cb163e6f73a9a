import { randomUUID } from 'node:crypto';
import { msalClientFor } from '../../bot/sign-in/msal-client-factory.js';
import type { StoreDialect } from '../../bot/store/store.js';
import { graphRuntime } from '../../emulator/graph/runtime.js';
import type { ThrottleCounters } from '../../emulator/graph/throttle.js';
import { mochaGlobalSetup, mochaGlobalTeardown } from '../../test/support/global-fixtures.js';
import { DEMO } from '../../test/support/emulator-msal.js';
import {
  activateAccount,
  CONTOSO,
  insertSignedInAccount,
  seedContact,
  seedTenant,
} from '../../test/sync/support/accounts.js';
import { startEmulatorProcess } from './emulator-process.js';
import { SCOPES, startSyncEnv, type DemoUser, type SyncEnv } from '../../test/sync/support/sync-env.js';

/**
 * The benchmark's stack, built from the sync tests' own fixtures (test/sync/support): an emulator
 * (Entra + Graph over HTTPS) in this process, a migrated store (SQLite file or a database on an
 * embedded PostgreSQL), the vault and msal-node as the worker uses them. Accounts are connected for
 * real (msal redeems a code at the emulator's token endpoint and writes the encrypted cache), but the
 * code comes from the emulator's control API instead of its sign-in pages, so thousands can be
 * connected in reasonable time.
 */

export type { SyncEnv };

let postgresStarted = false;

/** Starts an embedded PostgreSQL for the run unless one is given (DATABASE_URL) or already running. */
export async function ensurePostgres(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  await mochaGlobalSetup();
  postgresStarted = true;
}

export async function stopPostgres(): Promise<void> {
  if (postgresStarted) await mochaGlobalTeardown();
  postgresStarted = false;
}

/** `emulatorProcess`: the emulator runs in a process of its own (bench/support/emulator-process.ts). */
export async function startBenchEnv(
  dialect: StoreDialect,
  options: { emulatorProcess?: boolean } = {},
): Promise<SyncEnv> {
  if (dialect === 'postgres') await ensurePostgres();
  const env = await startSyncEnv(dialect, options.emulatorProcess ? { emulator: startEmulatorProcess } : {});
  await seedTenant(env.store);
  await grantTenantConsent(env);
  return env;
}

/** Tenant-wide consent for the sync scopes, as Contoso's administrator would give it. */
async function grantTenantConsent(env: SyncEnv): Promise<void> {
  const res = await env.control('POST', '/grants', {
    clientId: DEMO.clientId,
    tenantId: CONTOSO.id,
    consentType: 'AllPrincipals',
    scopes: SCOPES.filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s)),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`consent grant failed: ${await res.text()}`);
}

/** Users in the emulator's directory (in-process: 10,000 HTTP calls would only measure the setup). */
export function createUsers(env: SyncEnv, count: number, prefix: string): DemoUser[] {
  const users: DemoUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const user = { id: randomUUID(), username: `${prefix}${i}@${CONTOSO.domain}`, password: 'demo' };
    env.emu.ctx.directory.addUser({
      id: user.id,
      tenantId: CONTOSO.id,
      userPrincipalName: user.username,
      displayName: `${prefix} ${i}`,
      password: user.password,
    });
    users.push(user);
  }
  return users;
}

/** Users in the emulator's directory through its control API, for an emulator in another process. */
export async function addUsers(env: SyncEnv, count: number, prefix: string): Promise<DemoUser[]> {
  const users: DemoUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const user = { id: randomUUID(), username: `${prefix}${i}@${CONTOSO.domain}`, password: 'demo' };
    const res = await env.control('POST', '/users', {
      id: user.id,
      tenantId: CONTOSO.id,
      userPrincipalName: user.username,
      displayName: `${prefix} ${i}`,
      password: user.password,
    });
    if (res.status !== 201) throw new Error(`adding ${user.username} failed: ${await res.text()}`);
    users.push(user);
  }
  return users;
}

/**
 * An active sync account whose vault holds a real msal cache: a code issued by the control API,
 * redeemed by msal-node at the token endpoint (so refresh token, id token and access token are the
 * emulator's own).
 */
export async function connectFast(env: SyncEnv, user: DemoUser): Promise<string> {
  const seeded = await insertSignedInAccount(env.store, { tenantId: CONTOSO.id, email: user.username });
  const issued = await env.control('POST', '/authorization-codes', {
    userPrincipalName: user.username,
    clientId: DEMO.clientId,
    redirectUri: DEMO.redirectUri,
    scopes: [...new Set([...SCOPES, 'openid', 'profile', 'offline_access'])],
  });
  if (issued.status !== 201) throw new Error(`no code for ${user.username}: ${await issued.text()}`);
  const { code } = (await issued.json()) as { code: string };
  const cca = msalClientFor(
    env.msal,
    { store: env.store, cipher: env.cipher },
    seeded.accountId,
    'organizations',
  );
  const result = await cca.acquireTokenByCode({ code, redirectUri: DEMO.redirectUri, scopes: SCOPES });
  await activateAccount(env.store, seeded, {
    tenantId: result.account?.tenantId ?? CONTOSO.id,
    objectId: result.account?.localAccountId ?? user.id,
    userPrincipalName: user.username,
    addresses: [user.username],
  });
  return seeded.accountId;
}

/** Connects many users, a few at a time (msal and the token endpoint are CPU-bound on this machine). */
export async function connectMany(env: SyncEnv, users: readonly DemoUser[], parallel = 8): Promise<string[]> {
  const ids: string[] = new Array<string>(users.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, users.length) }, async () => {
      for (let i = next++; i < users.length; i = next++) ids[i] = await connectFast(env, users[i]!);
    }),
  );
  return ids;
}

/** Generates a mailbox; `days` keeps every message inside the 90-day history window. */
export async function generateMailbox(
  env: SyncEnv,
  userId: string,
  sizes: { messages: number; events: number; seed: number; days?: number },
): Promise<void> {
  const res = await env.control('POST', `/mailboxes/${userId}/generate`, { days: 60, ...sizes });
  if (res.status !== 200) throw new Error(`generating the mailbox failed: ${await res.text()}`);
}

/**
 * CRM contacts for the mailbox's external correspondents (up to `limit`), so most messages are filed
 * (the expensive path) rather than skipped for having no contact. Returns address → contact id.
 */
export async function seedContactsFromMailbox(
  env: SyncEnv,
  userId: string,
  limit = Number.MAX_SAFE_INTEGER,
): Promise<Map<string, string>> {
  const addresses = new Set<string>();
  for (const record of env.emu.ctx.mailboxes.mailbox(userId).messages.all()) {
    for (const p of [record.fields.from, ...(record.fields.toRecipients ?? [])]) {
      const a = p?.emailAddress?.address?.toLowerCase();
      if (a && !a.endsWith(`@${CONTOSO.domain}`)) addresses.add(a);
    }
  }
  const contacts = new Map<string, string>();
  for (const address of [...addresses].sort().slice(0, limit)) {
    const existing = await env.db
      .selectFrom('crm_contact_emails')
      .select('contact_id')
      .where('email', '=', address)
      .executeTakeFirst();
    contacts.set(
      address,
      existing?.contact_id ?? (await seedContact(env.store, CONTOSO.id, address, [address])),
    );
  }
  return contacts;
}

/** The emulator-wide latency model: Graph-like (the preset) or off. */
export async function setLatency(env: SyncEnv, on: boolean): Promise<void> {
  const res = on
    ? await env.control('PUT', '/latency', { preset: 'graph' })
    : await env.control('DELETE', '/latency');
  if (res.status !== 200 && res.status !== 204) throw new Error(`latency: ${await res.text()}`);
}

/** The emulator's request counters of one mailbox (read in-process: the HTTP log is capped). */
export function requestCounters(env: SyncEnv, userId: string): ThrottleCounters {
  return graphRuntime(env.emu.ctx).throttle.counters(userId);
}

/** The requests that ignored a Retry-After (at most `limit`): what they asked and how late they came. */
export function retryAfterViolations(env: SyncEnv, userId: string, limit = 10) {
  return graphRuntime(env.emu.ctx)
    .throttle.log(userId)
    .filter((e) => e.beforeRetryAfter)
    .slice(0, limit)
    .map((e) => ({
      time: e.time,
      method: e.method,
      path: e.path,
      msAfterRetryAfterWritten: e.msAfterRetryAfterWritten,
    }));
}

/** Starts the mailbox's request counters afresh, so the next client's figures are its own. */
export function clearRequestCounters(env: SyncEnv, userId: string): void {
  graphRuntime(env.emu.ctx).throttle.clearLog(userId);
}

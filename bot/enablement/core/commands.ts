import { z } from 'zod';
import type { SwitchableResource } from './resource-switches.js';

/** Text commands the bot understands; anything else is answered with help. */
export type Command =
  | { kind: 'help'; recognised: boolean }
  | { kind: 'enable_sync' }
  | { kind: 'status' }
  | { kind: 'disable_sync' }
  /** `mail off`, `diary on`, … */
  | { kind: 'switch_resource'; resource: SwitchableResource; on: boolean }
  | { kind: 'set_it_channel' }
  | { kind: 'list_users' }
  | { kind: 'grant_visibility'; email: string }
  | { kind: 'revoke_visibility'; email: string }
  | { kind: 'invalid'; message: string };

const email = z.string().email();

const phrases: Record<string, Command> = {
  help: { kind: 'help', recognised: true },
  hi: { kind: 'help', recognised: true },
  hello: { kind: 'help', recognised: true },
  'enable sync': { kind: 'enable_sync' },
  enable: { kind: 'enable_sync' },
  'turn on sync': { kind: 'enable_sync' },
  status: { kind: 'status' },
  'sync status': { kind: 'status' },
  'disable sync': { kind: 'disable_sync' },
  disable: { kind: 'disable_sync' },
  'turn off sync': { kind: 'disable_sync' },
  'set it channel': { kind: 'set_it_channel' },
  'list users': { kind: 'list_users' },
};

/** Names people use for each resource; `e-mail` loses its hyphen in `words`. */
const resourceWords: Record<string, SwitchableResource> = {
  mail: 'mail',
  email: 'mail',
  emails: 'mail',
  diary: 'diary',
  calendar: 'diary',
};
for (const [word, resource] of Object.entries(resourceWords)) {
  for (const on of [true, false]) {
    const state = on ? 'on' : 'off';
    phrases[`${word} ${state}`] = { kind: 'switch_resource', resource, on };
    phrases[`${word} sync ${state}`] = { kind: 'switch_resource', resource, on };
    phrases[`turn ${word} ${state}`] = { kind: 'switch_resource', resource, on };
  }
}

const entities: Record<string, string> = {
  '&nbsp;': ' ',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
};

/**
 * Teams sends the bot's @mention as `<at>Name</at>` and may wrap text (and auto-linked addresses) in
 * HTML, so mentions and tags go before the words are read.
 */
function plainText(raw: string): string {
  return raw
    .replace(/<at>[\s\S]*?<\/at>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(nbsp|amp|lt|gt|quot);/gi, (m) => entities[m.toLowerCase()] ?? ' ');
}

/** Words in lower case; punctuation dropped except inside e-mail addresses. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((w) => (w.includes('@') ? w.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') : w.replace(/[^a-z0-9]/g, '')))
    .filter((w) => w !== '');
}

function visibilityCommand(kind: 'grant_visibility' | 'revoke_visibility', args: string[]): Command {
  const verb = kind === 'grant_visibility' ? 'grant' : 'revoke';
  const parsed = args.length === 1 ? email.safeParse(args[0]) : undefined;
  if (!parsed?.success) {
    return {
      kind: 'invalid',
      message: `"${verb}" needs one e-mail address, for example: ${verb} alice.smith@contoso.com`,
    };
  }
  return { kind, email: parsed.data };
}

export function parseCommand(raw: string): Command {
  const [first, ...rest] = words(plainText(raw));
  if (first === 'grant') return visibilityCommand('grant_visibility', rest);
  if (first === 'revoke') return visibilityCommand('revoke_visibility', rest);
  const phrase = [first, ...rest].join(' ');
  return phrases[phrase] ?? { kind: 'help', recognised: false };
}

/**
 * What each text command does, in one sentence: the help card, the welcome card's short list and the
 * "I didn't catch that" answer all read this one list, so they never disagree with each other.
 */

export interface CommandHelp {
  /** What to type. */
  usage: string;
  explanation: string;
}

export const USER_COMMANDS: readonly CommandHelp[] = [
  {
    usage: 'enable sync',
    explanation:
      'Switches Cloud Sync on: you sign in to Microsoft 365 once, then your mail and diary are copied into TriSys.',
  },
  {
    usage: 'status',
    explanation:
      'Shows whether your e-mail and diary are up to date, when they last synced and how many items are in TriSys.',
  },
  {
    usage: 'mail off / mail on',
    explanation: 'Stops or restarts copying your e-mail; your diary carries on either way.',
  },
  {
    usage: 'diary off / diary on',
    explanation: 'Stops or restarts copying your diary; your e-mail carries on either way.',
  },
  {
    usage: 'disable sync',
    explanation: 'Switches Cloud Sync off, after asking you to confirm.',
  },
  { usage: 'help', explanation: 'Shows this list.' },
];

export const ADMIN_COMMANDS: readonly CommandHelp[] = [
  {
    usage: 'list users',
    explanation:
      'Lists your organisation’s TriSys users and where their Cloud Sync stands, with a Grant or Revoke button for each.',
  },
  {
    usage: 'grant <work e-mail>',
    explanation: 'Makes Cloud Sync available to that TriSys user and tells them in Teams.',
  },
  {
    usage: 'revoke <work e-mail>',
    explanation:
      'Withdraws Cloud Sync from that user and tells them; if their sync is on, you are asked to confirm first, because it stops their sync.',
  },
  {
    usage: '@Cloud Sync set it channel',
    explanation:
      'Posted in your IT team’s channel, makes it the channel where requests for IT’s approval go.',
  },
];

/** The commands someone can use, in the order the help card lists them. */
export function commandsFor(crmAdmin: boolean): {
  user: readonly CommandHelp[];
  admin: readonly CommandHelp[];
} {
  return { user: USER_COMMANDS, admin: crmAdmin ? ADMIN_COMMANDS : [] };
}

/** How a command's name stands out: bold in a card's Markdown, quoted in a plain chat message. */
export type CommandStyle = 'card' | 'message';

const named = (style: CommandStyle) => (c: CommandHelp) =>
  c.usage
    .split(' / ')
    .map((u) => (style === 'card' ? `**${u}**` : `"${u}"`))
    .join(' / ');

function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * Every command's name on one line; a CRM administrator's adds the admin commands of a personal chat
 * (`set it channel` is said in a channel, so it is left to help). The admin commands are written out:
 * an address placeholder in angle brackets would read as an HTML tag in a Teams message.
 */
export function shortCommandList(crmAdmin: boolean, style: CommandStyle): string {
  const name = named(style);
  const own = `You can type ${listed(USER_COMMANDS.map(name))}.`;
  if (!crmAdmin) return own;
  const [list, grant, revoke] = ['list users', 'grant', 'revoke'].map((usage) =>
    name({ usage, explanation: '' }),
  );
  return `${own} As a CRM administrator also ${list}, and ${grant} or ${revoke} followed by a work e-mail.`;
}

/** The answer to text that is no command. */
export function notUnderstood(crmAdmin: boolean): string {
  return `I didn't catch that. ${shortCommandList(crmAdmin, 'message')} Type "help" to see what each one does.`;
}

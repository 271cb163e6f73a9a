import { notUnderstood } from './command-help.js';
import type { Command } from './commands.js';
import type { SwitchableResource } from './resource-switches.js';
import type { EnablementEvent, EnablementState } from './states.js';

/** What the bot knows about the person typing, resolved by the binding before deciding. */
export interface ConversationContext {
  conversation: 'personal' | 'channel' | 'group_chat';
  /** The CRM user mapped by e-mail/UPN and their enablement state; undefined when unmapped. */
  crmUser: { state: EnablementState } | undefined;
  isCrmAdmin: boolean;
  /** An IT administrator of this tenant (auth/it-admin.ts). */
  isItAdmin: boolean;
}

export type UserCard = 'welcome' | 'help' | 'not_mapped' | 'not_visible' | 'status' | 'disable_confirmation';

export type ConversationDecision =
  | { kind: 'show_card'; card: UserCard; recognised: boolean }
  /** Run the state machine for the user's own account; its effects say what to show. */
  | { kind: 'transition'; event: EnablementEvent }
  | { kind: 'register_it_channel' }
  | { kind: 'list_users' }
  | { kind: 'set_visibility'; email: string; grant: boolean }
  /** Switch mail or diary sync of the user's own account (resource-switches.ts decides the rest). */
  | { kind: 'switch_resource'; resource: SwitchableResource; on: boolean }
  | { kind: 'message'; text: string };

const show = (card: UserCard, recognised = true): ConversationDecision => ({
  kind: 'show_card',
  card,
  recognised,
});

const channelHelp =
  'In a channel I answer "set it channel" (CRM or IT administrators). To switch Cloud Sync on or check it, send me a personal message.';

const onOrPaused = new Set<EnablementState>(['active', 'paused', 'reconnect_required']);
const midEnablement = new Set<EnablementState>(['signing_in', 'awaiting_admin_consent', 'identity_mismatch']);

function enable(state: EnablementState): ConversationDecision {
  switch (state) {
    case 'not_visible':
      return show('not_visible');
    case 'reconnect_required':
      return { kind: 'transition', event: { type: 'reconnect_requested' } };
    case 'activating':
    case 'active':
    case 'paused':
      return show('status');
    default:
      return { kind: 'transition', event: { type: 'start_requested' } };
  }
}

function disable(state: EnablementState): ConversationDecision {
  if (onOrPaused.has(state)) return show('disable_confirmation');
  if (midEnablement.has(state)) return { kind: 'transition', event: { type: 'enablement_cancelled' } };
  return { kind: 'message', text: 'Cloud Sync isn’t switched on, so there is nothing to switch off.' };
}

/** Administration answers only in a personal chat: a channel or group chat has other readers. */
function adminOnly(ctx: ConversationContext, decision: ConversationDecision): ConversationDecision {
  if (ctx.conversation !== 'personal') {
    return {
      kind: 'message',
      text: 'Send me that in a personal chat: the answer is for administrators only.',
    };
  }
  return ctx.isCrmAdmin
    ? decision
    : { kind: 'message', text: 'Only a CRM administrator can do that. Type "help" to see what you can do.' };
}

/** Decides the reply to a text command. Enablement commands only work in a personal chat. */
export function decideCommand(command: Command, ctx: ConversationContext): ConversationDecision {
  switch (command.kind) {
    case 'invalid':
      return { kind: 'message', text: command.message };
    case 'set_it_channel':
      if (ctx.conversation !== 'channel') {
        return { kind: 'message', text: 'Say "set it channel" in your IT team’s channel, mentioning me.' };
      }
      return ctx.isCrmAdmin || ctx.isItAdmin
        ? { kind: 'register_it_channel' }
        : {
            kind: 'message',
            text: 'Only a CRM administrator or an IT administrator of your organisation can choose the IT channel.',
          };
    case 'list_users':
      return adminOnly(ctx, { kind: 'list_users' });
    case 'grant_visibility':
    case 'revoke_visibility':
      return adminOnly(ctx, {
        kind: 'set_visibility',
        email: command.email,
        grant: command.kind === 'grant_visibility',
      });
    default:
      break;
  }
  if (ctx.conversation !== 'personal') return { kind: 'message', text: channelHelp };
  if (!ctx.crmUser) return show('not_mapped', command.kind !== 'help' || command.recognised);
  const { state } = ctx.crmUser;
  switch (command.kind) {
    case 'help':
      // Text that is no command gets a short answer, not a whole card to read again.
      return command.recognised ? show('help') : { kind: 'message', text: notUnderstood(ctx.isCrmAdmin) };
    case 'status':
      return show('status');
    case 'enable_sync':
      return enable(state);
    case 'disable_sync':
      return disable(state);
    case 'switch_resource':
      return { kind: 'switch_resource', resource: command.resource, on: command.on };
  }
}

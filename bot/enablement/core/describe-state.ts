import type { EnablementState } from './states.js';

/** The one thing to do next. The bot maps it to a card button, the tab to its own control. */
export type NextAction =
  | 'ask_administrator'
  | 'grant_visibility'
  | 'enable'
  | 'sign_in'
  | 'explain_need_to_it'
  | 'open_admin_consent'
  | 'fix_account_mismatch'
  | 'wait'
  | 'view_status'
  | 'reconnect'
  | 'resume';

export interface StateDescription {
  title: string;
  summary: string;
  nextAction: { kind: NextAction; label: string };
}

export interface DescribeContext {
  /** Whose view: the user about their own sync, or an administrator looking at someone else's. */
  viewer: 'owner' | 'crm_admin' | 'it_admin';
}

type Described = Record<EnablementState, (viewer: DescribeContext['viewer']) => StateDescription>;

const describers: Described = {
  not_visible: (viewer) => ({
    title: 'Not available yet',
    summary:
      viewer === 'owner'
        ? 'Your TriSys database administrator needs to make Cloud Sync available to you before you can switch it on.'
        : 'This user cannot see Cloud Sync until a CRM administrator grants it.',
    nextAction:
      viewer === 'crm_admin'
        ? { kind: 'grant_visibility', label: 'Grant Cloud Sync' }
        : { kind: 'ask_administrator', label: 'Ask my administrator' },
  }),
  ready: () => ({
    title: 'Ready to switch on',
    summary: 'Cloud Sync is available but not switched on yet. It takes a couple of minutes.',
    nextAction: { kind: 'enable', label: 'Enable sync' },
  }),
  signing_in: () => ({
    title: 'Waiting for sign-in',
    summary: 'Sign in with your Microsoft 365 work account to give Cloud Sync access to your mail and diary.',
    nextAction: { kind: 'sign_in', label: 'Sign in' },
  }),
  awaiting_admin_consent: (viewer) => ({
    title: 'Waiting for IT',
    summary:
      'Your organisation’s IT team must approve Cloud Sync once for everyone. You’ll carry on from here as soon as they do.',
    nextAction:
      viewer === 'it_admin'
        ? { kind: 'open_admin_consent', label: 'Open admin consent' }
        : { kind: 'explain_need_to_it', label: 'Tell IT why you need it' },
  }),
  identity_mismatch: () => ({
    title: 'Accounts don’t match',
    summary:
      'The Microsoft 365 account used to sign in is not the one on the TriSys user record, so sync was refused.',
    nextAction: { kind: 'fix_account_mismatch', label: 'See how to fix it' },
  }),
  activating: () => ({
    title: 'Switching on',
    summary: 'Cloud Sync is being set up. This usually takes less than a minute.',
    nextAction: { kind: 'wait', label: 'Please wait' },
  }),
  active: () => ({
    title: 'Sync is on',
    summary:
      'E-mails with candidates and clients and your diary appointments are copied into TriSys automatically.',
    nextAction: { kind: 'view_status', label: 'View sync status' },
  }),
  reconnect_required: () => ({
    title: 'Reconnect needed',
    summary:
      'Microsoft 365 no longer accepts Cloud Sync’s sign-in, so syncing has stopped until you reconnect.',
    nextAction: { kind: 'reconnect', label: 'Reconnect' },
  }),
  paused: () => ({
    title: 'Paused',
    summary: 'Cloud Sync is paused. Nothing new is copied into TriSys until it is resumed.',
    nextAction: { kind: 'resume', label: 'Resume sync' },
  }),
  disabled: () => ({
    title: 'Switched off',
    summary: 'Cloud Sync is switched off. You can switch it on again at any time.',
    nextAction: { kind: 'enable', label: 'Enable sync' },
  }),
};

/** Plain words for a state and the single next action; shared by the bot's cards and the tab. */
export function describeState(state: EnablementState, ctx: DescribeContext): StateDescription {
  return describers[state](ctx.viewer);
}

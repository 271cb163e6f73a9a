import type { ResourceHealth } from '#shared/contract.js';
import { commandsFor, shortCommandList } from '../enablement/core/command-help.js';
import type { RemovedFromCrm } from '../enablement/core/effects.js';
import { describeState, type NextAction } from '../enablement/core/describe-state.js';
import type { ImportPhase, KindProgress } from '../sync-health/first-import.js';
import type { EnablementState } from '../enablement/core/states.js';
import type { CardVerb } from './card-actions.js';
import { type AdaptiveCardJson, expandCard } from './expand.js';
import { describePermissions, formatWhen, joinWords } from './format.js';
import declinedTemplate from './templates/declined.json' with { type: 'json' };
import disableConfirmationTemplate from './templates/disable-confirmation.json' with { type: 'json' };
import disableReceiptTemplate from './templates/disable-receipt.json' with { type: 'json' };
import errorTemplate from './templates/error.json' with { type: 'json' };
import firstImportTemplate from './templates/first-import.json' with { type: 'json' };
import identityMismatchTemplate from './templates/identity-mismatch.json' with { type: 'json' };
import identityNotFoundTemplate from './templates/identity-not-found.json' with { type: 'json' };
import itAdminTemplate from './templates/it-admin.json' with { type: 'json' };
import notMappedTemplate from './templates/not-mapped.json' with { type: 'json' };
import notVisibleTemplate from './templates/not-visible.json' with { type: 'json' };
import reconnectTemplate from './templates/reconnect.json' with { type: 'json' };
import serviceActiveTemplate from './templates/service-active.json' with { type: 'json' };
import signInTemplate from './templates/sign-in.json' with { type: 'json' };
import statusTemplate from './templates/status.json' with { type: 'json' };
import waitingForItTemplate from './templates/waiting-for-it.json' with { type: 'json' };
import welcomeTemplate from './templates/welcome.json' with { type: 'json' };

/** Cards a user sees in their personal chat with the bot. `ref` is a signed account reference. */

/**
 * Next actions that change something have their own verb; the rest ask for the card of the current
 * state (`status`), which carries the sign-in link, the justification box or the fixes.
 */
export function verbForNextAction(kind: NextAction): CardVerb {
  switch (kind) {
    case 'ask_administrator':
      return 'ask_admin';
    case 'enable':
      return 'enable';
    case 'reconnect':
      return 'reconnect';
    case 'resume':
      return 'resume';
    default:
      return 'status';
  }
}

/**
 * How a notice on top of a card reads: good news in the success colour, a refusal or a withdrawal in
 * the warning colour, a failure in the attention colour; a notice without a tone is plain text, so
 * that nothing negative is ever shown as a success.
 */
export type NoticeTone = 'good' | 'warning' | 'attention';

const NOTICE_COLOR: Record<NoticeTone, string> = { good: 'Good', warning: 'Warning', attention: 'Attention' };

export function noticeColor(tone: NoticeTone | undefined): string {
  return tone ? NOTICE_COLOR[tone] : 'Default';
}

export function buildWelcomeCard(input: {
  displayName: string;
  state: EnablementState;
  ref: string;
  notice?: string;
  noticeTone?: NoticeTone;
  /** A CRM administrator's list of commands names the admin commands too. */
  crmAdmin?: boolean;
  /** `help`: every command with a sentence on what it does, instead of the one-line list. */
  explainCommands?: boolean;
}): AdaptiveCardJson {
  const described = describeState(input.state, { viewer: 'owner' });
  const explained = input.explainCommands ? commandsFor(input.crmAdmin ?? false) : { user: [], admin: [] };
  return expandCard(welcomeTemplate, {
    userCommands: [...explained.user],
    adminCommands: [...explained.admin],
    greeting: `Hello ${input.displayName}`,
    commands: `${shortCommandList(input.crmAdmin ?? false, 'card')} Type **help** to see what each one does.`,
    notice: input.notice ?? '',
    noticeColor: noticeColor(input.noticeTone),
    stateTitle: described.title,
    stateSummary: described.summary,
    actionLabel: described.nextAction.label,
    actionVerb: verbForNextAction(described.nextAction.kind),
    ref: input.ref,
  });
}

/**
 * A Teams user no CRM user matched by their Teams addresses. With `identifyUrl` (their organisation uses
 * Cloud Sync) they can sign in so every address of their account is tried.
 */
export function buildNotMappedCard(input: {
  teamsAddresses: readonly string[];
  identifyUrl?: string;
}): AdaptiveCardJson {
  return expandCard(notMappedTemplate, {
    teamsAddresses: input.teamsAddresses.join(', ') || 'none',
    identifyUrl: input.identifyUrl ?? '',
  });
}

/** After sign-in no address matched: the addresses tried, and "Ask my CRM administrator". */
export function buildIdentityNotFoundCard(input: {
  ref: string;
  addresses: readonly string[];
  suggestedAddress: string;
  requested: boolean;
  /** When it was sent and to whom, shown while the user waits. */
  asked?: AskedAdmins;
  timeZone: string;
}): AdaptiveCardJson {
  return expandCard(identityNotFoundTemplate, {
    ref: input.ref,
    addresses: input.addresses.map((address) => ({ address })),
    suggestedAddress: input.suggestedAddress,
    requested: input.requested,
    ...askedFields(input.asked, input.timeZone),
  });
}

/** A request to CRM administrators as the asking user sees it: when, and who has it. */
export interface AskedAdmins {
  askedAt: Date;
  admins: readonly string[];
}

const askedFields = (asked: AskedAdmins | undefined, timeZone: string) => ({
  asked: asked !== undefined,
  askedAt: asked ? formatWhen(asked.askedAt, timeZone) : '',
  waitingFor: waitingFor(asked?.admins ?? []),
});

/** An IT administrator without a CRM user: what they can do here. */
export function buildItAdminCard(input: {
  name: string;
  organisation: string;
  tabUrl: string;
}): AdaptiveCardJson {
  return expandCard(itAdminTemplate, { ...input });
}

/** With `requested`, the card of a user whose request is open: when they asked and who has it. */
export function buildNotVisibleCard(input: {
  ref: string;
  requested?: AskedAdmins;
  timeZone: string;
}): AdaptiveCardJson {
  return expandCard(notVisibleTemplate, {
    ref: input.ref,
    requested: input.requested !== undefined,
    ...askedFields(input.requested, input.timeZone),
  });
}

/** "Dan Morgan", "Dan Morgan and Grace Hall", or the role when nobody could be reached by name. */
export const waitingFor = (admins: readonly string[]): string =>
  admins.length === 0 ? 'your TriSys administrator' : joinWords(admins);

export function buildSignInCard(input: {
  signInUrl: string;
  scopes: readonly string[];
  notice?: string;
  noticeTone?: NoticeTone;
}): AdaptiveCardJson {
  return expandCard(signInTemplate, {
    signInUrl: input.signInUrl,
    permissionList: describePermissions(input.scopes),
    notice: input.notice ?? '',
    noticeColor: noticeColor(input.noticeTone),
  });
}

/** After IT's grant the waiting user is resumed with the sign-in card and this line on top. */
export const consentGrantedNotice = 'Good news: your IT team has approved Cloud Sync. Sign in to carry on.';

export function buildWaitingForItCard(input: {
  ref: string;
  itChannelKnown: boolean;
  justification?: string;
}): AdaptiveCardJson {
  return expandCard(waitingForItTemplate, {
    ref: input.ref,
    itChannelKnown: input.itChannelKnown,
    justification: input.justification ?? '',
  });
}

export function buildIdentityMismatchCard(input: {
  ref: string;
  mismatch: 'address_mismatch' | 'different_directory_user';
  signedInAddress: string;
  expectedAddress: string;
  correctionRequested: boolean;
  /** When the correction was asked for and who has it, shown while the user waits. */
  asked?: AskedAdmins;
  timeZone: string;
}): AdaptiveCardJson {
  const { asked, timeZone, ...rest } = input;
  return expandCard(identityMismatchTemplate, { ...rest, ...askedFields(asked, timeZone) });
}

export function buildServiceActiveCard(input: {
  email: string;
  mailFolderNames: readonly string[];
  diaryDaysBack: number;
  diaryDaysAhead: number;
  tabUrl: string;
}): AdaptiveCardJson {
  return expandCard(serviceActiveTemplate, {
    email: input.email,
    mailScope: `${joinWords(input.mailFolderNames)}, sent and received`,
    diaryScope: `appointments from ${input.diaryDaysBack} days ago to ${input.diaryDaysAhead} days ahead`,
    tabUrl: input.tabUrl,
  });
}

/** One resource's line of the status card: the health model's words, last check and count. */
export function resourceLine(
  r: Pick<ResourceHealth, 'statusText' | 'lastSuccessAt' | 'itemsTotal' | 'progress'>,
  timeZone: string,
): string {
  const parts = [r.statusText];
  if (r.progress)
    parts.push(
      `${r.progress.done} copied so far${r.progress.estimate !== null ? ` of about ${r.progress.estimate}` : ''}.`,
    );
  // Never a "last synced" for something that has not had a successful check.
  parts.push(
    r.lastSuccessAt ? `Last synced ${formatWhen(new Date(r.lastSuccessAt), timeZone)}.` : 'Not synced yet.',
  );
  parts.push(`${r.itemsTotal} in TriSys.`);
  return parts.join(' ');
}

export function buildStatusCard(input: {
  state: EnablementState;
  ref: string;
  /** From the health model; empty before the account exists. */
  resources: readonly ResourceHealth[];
  tabUrl: string;
  timeZone: string;
}): AdaptiveCardJson {
  const described = describeState(input.state, { viewer: 'owner' });
  const verb = verbForNextAction(described.nextAction.kind);
  const line = (kind: 'mail' | 'diary') => {
    const r = input.resources.find((x) => x.resource === kind);
    return r ? resourceLine(r, input.timeZone) : 'Not synced yet.';
  };
  return expandCard(statusTemplate, {
    stateTitle: described.title,
    stateSummary: described.summary,
    mailLine: line('mail'),
    diaryLine: line('diary'),
    // "status" would only show this card again, so it gets no button.
    actionVerb: verb === 'status' ? '' : verb,
    actionLabel: described.nextAction.label,
    canPause: input.state === 'active',
    canDisable: ['active', 'paused', 'reconnect_required'].includes(input.state),
    ref: input.ref,
    tabUrl: input.tabUrl,
  });
}

/**
 * Switching off asks what happens to what was copied: keep it, or remove it (what Cloud Sync copied for
 * this user leaves TriSys, and the CRM appointments it wrote leave their Outlook calendar). An
 * organisation whose CRM says to remove on switch-off has "remove" chosen already.
 */
export function buildDisableConfirmationCard(input: {
  ref: string;
  removeByDefault: boolean;
}): AdaptiveCardJson {
  return expandCard(disableConfirmationTemplate, {
    ref: input.ref,
    choice: input.removeByDefault ? 'purge' : 'keep',
  });
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The receipt's line about what left TriSys, with the counts. */
export function removedFromCrmText(removed: RemovedFromCrm): string {
  const items = [
    count(removed.mail, 'e-mail', 'e-mails'),
    count(removed.diary, 'appointment', 'appointments'),
  ];
  const lines = [`Removed from TriSys: ${joinWords(items)} that Cloud Sync had copied for you.`];
  if (removed.kept > 0)
    lines.push(
      `${count(removed.kept, 'item stays', 'items stay')} in TriSys because Cloud Sync copied ${removed.kept === 1 ? 'it' : 'them'} for a colleague too.`,
    );
  return lines.join(' ');
}

export function buildDisableReceiptCard(input: {
  retention: 'keep' | 'purge';
  at: Date;
  timeZone: string;
  /** Events written from CRM appointments, taken out of the Outlook calendar. */
  calendarEventsRemoved?: number;
  /** With retention "purge": what left TriSys. */
  removedFromCrm?: RemovedFromCrm;
}): AdaptiveCardJson {
  const removed = input.calendarEventsRemoved ?? 0;
  return expandCard(disableReceiptTemplate, {
    retention: input.retention,
    when: formatWhen(input.at, input.timeZone),
    removedText: input.removedFromCrm
      ? removedFromCrmText(input.removedFromCrm)
      : 'The e-mails and appointments that Cloud Sync copied for you have been removed from TriSys.',
    eventsRemoved: removed,
    eventsRemovedText:
      removed === 1
        ? 'The 1 CRM appointment Cloud Sync had put in your Outlook calendar has been removed from it.'
        : `The ${removed} CRM appointments Cloud Sync had put in your Outlook calendar have been removed from it.`,
  });
}

const causeWords: Record<'invalid_grant' | 'consent_revoked' | 'token_expired', string> = {
  invalid_grant:
    'Microsoft 365 no longer accepts Cloud Sync’s sign-in, perhaps because your password changed or the sign-in was revoked.',
  consent_revoked: 'The permission for Cloud Sync was removed in Microsoft 365.',
  token_expired: 'Your Microsoft 365 sign-in for Cloud Sync has expired.',
};

export function buildReconnectCard(input: {
  ref: string;
  cause: 'invalid_grant' | 'consent_revoked' | 'token_expired';
}): AdaptiveCardJson {
  return expandCard(reconnectTemplate, { ref: input.ref, causeText: causeWords[input.cause] });
}

export function buildDeclinedCard(input: { ref: string; by: string; reason: string }): AdaptiveCardJson {
  return expandCard(declinedTemplate, { ...input });
}

/** For bad input and refused actions: says what went wrong and that nothing changed. */
export function buildErrorCard(input: { message: string }): AdaptiveCardJson {
  return expandCard(errorTemplate, { message: input.message });
}

const KIND_NAME = { mail: 'E-mail', diary: 'Diary' } as const;
const KIND_ITEMS = { mail: 'e-mails', diary: 'appointments' } as const;

function progressText(p: KindProgress, finished: boolean): string {
  const copied = `${p.copied} ${KIND_ITEMS[p.resource]} ${finished ? 'copied' : 'copied so far'}`;
  if (finished) return `${copied} (${p.examined} looked at).`;
  return p.estimate !== null
    ? `${copied}, ${p.examined} of about ${p.estimate} looked at.`
    : `${copied}, ${p.examined} looked at.`;
}

/**
 * The first import in chat: one card, updated in place while it runs, that ends saying what was copied
 * and what was left out and why, or what went wrong and what to do.
 */
export function buildFirstImportCard(input: {
  phase: Exclude<ImportPhase, { kind: 'abandoned' }>;
  tabUrl: string;
}): AdaptiveCardJson {
  const { phase } = input;
  const progress = phase.kind === 'not_started' ? [] : phase.progress;
  const finished = phase.kind === 'finished';
  const heading = {
    not_started: {
      title: 'Copying your mail and diary',
      color: 'Default',
      summary: 'Starting the first copy…',
    },
    running: {
      title: 'Copying your mail and diary',
      color: 'Default',
      summary: 'The first copy is under way. This card keeps itself up to date.',
    },
    finished: {
      title: 'Your mail and diary are in TriSys',
      color: 'Good',
      summary: 'The first copy is done. From now on new mail and appointments follow within seconds.',
    },
    failing: {
      title: 'The first copy has a problem',
      color: 'Attention',
      summary: phase.kind === 'failing' ? phase.reason : '',
    },
  }[phase.kind];
  return expandCard(firstImportTemplate, {
    ...heading,
    lines: progress.map((p) => ({ name: KIND_NAME[p.resource], text: progressText(p, finished) })),
    leftOut:
      phase.kind === 'finished' ? phase.leftOut.map((l) => ({ count: String(l.count), text: l.text })) : [],
    whatToDo: phase.kind === 'failing' ? phase.whatToDo : '',
    tabUrl: input.tabUrl,
  });
}

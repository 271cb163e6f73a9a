import type { Event } from '@microsoft/microsoft-graph-types';
import { domainCovers, domainOf } from './addresses.js';
import { type Blocklist, blockingEntry } from './blocklist.js';
import {
  type ContactDirectory,
  type DiaryRole,
  type MailDirection,
  type Participants,
  diaryRole,
  eventParticipants,
  linkedContacts,
  messageDirection,
  messageParticipants,
} from './filing.js';
import { type DeltaMessage, messageSensitivity } from './graph-items.js';

/**
 * Whether a message or event is filed in the CRM, and if not, why. The reasons are checked in a fixed
 * precedence so that an item excluded for several reasons always reports the same one, the most
 * fundamental first: invalid (drafts included: never sent, not correspondence yet) → sensitivity
 * unknown (fail closed: it might be private) → private/confidential
 * → tenant blocklist → personal blocklist → all-internal → no CRM contact. Reason names are the
 * store's `sync_skips.reason` values.
 */

export type SkipReason =
  | 'invalid'
  | 'sensitivity_unknown'
  | 'private'
  | 'confidential'
  | 'blocklisted'
  | 'internal'
  | 'no_crm_contact';

/** `exclude` skips private/confidential items (the default); `include` files them, headers only (no body is ever stored). */
export type PrivateItemPolicy = 'exclude' | 'include';

export interface FilterPolicy {
  /** The tenant's domains, lowercased; each also covers its subdomains. */
  tenantDomains: readonly string[];
  tenantBlocklist: Blocklist;
  personalBlocklist: Blocklist;
  privateItems: PrivateItemPolicy;
  /** File items with no CRM contact among the participants (the CRM's rule is not to). */
  fileWithoutContact: boolean;
}

export interface FilingContext {
  /** The mailbox's own addresses (mail, UPN, SMTP aliases), normalised. */
  own: ReadonlySet<string>;
  directory: ContactDirectory;
  policy: FilterPolicy;
}

export type FilingDecision<D> =
  | { action: 'file'; contacts: string[]; direction: D }
  | { action: 'skip'; reason: SkipReason; detail: string };

type MessageFields = Pick<
  DeltaMessage,
  | 'internetMessageId'
  | 'isDraft'
  | 'singleValueExtendedProperties'
  | 'from'
  | 'sender'
  | 'toRecipients'
  | 'ccRecipients'
  | 'bccRecipients'
  | 'replyTo'
>;

export function decideMessage(message: MessageFields, ctx: FilingContext): FilingDecision<MailDirection> {
  if (!message.internetMessageId?.trim()) return skip('invalid', 'no internetMessageId');
  const participants = messageParticipants(message);
  if (participants.author === null) return skip('invalid', 'no sender address');
  if (message.isDraft === true) return skip('invalid', 'draft, never sent');
  const sensitivity = messageSensitivity(message);
  if (sensitivity === null) return skip('sensitivity_unknown', 'Graph did not say how sensitive it is');
  return decide(participants, sensitivity, ctx, () => messageDirection(message, ctx.own));
}

type EventFields = Pick<Event, 'isDraft' | 'sensitivity' | 'organizer' | 'attendees' | 'isOrganizer'>;

export function decideEvent(event: EventFields, ctx: FilingContext): FilingDecision<DiaryRole> {
  const participants = eventParticipants(event);
  if (participants.author === null) return skip('invalid', 'no organizer address');
  if (event.isDraft === true) return skip('invalid', 'draft meeting, never sent to attendees');
  return decide(participants, event.sensitivity, ctx, () => diaryRole(event, ctx.own));
}

function decide<D>(
  participants: Participants,
  sensitivity: Event['sensitivity'],
  ctx: FilingContext,
  direction: () => D,
): FilingDecision<D> {
  const { policy } = ctx;
  if ((sensitivity === 'private' || sensitivity === 'confidential') && policy.privateItems === 'exclude') {
    return skip(sensitivity, `marked ${sensitivity}`);
  }
  const facts = participants.all.map((address) => addressFacts(address, ctx));
  for (const scope of ['tenant', 'personal'] as const) {
    for (const fact of facts) {
      const entry = fact.blockedBy[scope];
      if (entry !== null)
        return skip('blocklisted', `${fact.address} matches ${scope} blocklist entry ${entry}`);
    }
  }
  const external = facts.filter((f) => f.external).length;
  if (external === 0) {
    return skip('internal', `all ${participants.all.length} participants are internal`);
  }
  const contacts = linkedContacts(participants.all, ctx.directory);
  if (contacts.length === 0 && !policy.fileWithoutContact) {
    return skip('no_crm_contact', `no CRM contact among ${external} external participants`);
  }
  return { action: 'file', contacts, direction: direction() };
}

/** What the rules make of one participant address under one filing context. */
interface AddressFacts {
  address: string;
  /** The blocklist entry that blocks it, per list, or null. */
  blockedBy: Record<'tenant' | 'personal', string | null>;
  /** Neither the mailbox's own nor in one of the tenant's domains. */
  external: boolean;
}

/**
 * A context's verdicts by address, worked out once per address: the same correspondents recur on
 * every page of a mailbox. Keyed by the policy, which a context shares with every page context made
 * from it; the mailbox's own addresses are checked too, since they are part of the verdict.
 */
const factsByPolicy = new WeakMap<
  FilterPolicy,
  { own: ReadonlySet<string>; facts: Map<string, AddressFacts> }
>();
const FACTS_MAX = 20_000;

function addressFacts(address: string, ctx: FilingContext): AddressFacts {
  let memo = factsByPolicy.get(ctx.policy);
  if (memo === undefined || memo.own !== ctx.own || memo.facts.size >= FACTS_MAX) {
    memo = { own: ctx.own, facts: new Map() };
    factsByPolicy.set(ctx.policy, memo);
  }
  let facts = memo.facts.get(address);
  if (facts === undefined) {
    const { policy } = ctx;
    facts = {
      address,
      blockedBy: {
        tenant: blockingEntry(policy.tenantBlocklist, address),
        personal: blockingEntry(policy.personalBlocklist, address),
      },
      external: !ctx.own.has(address) && !isTenantAddress(address, policy),
    };
    memo.facts.set(address, facts);
  }
  return facts;
}

function isTenantAddress(address: string, policy: FilterPolicy): boolean {
  const domain = domainOf(address);
  return policy.tenantDomains.some((listed) => domainCovers(listed, domain));
}

function skip(reason: SkipReason, detail: string): FilingDecision<never> {
  return { action: 'skip', reason, detail };
}

import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../logging/logger.js';

/**
 * The Teams user behind an activity: tenant, directory object id, and the addresses Teams knows them by
 * (TeamsInfo member details: e-mail and UPN). The activity alone carries no address, and the mapping to
 * a CRM user must be by address, never by display name.
 */

export interface TeamsPerson {
  tenantId: string;
  aadObjectId: string;
  name: string;
  /** e-mail first, then UPN; lowercased, without duplicates. */
  addresses: string[];
  /** As Teams reports them (TeamsInfo member details), lowercased; either may be missing. */
  email?: string;
  upn?: string;
}

interface MemberAddresses {
  email?: string;
  upn?: string;
}

/**
 * Member details Teams gave recently, by channel, conversation and user. Asking Teams was a third HTTP
 * exchange in every turn (after the activity, before the reply), dearer than the rest of the turn.
 * The addresses decide which CRM user someone is, so they are kept only briefly (`ttlMs`): a person
 * whose e-mail or UPN changes in Teams is mapped by the new address once the entry expires. The key
 * carries the object id the authenticated activity names, so one person's entry never answers for
 * another. Failed look-ups are not kept, and the oldest entry makes room once `maxEntries` are held.
 */
export interface MemberCache {
  get(key: string): MemberAddresses | undefined;
  set(key: string, addresses: MemberAddresses): void;
  readonly size: number;
}

export function createMemberCache(options: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}): MemberCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { addresses: MemberAddresses; expires: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires > now()) return entry.addresses;
      entries.delete(key);
      return undefined;
    },
    set(key, addresses) {
      if (options.ttlMs <= 0) return;
      entries.delete(key);
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { addresses, expires: now() + options.ttlMs });
    },
    get size() {
      return entries.size;
    },
  };
}

export function tenantOf(context: TurnContext): string | undefined {
  const channelData = context.activity.channelData as { tenant?: { id?: string } } | undefined;
  return context.activity.conversation?.tenantId ?? channelData?.tenant?.id;
}

const address = (a: string | undefined) => (a && a.includes('@') ? a.trim().toLowerCase() : undefined);

async function askTeams(context: TurnContext, logger: Logger): Promise<MemberAddresses | undefined> {
  try {
    const member = await TeamsInfo.getMember(context, context.activity.from.id);
    return { email: address(member.email), upn: address(member.userPrincipalName) };
  } catch (err) {
    // Without member details the user cannot be mapped; they are told so rather than guessed.
    logger.warn({ err: (err as Error).message }, 'Teams member details unavailable');
    return undefined;
  }
}

export async function lookupTeamsPerson(
  context: TurnContext,
  logger: Logger,
  cache: MemberCache,
): Promise<TeamsPerson | undefined> {
  const { from, serviceUrl, conversation } = context.activity;
  const tenantId = tenantOf(context);
  if (!from?.aadObjectId || !tenantId) return undefined;
  const key = JSON.stringify([serviceUrl, tenantId, conversation?.id, from.id, from.aadObjectId]);
  let found = cache.get(key);
  if (!found) {
    found = await askTeams(context, logger);
    if (found) cache.set(key, found);
  }
  const { email, upn } = found ?? {};
  return {
    tenantId,
    aadObjectId: from.aadObjectId,
    name: from.name ?? '',
    addresses: [...new Set([email, upn].filter((a): a is string => a !== undefined))],
    email,
    upn,
  };
}

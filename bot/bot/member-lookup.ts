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
}

export function tenantOf(context: TurnContext): string | undefined {
  const channelData = context.activity.channelData as { tenant?: { id?: string } } | undefined;
  return context.activity.conversation?.tenantId ?? channelData?.tenant?.id;
}

export async function lookupTeamsPerson(
  context: TurnContext,
  logger: Logger,
): Promise<TeamsPerson | undefined> {
  const from = context.activity.from;
  const tenantId = tenantOf(context);
  if (!from?.aadObjectId || !tenantId) return undefined;
  const addresses: string[] = [];
  try {
    const member = await TeamsInfo.getMember(context, from.id);
    for (const a of [member.email, member.userPrincipalName]) {
      if (a && a.includes('@')) addresses.push(a.trim().toLowerCase());
    }
  } catch (err) {
    // Without member details the user cannot be mapped; they are told so rather than guessed.
    logger.warn({ err: (err as Error).message }, 'Teams member details unavailable');
  }
  return {
    tenantId,
    aadObjectId: from.aadObjectId,
    name: from.name ?? '',
    addresses: [...new Set(addresses)],
  };
}

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
  const address = (a: string | undefined) => (a && a.includes('@') ? a.trim().toLowerCase() : undefined);
  let email: string | undefined;
  let upn: string | undefined;
  try {
    const member = await TeamsInfo.getMember(context, from.id);
    email = address(member.email);
    upn = address(member.userPrincipalName);
  } catch (err) {
    // Without member details the user cannot be mapped; they are told so rather than guessed.
    logger.warn({ err: (err as Error).message }, 'Teams member details unavailable');
  }
  return {
    tenantId,
    aadObjectId: from.aadObjectId,
    name: from.name ?? '',
    addresses: [...new Set([email, upn].filter((a): a is string => a !== undefined))],
    email,
    upn,
  };
}

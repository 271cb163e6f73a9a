/**
 * Which CRM user a Teams user is, decided without I/O. In order: the link stored at
 * an earlier sign-in or first change (the Teams object id, within the tenant), then the Teams e-mail,
 * then the UPN. A CRM user already linked to another Teams user is never matched by address. After a
 * Microsoft 365 sign-in, every address of the account counts (mail, UPN and the `smtp:` aliases).
 * Never by display name: two people may share one, and anyone can change their own.
 */

export interface CandidateCrmUser {
  id: string;
  workEmail: string;
  teamsAadObjectId: string | null;
}

export type MatchedBy = 'stored_link' | 'teams_email' | 'upn' | 'signed_in_address';

export interface TeamsIdentity {
  aadObjectId: string;
  email?: string;
  upn?: string;
}

export const normaliseAddress = (address: string): string => address.trim().toLowerCase();

const sameId = (a: string | null, b: string): boolean => a !== null && a.toLowerCase() === b.toLowerCase();

/** Unlinked, or linked to this very Teams user: the only CRM users an address may match. */
const free = (user: CandidateCrmUser, aadObjectId: string): boolean =>
  user.teamsAadObjectId === null || sameId(user.teamsAadObjectId, aadObjectId);

function byAddress<U extends CandidateCrmUser>(
  candidates: readonly U[],
  address: string | undefined,
  aadObjectId: string,
): U | undefined {
  if (!address || !address.includes('@')) return undefined;
  const wanted = normaliseAddress(address);
  return candidates.find((u) => free(u, aadObjectId) && normaliseAddress(u.workEmail) === wanted);
}

export function matchTeamsUser<U extends CandidateCrmUser>(
  candidates: readonly U[],
  teams: TeamsIdentity,
): { user: U; by: MatchedBy } | undefined {
  const linked = candidates.find((u) => sameId(u.teamsAadObjectId, teams.aadObjectId));
  if (linked) return { user: linked, by: 'stored_link' };
  const byEmail = byAddress(candidates, teams.email, teams.aadObjectId);
  if (byEmail) return { user: byEmail, by: 'teams_email' };
  const byUpn = byAddress(candidates, teams.upn, teams.aadObjectId);
  if (byUpn) return { user: byUpn, by: 'upn' };
  return undefined;
}

/** Every address of a signed-in account, in the order shown: mail, UPN, then SMTP proxy addresses. */
export function accountAddresses(account: {
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: readonly string[] | null;
}): string[] {
  const proxies = (account.proxyAddresses ?? []).map((p) => /^smtp:(.+)$/i.exec(p.trim())?.[1]);
  return [
    ...new Set(
      [account.mail, account.userPrincipalName, ...proxies]
        .filter((a): a is string => typeof a === 'string' && a.includes('@'))
        .map(normaliseAddress),
    ),
  ];
}

/** After sign-in: the first free CRM user whose work e-mail is any address of the account. */
export function matchSignedInAccount<U extends CandidateCrmUser>(
  candidates: readonly U[],
  aadObjectId: string,
  addresses: readonly string[],
): { user: U; address: string } | undefined {
  for (const address of addresses) {
    const user = byAddress(candidates, address, aadObjectId);
    if (user) return { user, address: normaliseAddress(address) };
  }
  return undefined;
}

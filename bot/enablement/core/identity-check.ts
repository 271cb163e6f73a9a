/**
 * Identity checks after sign-in, before anything is synced: same directory user, and an address
 * matching the CRM.
 */

export interface TeamsUserIdentity {
  aadObjectId: string;
  tenantId: string;
  /** The Teams account's e-mail or UPN, as Teams reports it. */
  email: string;
}

export interface MicrosoftAccountIdentity {
  tid: string;
  oid: string;
  mail?: string | null;
  userPrincipalName: string;
  /** Exchange proxy addresses such as "SMTP:primary@x" or "smtp:alias@x". */
  proxyAddresses?: readonly string[];
}

export interface CrmUserIdentity {
  workEmail: string;
}

/**
 * A mismatch names the address the user signed in with and the one we expected: the Teams account's
 * for a different directory user, the CRM work e-mail for an address mismatch.
 */
export type IdentityCheckResult =
  | { outcome: 'ok'; matchedAddress: string }
  | {
      outcome: 'different_directory_user' | 'address_mismatch';
      signedInAddress: string;
      expectedAddress: string;
    };

const normalise = (address: string): string => address.trim().toLowerCase();

/** Only SMTP proxies are e-mail addresses; X500, SIP and the like are skipped. */
function smtpAddress(proxy: string): string | undefined {
  const match = /^smtp:(.+)$/i.exec(proxy.trim());
  return match?.[1] ? normalise(match[1]) : undefined;
}

export function addressesOf(account: MicrosoftAccountIdentity): string[] {
  const all = [
    account.mail ?? undefined,
    account.userPrincipalName,
    ...(account.proxyAddresses ?? []).map(smtpAddress),
  ]
    .filter((a): a is string => typeof a === 'string' && a.trim() !== '')
    .map(normalise);
  return [...new Set(all)];
}

/** The address shown to the user: the mailbox address if there is one, else the sign-in name. */
const displayAddress = (account: MicrosoftAccountIdentity): string =>
  account.mail && account.mail.trim() !== '' ? account.mail.trim() : account.userPrincipalName.trim();

export function checkIdentity(
  teams: TeamsUserIdentity,
  signedIn: MicrosoftAccountIdentity,
  crm: CrmUserIdentity,
): IdentityCheckResult {
  // Object ids are GUIDs; compare them case-insensitively as Entra does.
  if (
    normalise(teams.tenantId) !== normalise(signedIn.tid) ||
    normalise(teams.aadObjectId) !== normalise(signedIn.oid)
  ) {
    return {
      outcome: 'different_directory_user',
      signedInAddress: displayAddress(signedIn),
      expectedAddress: teams.email.trim(),
    };
  }
  const wanted = normalise(crm.workEmail);
  const matched = addressesOf(signedIn).find((a) => a === wanted);
  if (matched) return { outcome: 'ok', matchedAddress: matched };
  return {
    outcome: 'address_mismatch',
    signedInAddress: displayAddress(signedIn),
    expectedAddress: crm.workEmail.trim(),
  };
}

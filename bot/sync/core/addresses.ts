import type { Recipient } from '@microsoft/microsoft-graph-types';

/**
 * E-mail address handling shared by filing and filters. Exchange compares SMTP addresses
 * case-insensitively, so every comparison here runs on the trimmed, lowercased form.
 */

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const SMTP_ADDRESS = new RegExp(`^[^\\s@<>()",;:\\\\]+@${LABEL}(?:\\.${LABEL})+$`);

/** The comparable form of an address, or null when it is not an SMTP address (X.500 DNs, blanks, junk). */
export function normalizeAddress(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  // A mailbox's correspondents recur on every page, and each message names its people several times.
  const known = normalized.get(raw);
  if (known !== undefined) return known;
  const trimmed = raw.trim().toLowerCase();
  const address = SMTP_ADDRESS.test(trimmed) ? trimmed : null;
  if (normalized.size >= NORMALIZED_MAX) normalized.clear();
  normalized.set(raw, address);
  return address;
}

/** Raw address → normalised form; bounded, since addresses come from the outside. */
const normalized = new Map<string, string | null>();
const NORMALIZED_MAX = 20_000;

export function recipientAddress(recipient: Recipient | null | undefined): string | null {
  return normalizeAddress(recipient?.emailAddress?.address);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** `listed` covers itself and its subdomains: `contoso.com` covers `mail.contoso.com`. */
export function domainCovers(listed: string, domain: string): boolean {
  return domain === listed || domain.endsWith(`.${listed}`);
}

/**
 * The mailbox's own addresses from its user record: mail, UPN and the SMTP entries of
 * proxyAddresses (`SMTP:` primary, `smtp:` aliases; X500 and other address types are not mail).
 */
export function ownAddresses(user: {
  mail?: string | null;
  userPrincipalName?: string | null;
  proxyAddresses?: readonly string[] | null;
}): ReadonlySet<string> {
  const candidates = [user.mail, user.userPrincipalName];
  for (const proxy of user.proxyAddresses ?? []) {
    if (/^smtp:/i.test(proxy)) candidates.push(proxy.slice(5));
  }
  const own = new Set<string>();
  for (const candidate of candidates) {
    const address = normalizeAddress(candidate);
    if (address) own.add(address);
  }
  return own;
}

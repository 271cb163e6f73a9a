import { domainCovers, domainOf, normalizeAddress } from './addresses.js';

/**
 * A tenant or personal blocklist. An entry is either an exact address (`hr@contoso.com`) or a
 * domain (`@example.com`, or bare `example.com`). A domain entry also covers its subdomains:
 * blocking an organisation's domain is meant to block all its mail hosts, and over-excluding is
 * recoverable (edit the list, re-baseline) where filing private mail into the CRM is not.
 */
export interface Blocklist {
  readonly addresses: ReadonlySet<string>;
  readonly domains: readonly string[];
  /** Entries that are neither an address nor a domain; ignored, returned so the caller can report them. */
  readonly invalid: readonly string[];
}

export function compileBlocklist(entries: readonly string[]): Blocklist {
  const addresses = new Set<string>();
  const domains: string[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const trimmed = entry.trim().toLowerCase();
    const asDomain = trimmed.startsWith('@') ? trimmed.slice(1) : trimmed;
    const address = normalizeAddress(trimmed);
    const domainProbe = asDomain.includes('@') ? null : normalizeAddress(`x@${asDomain}`);
    if (address) addresses.add(address);
    else if (domainProbe) domains.push(domainOf(domainProbe));
    else invalid.push(entry);
  }
  return { addresses, domains, invalid };
}

/** The entry that blocks `address`, or null. */
export function blockingEntry(list: Blocklist, address: string): string | null {
  if (list.addresses.has(address)) return address;
  const domain = domainOf(address);
  const listed = list.domains.find((d) => domainCovers(d, domain));
  return listed === undefined ? null : `@${listed}`;
}

import type { Store } from '../store/store.js';
import { fromJsonText } from '../store/columns.js';

/**
 * The hints that open Microsoft's sign-in page ready for this person: `login_hint` fills in their
 * address, `domain_hint` names their organisation's domain so the page skips finding it from the
 * address. The domain comes from the tenant's known domains (a CRM work e-mail may be on a domain the
 * organisation has not verified in Microsoft 365, which would send the page astray): the hint's own
 * domain when the tenant has it, else the tenant's first; none for a tenant with no known domain.
 */
export function domainHintFor(
  loginHint: string | undefined,
  tenantDomains: readonly string[],
): string | undefined {
  const own = loginHint?.split('@')[1]?.toLowerCase();
  const known = tenantDomains.map((d) => d.toLowerCase());
  if (own && known.includes(own)) return own;
  return known[0];
}

export async function tenantDomains(db: Store['db'], tenantId: string): Promise<string[]> {
  const row = await db.selectFrom('tenants').select('domains').where('id', '=', tenantId).executeTakeFirst();
  return row ? fromJsonText(row.domains) : [];
}

/**
 * Who is IT for a tenant: the one decision every surface asks (bot commands, the tab, greetings). IT
 * rights belong to a person in one tenant — (tenant id, object id) — never to an e-mail address,
 * which follows a guest into every tenant that invites them.
 */

/**
 * Entra built-in roles that may grant tenant-wide consent to delegated permissions, by template id
 * as carried in a token's `wids` claim ("Microsoft Entra built-in roles", learn.microsoft.com/entra/
 * identity/role-based-access-control/permissions-reference).
 */
export const CONSENT_ADMIN_ROLE_IDS: ReadonlySet<string> = new Set([
  '62e90394-69f5-4237-9190-012177145e10', // Global Administrator
  'e8611ab8-c189-46e8-94e1-60213ab1f814', // Privileged Role Administrator
  '158c047a-c907-4556-b7ef-446551a6b5f7', // Cloud Application Administrator
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', // Application Administrator
]);

/** One IT administrator named in configuration (IT_ADMINS). */
export interface ItAdminRef {
  tenantId: string;
  objectId: string;
}

export interface ItAdminFacts {
  /** The tenant the person acts in (the activity's or the token's `tid`). */
  tenantId: string;
  /** Their object id in that tenant. */
  objectId: string;
  /** A CRM administrator of this same tenant, matched to this object id. */
  crmAdmin: boolean;
  /** `wids` of a token that tenant issued to them; absent where no token is seen (bot activities). */
  directoryRoles?: readonly string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function isItAdmin(facts: ItAdminFacts, listed: readonly ItAdminRef[]): boolean {
  if (facts.crmAdmin) return true;
  if (listed.some((r) => same(r.tenantId, facts.tenantId) && same(r.objectId, facts.objectId))) return true;
  return (facts.directoryRoles ?? []).some((id) => CONSENT_ADMIN_ROLE_IDS.has(id.toLowerCase()));
}

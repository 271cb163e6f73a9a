/**
 * Which `{tenant}` of the Entra authority sign-in uses, in the two deployment shapes (README, "Who
 * hosts the Entra app"):
 * - `AzureADMultipleOrgs`: the CRM vendor hosts one app for every customer tenant. A user signs in at
 *   the tenant they use Teams in when it is known, else at `organizations`; the tenant comes from the result.
 * - `AzureADMyOrg`: an organisation hosts its own app. Entra refuses `organizations` and `common` for it
 *   (AADSTS50194), so every request names its tenant, `M365_TENANT_ID`.
 */
export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface Tenancy {
  signInAudience: SignInAudience;
  /** The app's home tenant (id or verified domain); `organizations` for a multi-tenant app. */
  tenantId: string;
}

export function signInTenant(tenancy: Tenancy, userTenantId?: string): string {
  if (tenancy.signInAudience === 'AzureADMyOrg') return tenancy.tenantId;
  return userTenantId ?? 'organizations';
}

/** Tenant segments that name no tenant: a single-tenant app cannot sign in there. */
export const MULTI_TENANT_SEGMENTS: readonly string[] = ['organizations', 'common', 'consumers'];

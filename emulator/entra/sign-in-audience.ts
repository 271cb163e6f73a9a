import type { Application } from '../directory.js';
import { aadsts } from './errors.js';
import type { TenantSegment } from './tenant-segment.js';

/**
 * An app registration's `signInAudience` decides which `{tenant}` segments may serve it. A single-tenant
 * app (`AzureADMyOrg`) lives only in its home directory: `/common` and `/organizations` refuse it with
 * AADSTS50194, and another tenant's endpoint does not find it (AADSTS700016). A multi-tenant app
 * (`AzureADMultipleOrgs`) is served everywhere. Source: Microsoft identity platform, "Microsoft Entra
 * authentication and authorization error codes" and "Convert single-tenant app to multitenant".
 */
export function servesTenant(client: Application, tenantId: string): boolean {
  return client.signInAudience !== 'AzureADMyOrg' || client.homeTenantId === tenantId.toLowerCase();
}

/** The token endpoint's check, for every grant type. */
export function assertSignInAudience(client: Application, tenant: TenantSegment, tenantParam: string): void {
  if (client.signInAudience !== 'AzureADMyOrg') return;
  if (tenant.kind !== 'tenant') throw aadsts.notMultiTenant(client.appId, client.displayName);
  if (!servesTenant(client, tenant.tenant.id)) throw aadsts.appNotFound(client.appId, tenantParam);
}

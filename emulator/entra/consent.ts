import type { Application, Directory, DirectoryUser, Tenant } from '../directory.js';
import { findGraphPermission } from './graph-permissions.js';
import type { ResourceScopes } from './scopes.js';

/**
 * Entra's consent rules. A delegated scope is usable when the user or an administrator (tenant-wide)
 * consented to it, or when the client is pre-authorized by the API. OpenID Connect scopes need no grant.
 * Users may consent for themselves unless the tenant reserves consent to administrators or the scope
 * itself requires an administrator.
 */

export function missingConsent(
  directory: Directory,
  client: Application,
  user: DirectoryUser,
  resource: ResourceScopes,
): string[] {
  if (resource.kind === 'api' && resource.api?.preAuthorizedClientIds.includes(client.appId)) return [];
  const granted = directory.grantedScopes(client.appId, user, resource.resourceId);
  return resource.names.filter((n) => !granted.has(n.toLowerCase()));
}

export function userMayConsent(
  tenant: Tenant,
  user: DirectoryUser,
  resource: ResourceScopes,
  names: string[],
): boolean {
  if (user.isAdmin) return true;
  if (tenant.userConsent === 'adminOnly') return false;
  return resource.kind !== 'graph' || names.every((n) => !findGraphPermission(n)?.adminConsentRequired);
}

export function recordUserConsent(
  directory: Directory,
  client: Application,
  user: DirectoryUser,
  resource: ResourceScopes,
): void {
  if (resource.names.length === 0) return;
  directory.addGrant({
    clientId: client.appId,
    tenantId: user.tenantId,
    consentType: 'Principal',
    principalId: user.id,
    resourceId: resource.resourceId,
    scopes: resource.names,
  });
}

/**
 * Tenant-wide consent. For Graph `.default` it also grants the app's application permissions (roles),
 * as admin consent to the static permission list does; pending "Request approval" requests complete.
 */
export function recordAdminConsent(
  directory: Directory,
  client: Application,
  tenant: Tenant,
  resource: ResourceScopes,
): void {
  const roles = resource.kind === 'graph' && resource.isDefault ? client.requiredGraphRoles : [];
  directory.addGrant({
    clientId: client.appId,
    tenantId: tenant.id,
    consentType: 'AllPrincipals',
    resourceId: resource.resourceId,
    scopes: resource.names,
    roles,
  });
  directory.completeConsentRequests(tenant.id, client.appId);
}

import type { Directory, Tenant } from '../directory.js';
import { aadsts } from './errors.js';

/**
 * The `{tenant}` path segment of an Entra URL: a tenant id, one of its verified domains, or the
 * multi-tenant aliases `organizations` and `common` (which resolve to the signed-in user's tenant).
 */
export type TenantSegment = { kind: 'tenant'; tenant: Tenant } | { kind: 'organizations' | 'common' };

export function resolveTenantSegment(directory: Directory, segment: string): TenantSegment {
  const s = segment.toLowerCase();
  if (s === 'organizations' || s === 'common') return { kind: s };
  const tenant = directory.getTenant(s) ?? directory.findTenantByDomain(s);
  if (!tenant) throw aadsts.tenantNotFound(segment);
  return { kind: 'tenant', tenant };
}

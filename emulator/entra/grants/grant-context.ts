import type { EmulatorContext } from '../../context.js';
import type { Application, DirectoryUser } from '../../directory.js';
import { aadsts } from '../errors.js';
import type { TenantSegment } from '../tenant-segment.js';

/** What every token grant handler receives: an authenticated client and the request's form. */
export interface GrantContext {
  ctx: EmulatorContext;
  client: Application;
  form: URLSearchParams;
  tenant: TenantSegment;
}

export function requireParam(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw aadsts.missingParameter(name);
  return value;
}

/** A tenant-specific token URL only serves that tenant's users; the multi-tenant aliases serve anyone. */
export function servesUser(tenant: TenantSegment, user: DirectoryUser): boolean {
  return tenant.kind !== 'tenant' || tenant.tenant.id === user.tenantId;
}

export function scopeUnion(a: string[], b: string[]): string[] {
  const seen = new Set(a.map((s) => s.toLowerCase()));
  return [...a, ...b.filter((s) => !seen.has(s.toLowerCase()))];
}

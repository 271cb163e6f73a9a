import { aadsts } from '../errors.js';
import { parseScopes } from '../scopes.js';
import { issueAppToken, type TokenResponseBody } from '../token-issuer.js';
import { requireParam, type GrantContext } from './grant-context.js';

/**
 * grant_type=client_credentials: app-only tokens for one tenant. The scope must be `<resource>/.default`;
 * the token's `roles` are the application permissions an administrator of that tenant consented to.
 */
export async function redeemClientCredentials(g: GrantContext): Promise<TokenResponseBody> {
  if (g.tenant.kind !== 'tenant') throw aadsts.noTenantInfo();
  const tenant = g.tenant.tenant;
  const scope = requireParam(g.form, 'scope');
  const parts = scope.split(' ').filter(Boolean);
  const notDefault = parts.find((s) => !s.endsWith('/.default'));
  if (notDefault !== undefined || parts.length === 0)
    throw aadsts.clientCredentialsScope(notDefault ?? scope);
  if (!g.ctx.directory.isAppKnownInTenant(g.client.appId, tenant.id))
    throw aadsts.appNotFound(g.client.appId, tenant.id);
  const { resource } = parseScopes(g.ctx.directory, g.client, scope);
  const roles =
    resource.kind === 'graph'
      ? (g.ctx.directory.grantedRoles(g.client.appId, tenant.id, resource.resourceId) ?? [])
      : [];
  return issueAppToken(g.ctx, g.client, tenant, resource, roles);
}

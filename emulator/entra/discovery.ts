import type { EmulatorContext } from '../context.js';
import { json, type EmuRequest, type EmuResponse } from '../http.js';
import { resolveTenantSegment } from './tenant-segment.js';

/**
 * OpenID Connect discovery and the signing keys, as Entra serves them. For `organizations` and
 * `common` the issuer carries Microsoft's literal `{tenantid}` placeholder, which clients replace with
 * the `tid` of the token they validate.
 */
export function openIdConfiguration(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  const segment = resolveTenantSegment(ctx.directory, req.params.tenant!);
  const base = `${ctx.origin}/${segment.kind === 'tenant' ? segment.tenant.id : segment.kind}`;
  const issuerTenant = segment.kind === 'tenant' ? segment.tenant.id : '{tenantid}';
  return json(
    200,
    {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${ctx.origin}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      code_challenge_methods_supported: ['S256'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nbf',
        'nonce',
        'name',
        'preferred_username',
        'email',
        'oid',
        'tid',
        'ver',
      ],
      tenant_region_scope: null,
      cloud_instance_name: new URL(ctx.origin).hostname,
      msgraph_host: new URL(ctx.origin).host,
    },
    { 'cache-control': 'max-age=86400, private' },
  );
}

export function signingKeys(ctx: EmulatorContext, req: EmuRequest): EmuResponse {
  resolveTenantSegment(ctx.directory, req.params.tenant!);
  return json(200, ctx.keys.jwks(), { 'cache-control': 'max-age=86400, private' });
}

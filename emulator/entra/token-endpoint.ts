import type { EmulatorContext } from '../context.js';
import { parseForm, type EmuRequest, type EmuResponse } from '../http.js';
import { authenticateClient } from './client-auth.js';
import { aadsts, EntraError, entraErrorResponse, newTrace } from './errors.js';
import { redeemAuthorizationCode } from './grants/authorization-code.js';
import { redeemClientCredentials } from './grants/client-credentials.js';
import type { GrantContext } from './grants/grant-context.js';
import { redeemOnBehalfOf } from './grants/on-behalf-of.js';
import { redeemRefreshToken } from './grants/refresh-token.js';
import { assertSignInAudience } from './sign-in-audience.js';
import { resolveTenantSegment } from './tenant-segment.js';
import type { TokenResponseBody } from './token-issuer.js';

/** POST /{tenant}/oauth2/v2.0/token */
const GRANTS: Record<string, (g: GrantContext) => Promise<TokenResponseBody>> = {
  authorization_code: redeemAuthorizationCode,
  refresh_token: redeemRefreshToken,
  client_credentials: redeemClientCredentials,
  'urn:ietf:params:oauth:grant-type:jwt-bearer': redeemOnBehalfOf,
};

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

export async function handleToken(ctx: EmulatorContext, req: EmuRequest): Promise<EmuResponse> {
  try {
    const tenant = resolveTenantSegment(ctx.directory, req.params.tenant!);
    const form = parseForm(req.body);
    const grantType = form.get('grant_type');
    if (!grantType) throw aadsts.missingParameter('grant_type');
    const client = authenticateClient(
      ctx.directory,
      req,
      form,
      tenant.kind === 'tenant' ? tenant.tenant.id : req.params.tenant!,
    );
    assertSignInAudience(client, tenant, req.params.tenant!);
    const grant = GRANTS[grantType];
    if (!grant) throw aadsts.unsupportedGrantType(grantType);
    const body = await grant({ ctx, client, form, tenant });
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE }, body };
  } catch (err) {
    if (!(err instanceof EntraError)) throw err;
    const res = entraErrorResponse(
      err,
      ctx.origin,
      newTrace(header(req, 'client-request-id'), ctx.directory.clock.now()),
    );
    return { ...res, headers: { ...res.headers, ...NO_STORE } };
  }
}

function header(req: EmuRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

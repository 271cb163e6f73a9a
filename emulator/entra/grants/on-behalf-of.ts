import type { JWTPayload } from 'jose';
import { missingConsent } from '../consent.js';
import { aadsts } from '../errors.js';
import { parseScopes } from '../scopes.js';
import { issueUserTokens, type TokenResponseBody } from '../token-issuer.js';
import { requireParam, servesUser, type GrantContext } from './grant-context.js';

/**
 * grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer with requested_token_use=on_behalf_of: the
 * middle tier (our API) trades a user's token for its own API for a token to a downstream API (Graph).
 */
export async function redeemOnBehalfOf(g: GrantContext): Promise<TokenResponseBody> {
  const { directory } = g.ctx;
  if (g.form.get('requested_token_use') !== 'on_behalf_of') throw aadsts.invalidRequestedTokenUse();
  const assertion = requireParam(g.form, 'assertion');
  const scope = requireParam(g.form, 'scope');
  const claims = await verifyAssertion(g, assertion);
  const audiences = [g.client.appId, ...g.client.identifierUris];
  const aud = typeof claims.aud === 'string' ? claims.aud : '';
  if (!audiences.includes(aud)) throw aadsts.assertionAudience(aud, g.client.appId);
  const user = typeof claims.oid === 'string' ? directory.findUserById(claims.oid) : undefined;
  if (!user || claims.tid !== user.tenantId || !servesUser(g.tenant, user)) throw aadsts.assertionSignature();
  const issuedAt = (claims.iat ?? 0) * 1000;
  const validFrom = directory.validFrom(user.id);
  if (issuedAt < validFrom) throw aadsts.grantRevoked(issuedAt, validFrom);

  const scopes = parseScopes(directory, g.client, scope);
  if (missingConsent(directory, g.client, user, scopes.resource).length > 0) {
    throw aadsts.consentRequired(g.client.appId, g.client.displayName, 'invalid_grant');
  }
  return issueUserTokens(g.ctx, {
    client: g.client,
    user,
    scopes,
    authTime: issuedAt,
    offlineAccess: scopes.oidc.has('offline_access'),
    grantScopes: scope.split(' ').filter(Boolean),
  });
}

async function verifyAssertion(g: GrantContext, assertion: string): Promise<JWTPayload> {
  try {
    return await g.ctx.keys.verify(assertion);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED')
      throw aadsts.assertionExpired();
    throw aadsts.assertionSignature();
  }
}

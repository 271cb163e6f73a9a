import { missingConsent } from '../consent.js';
import { aadsts } from '../errors.js';
import { parseScopes } from '../scopes.js';
import { issueUserTokens, type TokenResponseBody } from '../token-issuer.js';
import { requireParam, scopeUnion, servesUser, type GrantContext } from './grant-context.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * grant_type=refresh_token with rotation: every exchange returns a new refresh token and retires the
 * old one. Expired (inactive), revoked (sign-in sessions revoked) and unconsented requests fail with
 * `invalid_grant` and the AADSTS code Microsoft uses for each.
 */
export async function redeemRefreshToken(g: GrantContext): Promise<TokenResponseBody> {
  const { directory } = g.ctx;
  const token = requireParam(g.form, 'refresh_token');
  const record = directory.findRefreshToken(token);
  if (!record || record.replacedAt !== undefined || record.clientId !== g.client.appId) {
    throw aadsts.invalidRefreshToken();
  }
  const user = directory.findUserById(record.userId);
  if (!user || !servesUser(g.tenant, user)) throw aadsts.invalidRefreshToken();
  const validFrom = directory.validFrom(user.id);
  if (record.authTime < validFrom) throw aadsts.grantRevoked(record.authTime, validFrom);
  const now = directory.clock.now();
  if (now >= record.expiresAt)
    throw aadsts.refreshTokenExpired(record.issuedAt, (now - record.issuedAt) / DAY_MS);

  const requested = g.form.get('scope') ?? record.scopes.join(' ');
  const scopes = parseScopes(directory, g.client, requested);
  if (missingConsent(directory, g.client, user, scopes.resource).length > 0) {
    throw aadsts.consentRequired(g.client.appId, g.client.displayName, 'invalid_grant');
  }
  record.replacedAt = now;
  return issueUserTokens(g.ctx, {
    client: g.client,
    user,
    scopes,
    authTime: record.authTime,
    offlineAccess: true,
    grantScopes: scopeUnion(record.scopes, requested.split(' ').filter(Boolean)),
  });
}

import { createHash } from 'node:crypto';
import { missingConsent } from '../consent.js';
import { aadsts } from '../errors.js';
import { parseScopes } from '../scopes.js';
import { issueUserTokens, type TokenResponseBody } from '../token-issuer.js';
import { requireParam, scopeUnion, servesUser, type GrantContext } from './grant-context.js';

/** grant_type=authorization_code: a single-use code, bound to client, redirect URI and PKCE challenge. */
export async function redeemAuthorizationCode(g: GrantContext): Promise<TokenResponseBody> {
  const { directory } = g.ctx;
  const code = requireParam(g.form, 'code');
  const redirectUri = requireParam(g.form, 'redirect_uri');
  const record = directory.findCode(code);
  if (!record) throw aadsts.invalidCode();
  if (record.redeemedAt !== undefined) throw aadsts.codeRedeemed();
  if (directory.clock.now() >= record.expiresAt) throw aadsts.codeExpired();
  if (record.clientId !== g.client.appId) throw aadsts.codeIssuedToOtherClient();
  if (record.redirectUri !== redirectUri) throw aadsts.replyAddressMismatch();
  if (record.codeChallenge !== undefined) {
    const verifier = g.form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (challenge !== record.codeChallenge) throw aadsts.pkceMismatch();
  }
  const user = directory.findUserById(record.userId);
  if (!user || !servesUser(g.tenant, user)) throw aadsts.invalidCode();
  const validFrom = directory.validFrom(user.id);
  if (record.authTime < validFrom) throw aadsts.grantRevoked(record.authTime, validFrom);

  const requested = g.form.get('scope') ?? record.scopes.join(' ');
  const scopes = parseScopes(directory, g.client, requested);
  if (missingConsent(directory, g.client, user, scopes.resource).length > 0) {
    throw aadsts.consentRequired(g.client.appId, g.client.displayName, 'invalid_grant');
  }
  const grantScopes = scopeUnion(record.scopes, requested.split(' ').filter(Boolean));
  const has = (s: string) => grantScopes.some((x) => x.toLowerCase() === s);
  // Single use: marked before the first await so a concurrent replay cannot redeem it too.
  record.redeemedAt = directory.clock.now();
  return issueUserTokens(g.ctx, {
    client: g.client,
    user,
    scopes: { ...scopes, oidc: has('openid') ? new Set([...scopes.oidc, 'openid']) : scopes.oidc },
    nonce: record.nonce,
    authTime: record.authTime,
    offlineAccess: has('offline_access'),
    grantScopes,
  });
}

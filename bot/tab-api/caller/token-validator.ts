import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  jwtVerify,
  type FetchImplementation,
} from 'jose';

/**
 * Validates the access tokens the tab sends (Teams SSO `getAuthToken`, or our own browser sign-in):
 * RS256 signature against the authority's JWKS, audience = our client id or application id URI,
 * issuer = the v2.0 issuer of a tenant we know, lifetime, and the `access_as_user` scope.
 */

export interface VerifiedCaller {
  tenantId: string;
  objectId: string;
  /** preferred_username, lowercased: the UPN the CRM user is matched on. */
  username: string;
  /** `wids`: the caller's directory role template ids in that tenant (empty when not emitted). */
  directoryRoles: string[];
}

export class TokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

export interface TokenValidatorOptions {
  /** e.g. https://login.microsoftonline.com, no trailing slash. */
  authorityHost: string;
  clientId: string;
  appIdUri: string;
  /** Only tokens of tenants we serve are considered; the issuer is pinned to that tenant. */
  isKnownTenant(tenantId: string): Promise<boolean>;
  /** A fetch that trusts the authority's certificate (the emulator's CA locally). */
  fetch?: FetchImplementation;
  clockToleranceSeconds?: number;
}

/**
 * The clients whose tokens for our API are accepted (`azp`): ours (the tab's own browser sign-in) and
 * Teams' desktop/mobile and web clients, which Teams SSO uses and aad.manifest.json pre-authorises
 * ("Configure scope for access token", Teams tab SSO: learn.microsoft.com/microsoftteams/platform/tabs/
 * how-to/authentication/tab-sso-register-aad).
 */
export const TEAMS_CLIENT_IDS = [
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
];

export interface TokenValidator {
  validate(token: string): Promise<VerifiedCaller>;
}

const REQUIRED_SCOPE = 'access_as_user';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  // One key set per tenant, created lazily. jose caches the keys and refetches (with a cooldown) when a
  // token names a kid it has not seen, which is how Entra key rollover reaches us.
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keySetFor = (tenantId: string) => {
    let set = keySets.get(tenantId);
    if (!set) {
      const url = new URL(`${options.authorityHost}/${tenantId}/discovery/v2.0/keys`);
      set = createRemoteJWKSet(url, options.fetch ? { [customFetch]: options.fetch } : {});
      keySets.set(tenantId, set);
    }
    return set;
  };

  return {
    async validate(token) {
      let unverifiedTid: unknown;
      try {
        unverifiedTid = decodeJwt(token).tid;
      } catch {
        throw new TokenRejectedError('the token is not a JWT');
      }
      // The tenant is read before verification only to choose the keys and the expected issuer; the
      // signature and the issuer check below are what make it trustworthy.
      if (typeof unverifiedTid !== 'string' || !GUID.test(unverifiedTid)) {
        throw new TokenRejectedError('the token has no tenant id');
      }
      const tenantId = unverifiedTid.toLowerCase();
      if (!(await options.isKnownTenant(tenantId))) {
        throw new TokenRejectedError(`tenant ${tenantId} does not use Cloud Sync`);
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keySetFor(tenantId), {
          algorithms: ['RS256'],
          issuer: `${options.authorityHost}/${tenantId}/v2.0`,
          audience: [options.clientId, options.appIdUri],
          clockTolerance: options.clockToleranceSeconds ?? 60,
          requiredClaims: ['exp', 'oid'],
        }));
      } catch (err) {
        throw new TokenRejectedError(describeJoseError(err));
      }
      const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
      if (!scopes.includes(REQUIRED_SCOPE)) {
        throw new TokenRejectedError(`the token lacks the ${REQUIRED_SCOPE} scope`);
      }
      const client = typeof payload.azp === 'string' ? payload.azp : payload.appid;
      if (
        typeof client !== 'string' ||
        ![options.clientId, ...TEAMS_CLIENT_IDS].includes(client.toLowerCase())
      ) {
        throw new TokenRejectedError(
          'the token was requested by an application other than Cloud Sync or Teams',
        );
      }
      const username = payload.preferred_username;
      if (typeof payload.oid !== 'string' || typeof username !== 'string' || !username.includes('@')) {
        throw new TokenRejectedError('the token does not name a user (oid, preferred_username)');
      }
      const wids = Array.isArray(payload.wids) ? payload.wids.filter((w) => typeof w === 'string') : [];
      return { tenantId, objectId: payload.oid, username: username.toLowerCase(), directoryRoles: wids };
    },
  };
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the token was issued for another application';
    if (err.claim === 'iss') return 'the token was issued by another authority';
    if (err.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${err.claim} claim is invalid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token was signed with an unknown key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token uses an algorithm other than RS256';
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return 'the token is malformed';
  }
  // Anything else (the JWKS unreachable, a timeout) is our problem, not the caller's: it surfaces as a
  // server error instead of telling a valid user their token is bad.
  throw err;
}

import { randomUUID } from 'node:crypto';
import { json, type EmuResponse } from '../http.js';

/**
 * Entra's errors: an OAuth `error`, an AADSTS code with Microsoft's message, and the diagnostic trailer
 * (trace id, correlation id, timestamp) Microsoft appends to `error_description`. Token-endpoint errors are
 * JSON; authorize errors travel back on the redirect URI. The catalogue names the codes Microsoft uses;
 * README.md lists which situation gives which code.
 */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly detail: string,
    readonly suberror?: string,
  ) {
    super(`AADSTS${code}: ${detail}`);
    this.name = 'EntraError';
  }
}

export const aadsts = {
  missingParameter: (name: string) =>
    new EntraError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  tenantNotFound: (tenant: string) =>
    new EntraError(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  invalidPath: (path: string) =>
    new EntraError(404, 'invalid_request', 90100, `The request path '${path}' is empty or not valid.`),
  methodNotAllowed: (allowed: string[], received: string) =>
    new EntraError(
      405,
      'invalid_request',
      900561,
      `The endpoint only accepts ${allowed.join(', ')} requests. Received a ${received} request.`,
    ),
  appNotFound: (clientId: string, tenant: string) =>
    new EntraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  notMultiTenant: (clientId: string, name: string) =>
    new EntraError(
      400,
      'invalid_request',
      50194,
      `Application '${clientId}'(${name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  redirectUriMismatch: (uri: string, clientId: string) =>
    new EntraError(
      400,
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application.`,
    ),
  responseTypeNotEnabled: (type: string) =>
    new EntraError(
      400,
      'unauthorized_client',
      type === 'token' ? 700051 : 700054,
      `response_type '${type}' is not enabled for the application.`,
    ),
  unsupportedResponseType: (type: string) =>
    new EntraError(400, 'unsupported_response_type', 70005, `The response_type '${type}' is not supported.`),
  invalidCodeChallengeMethod: (method: string) =>
    new EntraError(
      400,
      'invalid_request',
      501491,
      `Invalid code_challenge_method '${method}'. Only 'S256' is supported by this client.`,
    ),
  invalidCodeChallenge: () =>
    new EntraError(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'),
  invalidPrompt: (prompt: string) =>
    new EntraError(400, 'invalid_request', 90023, `Unsupported 'prompt' value '${prompt}'.`),
  invalidResponseMode: (mode: string) =>
    new EntraError(400, 'invalid_request', 90023, `Unsupported 'response_mode' value '${mode}'.`),
  invalidScope: (scope: string) =>
    new EntraError(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope '${scope}' is not valid.`,
    ),
  multipleResources: () =>
    new EntraError(
      400,
      'invalid_scope',
      28000,
      'Provided value for the input parameter scope is not valid because it contains more than one resource.',
    ),
  clientCredentialsScope: (scope: string) =>
    new EntraError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  loginRequired: () =>
    new EntraError(
      400,
      'login_required',
      50058,
      'A silent sign-in request was sent but no user is signed in.',
    ),
  consentRequired: (clientId: string, name: string, error = 'consent_required') =>
    new EntraError(
      400,
      error,
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
      'consent_required',
    ),
  userDeclined: () =>
    new EntraError(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  adminConsentRequested: () =>
    new EntraError(
      400,
      'access_denied',
      90095,
      'Admin consent is required for the permissions requested by this application. An admin consent request may be sent to the admin.',
    ),
  adminOnly: (name: string) =>
    new EntraError(
      400,
      'access_denied',
      90094,
      `${name} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
    ),
  userNotInTenant: (upn: string, tenantName: string, clientId: string) =>
    new EntraError(
      400,
      'access_denied',
      50020,
      `User account '${upn}' does not exist in tenant '${tenantName}' and cannot access the application '${clientId}' in that tenant. The account needs to be added as an external user in the tenant first.`,
    ),
  invalidClientSecret: (clientId: string) =>
    new EntraError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  missingClientSecret: () =>
    new EntraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  noTenantInfo: () =>
    new EntraError(
      400,
      'invalid_request',
      50059,
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
    ),
  invalidRequestedTokenUse: () =>
    new EntraError(
      400,
      'invalid_request',
      90014,
      "The required field 'requested_token_use' is missing or not 'on_behalf_of'.",
    ),
  unsupportedGrantType: (type: string) =>
    new EntraError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${type}'.`,
    ),
  invalidCode: () =>
    new EntraError(400, 'invalid_grant', 70000, "The provided value for the 'code' parameter is not valid."),
  codeRedeemed: () =>
    new EntraError(
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  codeExpired: () =>
    new EntraError(
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  codeIssuedToOtherClient: () =>
    new EntraError(
      400,
      'invalid_grant',
      70000,
      'The provided grant was issued to a different client. Send a new interactive authorization request.',
    ),
  replyAddressMismatch: () =>
    new EntraError(
      400,
      'invalid_grant',
      500112,
      'The reply address does not match the reply address provided when requesting Authorization code.',
    ),
  pkceMismatch: () =>
    new EntraError(
      400,
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  invalidRefreshToken: () =>
    new EntraError(
      400,
      'invalid_grant',
      70000,
      'Provided grant is invalid or malformed. The refresh token is not valid or was already exchanged for a new one.',
    ),
  refreshTokenExpired: (issued: number, inactiveDays: number) =>
    new EntraError(
      400,
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${stsTime(issued)} and was inactive for ${inactiveDays.toFixed(2)} days.`,
    ),
  grantRevoked: (issued: number, validFrom: number) =>
    new EntraError(
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${stsTime(issued)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${stsTime(validFrom)}'.`,
    ),
  assertionSignature: () =>
    new EntraError(400, 'invalid_grant', 50013, 'Assertion failed signature validation.'),
  assertionExpired: () =>
    new EntraError(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range.'),
  assertionAudience: (audience: string, expected: string) =>
    new EntraError(
      400,
      'invalid_grant',
      500131,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${audience}' and the expected audience is '${expected}'.`,
    ),
  userNotFound: (upn: string, tenantName: string) =>
    new EntraError(
      400,
      'invalid_grant',
      50034,
      `The user account ${upn} does not exist in the ${tenantName} directory. To sign into this application, the account must be added to the directory.`,
    ),
  badCredentials: () =>
    new EntraError(
      400,
      'invalid_grant',
      50126,
      'Error validating credentials due to invalid username or password.',
    ),
};

/** Microsoft's timestamp format in error bodies: `2016-01-09 02:02:12Z`. */
export function stsTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export interface ErrorTrace {
  traceId: string;
  correlationId: string;
  timestamp: string;
}

export function newTrace(correlationId: string | undefined, nowMs: number): ErrorTrace {
  return {
    traceId: randomUUID(),
    correlationId: correlationId && /^[\w-]{1,64}$/.test(correlationId) ? correlationId : randomUUID(),
    timestamp: stsTime(nowMs),
  };
}

export function describe(err: EntraError, trace: ErrorTrace): string {
  return `${err.message}\r\nTrace ID: ${trace.traceId}\r\nCorrelation ID: ${trace.correlationId}\r\nTimestamp: ${trace.timestamp}`;
}

/** The JSON body and status the token endpoint answers with. */
export function entraErrorResponse(err: EntraError, origin: string, trace: ErrorTrace): EmuResponse {
  return json(err.status, {
    error: err.error,
    error_description: describe(err, trace),
    error_codes: [err.code],
    timestamp: trace.timestamp,
    trace_id: trace.traceId,
    correlation_id: trace.correlationId,
    error_uri: `${origin}/error?code=${err.code}`,
    ...(err.suberror ? { suberror: err.suberror } : {}),
  });
}

/** The query parameters an authorize-style error carries back to the app's redirect URI. */
export function errorRedirectParams(
  err: EntraError,
  origin: string,
  trace: ErrorTrace,
): Record<string, string> {
  return {
    error: err.error,
    error_description: describe(err, trace),
    error_uri: `${origin}/error?code=${err.code}`,
  };
}

import type { Application, Directory } from '../directory.js';
import { aadsts, EntraError } from './errors.js';
import { parseScopes, type ParsedScopes } from './scopes.js';
import { resolveTenantSegment, type TenantSegment } from './tenant-segment.js';
import { servesTenant } from './sign-in-audience.js';

/**
 * Validates an authorization request in Microsoft's order. Until the client and its redirect URI are
 * known to be genuine, an error can only be shown as a page; after that, errors go back to the app on
 * its redirect URI with `error`, `error_description` and `state`.
 */
export type ResponseMode = 'query' | 'fragment' | 'form_post';
export type Prompt = 'login' | 'none' | 'consent' | 'select_account' | 'admin_consent';

export interface ReplyTarget {
  redirectUri: string;
  state?: string;
  responseMode: ResponseMode;
}

export interface AuthorizeRequest extends ReplyTarget {
  tenant: TenantSegment;
  client: Application;
  rawScopes: string[];
  scopes: ParsedScopes;
  nonce?: string;
  codeChallenge?: string;
  prompt?: Prompt;
  loginHint?: string;
  domainHint?: string;
}

/** An error shown as a page (`reply` undefined) or sent to the app's redirect URI. */
export class AuthorizeFailure extends Error {
  constructor(
    readonly error: EntraError,
    readonly reply?: ReplyTarget,
  ) {
    super(error.message);
    this.name = 'AuthorizeFailure';
  }
}

const PROMPTS: readonly string[] = ['login', 'none', 'consent', 'select_account', 'admin_consent'];
const RESPONSE_MODES: readonly string[] = ['query', 'fragment', 'form_post'];
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Checks client and redirect URI (page errors); shared with the admin consent endpoint. */
export function resolveClient(
  directory: Directory,
  tenantParam: string,
  q: URLSearchParams,
): { tenant: TenantSegment; client: Application; redirectUri: string } {
  let tenant: TenantSegment;
  try {
    tenant = resolveTenantSegment(directory, tenantParam);
  } catch (err) {
    throw new AuthorizeFailure(err as EntraError);
  }
  const clientId = q.get('client_id');
  if (!clientId) throw new AuthorizeFailure(aadsts.missingParameter('client_id'));
  const client = directory.getApplication(clientId);
  if (!client) throw new AuthorizeFailure(aadsts.appNotFound(clientId, tenantParam));
  // A single-tenant app exists only in its home directory: another tenant's endpoint cannot find it.
  if (tenant.kind === 'tenant' && !servesTenant(client, tenant.tenant.id)) {
    throw new AuthorizeFailure(aadsts.appNotFound(clientId, tenantParam));
  }
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri) throw new AuthorizeFailure(aadsts.missingParameter('redirect_uri'));
  if (!client.redirectUris.includes(redirectUri)) {
    throw new AuthorizeFailure(aadsts.redirectUriMismatch(redirectUri, client.appId));
  }
  return { tenant, client, redirectUri };
}

export function parseAuthorizeRequest(
  directory: Directory,
  tenantParam: string,
  q: URLSearchParams,
): AuthorizeRequest {
  const { tenant, client, redirectUri } = resolveClient(directory, tenantParam, q);
  const state = q.get('state') ?? undefined;
  const modeParam = q.get('response_mode') ?? 'query';
  const responseMode: ResponseMode = RESPONSE_MODES.includes(modeParam)
    ? (modeParam as ResponseMode)
    : 'query';
  const reply: ReplyTarget = { redirectUri, state, responseMode };
  const fail = (error: EntraError) => new AuthorizeFailure(error, reply);

  if (!RESPONSE_MODES.includes(modeParam)) throw fail(aadsts.invalidResponseMode(modeParam));
  const responseType = q.get('response_type');
  if (!responseType) throw fail(aadsts.missingParameter('response_type'));
  if (responseType !== 'code') {
    throw fail(
      responseType === 'token' || responseType === 'id_token'
        ? aadsts.responseTypeNotEnabled(responseType)
        : aadsts.unsupportedResponseType(responseType),
    );
  }
  if (tenant.kind !== 'tenant' && client.signInAudience === 'AzureADMyOrg') {
    throw fail(aadsts.notMultiTenant(client.appId, client.displayName));
  }
  const scope = q.get('scope');
  if (!scope) throw fail(aadsts.missingParameter('scope'));
  let scopes: ParsedScopes;
  try {
    scopes = parseScopes(directory, client, scope);
  } catch (err) {
    throw fail(err as EntraError);
  }
  const codeChallenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method');
  if (codeChallenge !== undefined) {
    if (method !== 'S256') throw fail(aadsts.invalidCodeChallengeMethod(method ?? 'plain'));
    if (!CODE_CHALLENGE.test(codeChallenge)) throw fail(aadsts.invalidCodeChallenge());
  }
  const prompt = q.get('prompt') ?? undefined;
  if (prompt !== undefined && !PROMPTS.includes(prompt)) throw fail(aadsts.invalidPrompt(prompt));
  return {
    ...reply,
    tenant,
    client,
    rawScopes: scope.split(' ').filter(Boolean),
    scopes,
    nonce: q.get('nonce') ?? undefined,
    codeChallenge,
    prompt: prompt as Prompt | undefined,
    loginHint: q.get('login_hint') ?? undefined,
    domainHint: q.get('domain_hint') ?? undefined,
  };
}

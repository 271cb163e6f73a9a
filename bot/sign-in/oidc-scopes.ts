/**
 * OpenID Connect scopes. They sign the user in (and, with offline_access, let msal refresh without the
 * user), but they are not permissions on Microsoft Graph: a Graph token request, the admin consent URL
 * and the plain-words permission list leave them out.
 */
const SIGN_IN_SCOPES = new Set(['openid', 'profile', 'email']);
const OFFLINE_ACCESS = 'offline_access';

/** Scopes that only sign the user in (offline_access is worth telling the user about, so not these). */
export function isSignInScope(scope: string): boolean {
  return SIGN_IN_SCOPES.has(scope.toLowerCase());
}

/** The configured scopes without the OpenID ones: what a Graph token or consent asks for. */
export function graphPermissions(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !isSignInScope(s) && s.toLowerCase() !== OFFLINE_ACCESS);
}

import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import { graphError, type EmuResponse } from '../http.js';
import type { Caller } from './auth.js';

/**
 * Resolves /me or /users/{id|upn} for a caller as Graph does: /me needs a delegated token, a user of
 * another tenant does not exist for this token, and a delegated caller may only open their own mailbox.
 */
export function resolvePrincipal(
  ctx: EmulatorContext,
  caller: Caller,
  named: string | undefined,
  mailboxPath: boolean,
): DirectoryUser | EmuResponse {
  if (named === undefined) {
    if (!caller.userId) {
      return graphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }
    const me = ctx.directory.findUserById(caller.userId);
    if (!me)
      return graphError(404, 'Request_ResourceNotFound', `Resource '${caller.userId}' does not exist.`);
    return me;
  }
  const found = ctx.directory.findUserById(named) ?? ctx.directory.findUserByUpn(named);
  if (!found || found.tenantId !== caller.tenantId.toLowerCase()) {
    return mailboxPath
      ? graphError(404, 'ErrorInvalidUser', `The requested user '${named}' is invalid.`)
      : graphError(
          404,
          'Request_ResourceNotFound',
          `Resource '${named}' does not exist or one of its queried reference-property objects are not present.`,
        );
  }
  if (mailboxPath && caller.userId && caller.userId.toLowerCase() !== found.id) {
    return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }
  return found;
}

export function isUser(value: DirectoryUser | EmuResponse): value is DirectoryUser {
  return 'userPrincipalName' in value;
}

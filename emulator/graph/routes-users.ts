import type { User } from '@microsoft/microsoft-graph-types';
import { graphError, json } from '../http.js';
import { hasPermission, PERMISSIONS } from './auth.js';
import { userOf, type GraphHandler } from './graph-request.js';
import type { GraphPipeline } from './pipeline.js';

/** GET /me and GET /users/{id|upn}: the directory user as Graph's user resource. */
const getUser: GraphHandler = (req) => {
  if (!hasPermission(req.caller, PERMISSIONS.readUser.scopes, PERMISSIONS.readUser.roles)) {
    return graphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  const u = userOf(req);
  const body: User & { '@odata.context': string } = {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#users/$entity`,
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    mail: u.mail,
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    jobTitle: u.jobTitle ?? null,
    businessPhones: [],
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-GB',
  };
  return json(200, body);
};

export function registerUserRoutes(pipeline: GraphPipeline): void {
  pipeline.user('GET', '/', getUser);
}

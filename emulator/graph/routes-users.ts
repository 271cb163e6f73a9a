import type { User } from '@microsoft/microsoft-graph-types';
import { graphError, json } from '../http.js';
import { hasPermission, PERMISSIONS } from './auth.js';
import { userOf, type GraphHandler } from './graph-request.js';
import type { GraphPipeline } from './pipeline.js';
import { parseSelect } from './select.js';

/**
 * GET /me and GET /users/{id|upn}: the directory user as Graph's user resource ("user resource type",
 * Microsoft Graph v1.0). Without `$select` Graph returns its default set (businessPhones, displayName,
 * givenName, id, jobTitle, mail, mobilePhone, officeLocation, preferredLanguage, surname,
 * userPrincipalName); `proxyAddresses` is "returned only on $select". With `$select` exactly the named
 * properties come back, `id` included only when named.
 */
const DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
] as const;
const SELECTABLE = [...DEFAULT_PROPERTIES, 'proxyAddresses'] as const;

const getUser: GraphHandler = (req) => {
  if (!hasPermission(req.caller, PERMISSIONS.readUser.scopes, PERMISSIONS.readUser.roles)) {
    return graphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  }
  const select = parseSelect(req.url.searchParams.get('$select'), SELECTABLE, 'microsoft.graph.user');
  if ('error' in select) return graphError(400, 'Request_BadRequest', select.error);
  const u = userOf(req);
  const all: Required<Pick<User, (typeof SELECTABLE)[number]>> = {
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
    proxyAddresses: [...u.proxyAddresses],
  };
  const fields: readonly string[] = select.fields ?? DEFAULT_PROPERTIES;
  const selected = select.fields ? `(${select.fields.join(',')})` : '';
  const body: Record<string, unknown> = {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#users${selected}/$entity`,
  };
  for (const name of fields) body[name] = all[name as keyof typeof all];
  return json(200, body);
};

export function registerUserRoutes(pipeline: GraphPipeline): void {
  pipeline.user('GET', '/', getUser);
}

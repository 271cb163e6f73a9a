import { GRAPH_APP_ID, type Application, type Directory } from '../directory.js';
import { aadsts } from './errors.js';
import { findGraphPermission } from './graph-permissions.js';

/**
 * Parses a v2.0 `scope` parameter the way Entra does: OpenID Connect scopes apart, every other scope names
 * one resource (Microsoft Graph when the scope has no resource prefix, or an app's API through its
 * application ID URI or appId), and one request may address only one resource.
 */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const GRAPH_PREFIXES = ['https://graph.microsoft.com', GRAPH_APP_ID];

export interface ResourceScopes {
  kind: 'graph' | 'api';
  /** The resource's application id: Graph's well-known id or our app's appId. */
  resourceId: string;
  /** The API's registration when kind is `api`. */
  api?: Application;
  /** Permission names without prefix, in their canonical casing, `.default` expanded. */
  names: string[];
  /** The scopes as the client wrote them, echoed back in the token response. */
  requested: string[];
  isDefault: boolean;
}

export interface ParsedScopes {
  oidc: Set<string>;
  resource: ResourceScopes;
}

export function parseScopes(directory: Directory, client: Application, raw: string): ParsedScopes {
  const oidc = new Set<string>();
  let resource: ResourceScopes | undefined;
  for (const scope of raw.split(' ').filter(Boolean)) {
    const lower = scope.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      oidc.add(lower);
      continue;
    }
    const target = resolveScope(directory, scope);
    if (resource && resource.resourceId !== target.resourceId) throw aadsts.multipleResources();
    resource ??= { ...target, names: [], requested: [], isDefault: false };
    resource.requested.push(scope);
    if (target.name === '.default') {
      resource.isDefault = true;
      resource.names.push(...defaultScopes(client, target));
    } else {
      resource.names.push(target.name);
    }
  }
  resource ??= { kind: 'graph', resourceId: GRAPH_APP_ID, names: [], requested: [], isDefault: false };
  resource.names = dedupe(resource.names);
  return { oidc, resource };
}

interface ScopeTarget {
  kind: 'graph' | 'api';
  resourceId: string;
  api?: Application;
  name: string;
}

function resolveScope(directory: Directory, scope: string): ScopeTarget {
  const slash = scope.lastIndexOf('/');
  const prefix = slash > 0 ? scope.slice(0, slash) : undefined;
  const name = slash > 0 ? scope.slice(slash + 1) : scope;
  if (prefix === undefined || GRAPH_PREFIXES.includes(prefix.toLowerCase())) {
    if (name === '.default') return { kind: 'graph', resourceId: GRAPH_APP_ID, name };
    const permission = findGraphPermission(name);
    if (!permission) throw aadsts.invalidScope(scope);
    return { kind: 'graph', resourceId: GRAPH_APP_ID, name: permission.name };
  }
  const api = directory.findApplicationByResource(prefix);
  if (!api) throw aadsts.invalidScope(scope);
  if (name === '.default') return { kind: 'api', resourceId: api.appId, api, name };
  const exposed = api.apiScopes.find((s) => s.toLowerCase() === name.toLowerCase());
  if (!exposed) throw aadsts.invalidScope(scope);
  return { kind: 'api', resourceId: api.appId, api, name: exposed };
}

/** `.default` means "what the app registration declares" for Graph, and every exposed scope for an API. */
function defaultScopes(client: Application, target: ScopeTarget): string[] {
  return target.kind === 'graph' ? client.requiredGraphScopes : (target.api?.apiScopes ?? []);
}

function dedupe(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const k = n.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

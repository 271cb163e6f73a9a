import { confidentialClient, type MsalSettings } from './msal-client-factory.js';

/**
 * Whether the app really has consent in a tenant, asked of Entra rather than believed from a redirect:
 * a client-credentials token for the app in that tenant exists only once the tenant has a service
 * principal for it, i.e. after consent. Without one Entra refuses (AADSTS7000229 "missing service
 * principal in the tenant", or AADSTS700016 "application not found in the directory").
 */
export type ConsentCheck = (tenantId: string) => Promise<{ ok: true } | { ok: false; errorCode: string }>;

const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

export function createConsentCheck(settings: MsalSettings): ConsentCheck {
  return async (tenantId) => {
    // No cache: the app-only token proves the point and is dropped at once.
    const client = confidentialClient(settings, encodeURIComponent(tenantId));
    try {
      const result = await client.acquireTokenByClientCredential({
        scopes: [GRAPH_DEFAULT_SCOPE],
        skipCache: true,
      });
      return result?.accessToken ? { ok: true } : { ok: false, errorCode: 'no_token' };
    } catch (err) {
      const e = err as { errorCode?: string; subError?: string };
      return { ok: false, errorCode: e.errorCode ?? 'request_failed' };
    }
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Application, Directory } from '../directory.js';
import type { EmuRequest } from '../http.js';
import { aadsts } from './errors.js';

/**
 * Confidential-client authentication at the token endpoint: `client_secret` in the form body
 * (client_secret_post) or HTTP Basic (client_secret_basic, values form-urlencoded as RFC 6749 says).
 */
export function authenticateClient(
  directory: Directory,
  req: EmuRequest,
  form: URLSearchParams,
  tenantLabel: string,
): Application {
  const basic = parseBasic(req.headers.authorization);
  const clientId = basic?.clientId ?? form.get('client_id');
  if (!clientId) throw aadsts.missingParameter('client_id');
  const app = directory.getApplication(clientId);
  if (!app) throw aadsts.appNotFound(clientId, tenantLabel);
  const secret = basic?.secret ?? form.get('client_secret');
  if (!secret) throw aadsts.missingClientSecret();
  if (!app.clientSecrets.some((s) => sameSecret(s, secret))) throw aadsts.invalidClientSecret(app.appId);
  return app;
}

function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/** Compares digests so the time taken says nothing about how much of a secret matched. */
function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

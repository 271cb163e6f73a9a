import { TAB_REDIRECT_PATH } from '../tab-api/caller/tab-sign-in.js';
import { ADMIN_CONSENT_CALLBACK_PATH, SIGN_IN_CALLBACK_PATH } from './sign-in-routes.js';

/** The redirect URIs the Entra app must list for a server at `publicUrl` (aad.manifest.json's replyUrls). */
export function redirectUrisFor(publicUrl: string): string[] {
  const base = publicUrl.replace(/\/$/, '');
  return [SIGN_IN_CALLBACK_PATH, ADMIN_CONSENT_CALLBACK_PATH, TAB_REDIRECT_PATH].map((p) => `${base}${p}`);
}

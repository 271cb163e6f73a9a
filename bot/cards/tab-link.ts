/**
 * Where "Open Sync health" on a card or in the confirmation e-mail leads. Inside Teams it is a deep link
 * to the app's personal tab (Microsoft's "Deep link to an application": `/l/entity/<app id>/<entity id>`
 * with URI-encoded `webUrl` and `label`), so people stay in Teams and need no second sign-in. Without a
 * Teams app id (the Agents Playground, which hosts no Teams app and cannot follow Teams links) it is the
 * tab's web address. The choice is the deployment's rather than each activity's because proactive cards
 * (first-import progress, IT's answer) and the e-mail are built with no activity at hand.
 */

/** The Sync health tab's `entityId` in appPackage/manifest.json's staticTabs. */
export const SYNC_HEALTH_ENTITY_ID = 'sync-health';
const SYNC_HEALTH_LABEL = 'Sync health';

export function tabWebUrl(publicUrl: string): string {
  return `${publicUrl}/tab/`;
}

export function syncHealthLink(input: { publicUrl: string; teamsAppId?: string }): string {
  const webUrl = tabWebUrl(input.publicUrl);
  if (!input.teamsAppId) return webUrl;
  const query = new URLSearchParams({ webUrl, label: SYNC_HEALTH_LABEL });
  // URLSearchParams writes a space as "+"; the documented form encodes it as %20.
  const encoded = query.toString().replace(/\+/g, '%20');
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(input.teamsAppId)}/${encodeURIComponent(SYNC_HEALTH_ENTITY_ID)}?${encoded}`;
}

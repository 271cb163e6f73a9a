import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The clientState secret of a Graph subscription: random per subscription, sent to Graph once at
 * creation and echoed in every notification, which is how a notification proves it came from Graph.
 * Only its SHA-256 is stored (`graph_subscriptions.client_state_hash`), so a copied database cannot
 * forge notifications. Graph limits clientState to 128 characters.
 */

export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

export function hashClientState(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

export function clientStateMatches(clientState: string, storedHash: string): boolean {
  const given = Buffer.from(hashClientState(clientState), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/**
 * When Graph sends a subscription's next unprompted `reauthorizationRequired` lifecycle notification.
 * Microsoft's "Reduce missing subscriptions and change notifications" (change-notifications-lifecycle-
 * events) says Graph sends them before the access token the subscription was authorized with expires, or
 * before the subscription itself expires, repeatedly (every 15 minutes in the last hour) until the app
 * reauthorizes (POST /subscriptions/{id}/reauthorize) or renews it (PATCH), and stops once that moment
 * has passed. The emulator follows the page's illustrative schedule: every 15 minutes from the last
 * authorization, within the last hour before the earlier of the two expiries.
 */
export const REAUTHORIZATION_INTERVAL_MS = 15 * 60_000;
export const REAUTHORIZATION_WINDOW_MS = 60 * 60_000;

export interface AuthorizationState {
  /** When the subscription was created, renewed or reauthorized. */
  authorizedAt: number;
  /** Expiry of the access token it was (re)authorized with. */
  tokenExpiresAt: number;
  subscriptionExpiresAt: number;
  /** The last reauthorizationRequired sent since `authorizedAt`. */
  lastSentAt?: number;
}

export function nextReauthorizationAt(s: AuthorizationState): number | undefined {
  const end = Math.min(s.tokenExpiresAt, s.subscriptionExpiresAt);
  const due = Math.max(
    (s.lastSentAt ?? s.authorizedAt) + REAUTHORIZATION_INTERVAL_MS,
    end - REAUTHORIZATION_WINDOW_MS,
  );
  return due < end ? due : undefined;
}

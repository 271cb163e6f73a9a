import type { HealthStatus } from '#shared/contract.js';

export function ago(seconds: number | null): string {
  if (seconds === null) return 'never';
  if (seconds < 60) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function until(iso: string | null, now = Date.now()): string {
  if (!iso) return 'not scheduled';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 5) return 'now';
  if (seconds < 90) return `in ${seconds} s`;
  return `in ${Math.round(seconds / 60)} min`;
}

/** A moment in the user's zone, naming the zone ("6 Dec 2026, 14:05 CET") so it is never ambiguous. */
export function dateTime(iso: string | null, timeZone: string): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
}

export const HEALTH_LABEL: Record<HealthStatus, string> = {
  healthy: 'Healthy',
  syncing: 'Syncing',
  throttled: 'Slowed down by Microsoft 365',
  needs_reconnect: 'Needs reconnect',
  failing: 'Failing',
  paused: 'Paused',
  waiting: 'Waiting for first sync',
  off: 'Off',
};

export type BadgeColor = 'success' | 'brand' | 'warning' | 'danger' | 'informative' | 'subtle';

export const HEALTH_COLOR: Record<HealthStatus, BadgeColor> = {
  healthy: 'success',
  syncing: 'brand',
  throttled: 'warning',
  needs_reconnect: 'danger',
  failing: 'danger',
  paused: 'subtle',
  waiting: 'informative',
  off: 'subtle',
};

export const RESOURCE_LABEL = { mail: 'Mail', diary: 'Diary' } as const;

/** A time of today in the user's zone, naming it ("14:05:09 CET"). */
export function clockTime(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { timeZone, timeZoneName: 'short' });
}

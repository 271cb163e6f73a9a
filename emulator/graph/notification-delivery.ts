import { setTimeout as delay } from 'node:timers/promises';

/**
 * Posting to a subscriber's endpoint. The emulator only ever talks to loopback addresses, so a
 * notification URL elsewhere is refused at subscription time rather than silently dropped later.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const RETRY_DELAYS_MS = [250, 1000, 3000];
/** "The client must respond ... within 10 seconds" (notificationUrl validation, webhook delivery page). */
const VALIDATION_TIMEOUT_MS = 10_000;
/** "Notifications are published using an HTTP client with a 3-second timeout" (same page, Throttling). */
const DELIVERY_TIMEOUT_MS = 3_000;

export function loopbackUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `'${raw}' is not an absolute URL.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'The notification URL must use HTTPS or HTTP.';
  if (!LOOPBACK_HOSTS.has(url.hostname.toLowerCase())) {
    return 'The emulator delivers notifications to loopback addresses (localhost) only.';
  }
  return undefined;
}

/**
 * A validation token as Graph sends them: a sentence with spaces and colons, e.g. "Validation: Testing
 * client application reachability for subscription Request-Id: <guid>" (reported in
 * microsoftgraph/microsoft-graph-docs#21160; the docs call it opaque and say to URL-decode it).
 */
export function newValidationToken(requestId: string): string {
  return `Validation: Testing client application reachability for subscription Request-Id: ${requestId}`;
}

/** Form encoding as .NET's HttpUtility.UrlEncode writes it: spaces as `+`, `:` as `%3a`, `+` as `%2b`. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

/**
 * The validation handshake: the endpoint must answer 200, text/plain, with the URL-decoded token, within
 * 10 seconds, or the subscription is not created (notificationUrl validation, webhook delivery page).
 */
export async function validateEndpoint(notificationUrl: string, validationToken: string): Promise<boolean> {
  const url = new URL(notificationUrl);
  const query = `validationToken=${encodeQueryValue(validationToken)}`;
  url.search = url.search ? `${url.search}&${query}` : query;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: '',
      signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return res.status === 200 && text === validationToken && type.toLowerCase().startsWith('text/plain');
  } catch {
    return false;
  }
}

export interface DeliveryRecord {
  time: string;
  subscriptionId: string;
  kind: 'change' | 'lifecycle';
  url: string;
  attempts: number;
  /** Last HTTP status, or 0 when the endpoint could not be reached. */
  status: number;
  delivered: boolean;
}

/** POSTs a notification payload, retrying a few times on failure as Graph does. */
export async function deliver(url: string, payload: unknown): Promise<{ attempts: number; status: number }> {
  let status = 0;
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
    if (attempt > 0) await delay(RETRY_DELAYS_MS[attempt - 1]!);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      status = res.status;
      if (status >= 200 && status < 300) return { attempts: attempt + 1, status };
    } catch {
      status = 0;
    }
  }
  return { attempts: RETRY_DELAYS_MS.length + 1, status };
}

import { setTimeout as delay } from 'node:timers/promises';

/**
 * Posting to a subscriber's endpoint. The emulator only ever talks to loopback addresses, so a
 * notification URL elsewhere is refused at subscription time rather than silently dropped later.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const RETRY_DELAYS_MS = [250, 1000, 3000];
const VALIDATION_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 10_000;

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

/** The validation handshake: the endpoint must echo the token as text/plain with 200 within 10 s. */
export async function validateEndpoint(notificationUrl: string, validationToken: string): Promise<boolean> {
  const url = new URL(notificationUrl);
  url.searchParams.set('validationToken', validationToken);
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

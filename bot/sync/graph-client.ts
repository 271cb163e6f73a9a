import {
  AuthenticationHandler,
  Client,
  GraphError,
  RetryHandler,
  RetryHandlerOptions,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import type { MailboxLimiter } from './core/mailbox-limiter.js';
import type { FetchLike } from '../net/tls-trust.js';
import { FetchHandler, MailboxGate, type RequestStats } from './mailbox-gate.js';

/**
 * A Graph client for one mailbox: `Client.initWithMiddleware` with the chain
 * auth (token per request) → RetryHandler (Retry-After for the retried request, exponential backoff
 * with jitter for 5xx) → MailboxGate (concurrency cap, Retry-After for every request of the mailbox,
 * request/throttle counters) → FetchHandler (the given fetch, which trusts the configured CA).
 */

export interface GraphClientOptions {
  /** GRAPH_BASE_URL, e.g. https://graph.microsoft.com (without the version). */
  baseUrl: string;
  fetch: FetchLike;
  limiter: MailboxLimiter;
  /** Key of the mailbox in the limiter: the sync account id. */
  mailbox: string;
  stats: RequestStats;
  accessToken: () => Promise<string>;
  /** Retries per request (429/503/504) before the error reaches the round; at most 10. */
  maxRetries?: number;
  /** Base backoff in seconds for 5xx without Retry-After. */
  retryDelaySeconds?: number;
}

const GRAPH_VERSION = 'v1.0';

export function createGraphClient(options: GraphClientOptions): Client {
  const chain: Middleware[] = [
    new AuthenticationHandler({ getAccessToken: options.accessToken }),
    new RetryHandler(new RetryHandlerOptions(options.retryDelaySeconds ?? 1, options.maxRetries ?? 6)),
    new MailboxGate(options.limiter, options.mailbox, options.stats),
    new FetchHandler(options.fetch),
  ];
  return graphClientOver(options.baseUrl, chain);
}

/**
 * Every Graph client of the server: the middleware chain linked in order (the last one sends), on
 * GRAPH_BASE_URL's host with its version.
 */
export function graphClientOver(baseUrl: string, chain: readonly Middleware[]): Client {
  for (let i = 0; i < chain.length - 1; i += 1) chain[i]!.setNext?.(chain[i + 1]!);
  const base = new URL(baseUrl);
  return Client.initWithMiddleware({
    baseUrl: base.origin + base.pathname.replace(/\/+$/, ''),
    defaultVersion: GRAPH_VERSION,
    middleware: chain[0]!,
    // The auth handler only attaches tokens to Graph's own hosts unless told of others (the emulator).
    customHosts: new Set([base.hostname]),
  });
}

/**
 * The versioned root that delta links live under (`https://graph.microsoft.com/v1.0`), which the core's
 * request builders and link checks expect; GRAPH_BASE_URL names the host only.
 */
export function graphApiRoot(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${GRAPH_VERSION}`;
}

/** Graph's error code (e.g. `SyncStateNotFound`) and HTTP status of a failed call, when it was one. */
export function graphFailure(
  err: unknown,
): { status: number; code: string | null; retryAfter: string | null } | null {
  if (!(err instanceof GraphError) || err.statusCode <= 0) return null;
  const headers = err.headers as Headers | undefined;
  return {
    status: err.statusCode,
    code: err.code ?? null,
    retryAfter: headers?.get?.('retry-after') ?? null,
  };
}

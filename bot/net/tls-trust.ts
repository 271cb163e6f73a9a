import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/**
 * Outbound HTTPS that trusts a given CA explicitly (the Microsoft 365 emulator's `ca.pem`) instead of
 * weakening certificate checks, and the system CAs when no CA is given (real Microsoft endpoints).
 * `trustedFetch` is fetch-compatible so the Graph client and our own code use it unchanged.
 */

export class TrustedCaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustedCaError';
  }
}

/** Reads and checks a PEM CA certificate; the message says what to do when it is missing or broken. */
export function loadTrustedCa(path: string): string {
  if (!existsSync(path)) {
    throw new TrustedCaError(
      `CA certificate not found at ${path}. Start the emulator once (npm run emulator) to create it, or set EMULATOR_CA_CERT.`,
    );
  }
  const pem = readFileSync(path, 'utf8');
  try {
    const cert = new X509Certificate(pem);
    if (!cert.ca) throw new TrustedCaError(`${path} is a certificate but not a CA certificate`);
  } catch (err) {
    if (err instanceof TrustedCaError) throw err;
    throw new TrustedCaError(`${path} is not a PEM certificate: ${(err as Error).message}`);
  }
  return pem;
}

/** With a CA: trusts only that CA. Without: Node's bundled root CAs, as for any public HTTPS host. */
export function createTrustedAgent(caPem?: string): https.Agent {
  return new https.Agent({ keepAlive: true, ...(caPem ? { ca: caPem } : {}) });
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);
const MAX_REDIRECTS = 20;

export function trustedFetch(caPem?: string): FetchLike {
  const agent = createTrustedAgent(caPem);
  const plainAgent = new http.Agent({ keepAlive: true });
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    let url = new URL(request ? request.url : input.toString());
    let method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers ?? request?.headers);
    let body = await toBuffer(
      init.body !== undefined ? init.body : request?.body ? await request.arrayBuffer() : null,
    );
    if (body && !headers.has('content-type')) {
      if (init.body instanceof URLSearchParams)
        headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
      else if (typeof init.body === 'string') headers.set('content-type', 'text/plain;charset=UTF-8');
    }
    const redirectMode = init.redirect ?? request?.redirect ?? 'follow';
    const signal = init.signal ?? request?.signal ?? undefined;
    for (let hops = 0; ; hops++) {
      const res = await send(
        url,
        method,
        headers,
        body,
        url.protocol === 'https:' ? agent : plainAgent,
        signal,
      );
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || !location || redirectMode === 'manual') {
        return toResponse(res, method, url, hops > 0);
      }
      res.resume();
      if (redirectMode === 'error') throw new TypeError(`fetch failed: redirect to ${location} not allowed`);
      if (hops >= MAX_REDIRECTS) throw new TypeError('fetch failed: too many redirects');
      const next = new URL(location, url);
      if (
        res.statusCode === 303 ||
        ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      // Credentials never follow a redirect to another origin.
      if (next.origin !== url.origin) headers.delete('authorization');
      url = next;
    }
  };
}

function send(
  url: URL,
  method: string,
  headers: Headers,
  body: Buffer | undefined,
  agent: http.Agent,
  signal: AbortSignal | undefined,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const outgoing: Record<string, string> = {};
    headers.forEach((v, k) => (outgoing[k] = v));
    if (body) outgoing['content-length'] = String(body.length);
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, { method, headers: outgoing, agent });
    const onAbort = () => req.destroy(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      res.on('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(res);
    });
    req.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err.name === 'AbortError' ? err : new TypeError(`fetch failed: ${err.message}`, { cause: err }));
    });
    req.end(body);
  });
}

function toResponse(res: http.IncomingMessage, method: string, url: URL, redirected: boolean): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const status = res.statusCode ?? 500;
  const noBody = NULL_BODY.has(status) || method === 'HEAD';
  if (noBody) res.resume();
  const response = new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
    status,
    statusText: res.statusMessage,
    headers,
  });
  // A constructed Response has no url; fetch users (and the Graph client) read it.
  Object.defineProperty(response, 'url', { value: url.toString() });
  Object.defineProperty(response, 'redirected', { value: redirected });
  return response;
}

async function toBuffer(body: BodyInit | null | undefined): Promise<Buffer | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer());
  if (body instanceof ReadableStream) return Buffer.from(await new Response(body).arrayBuffer());
  throw new TypeError('trustedFetch: unsupported request body type');
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

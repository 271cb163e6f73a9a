import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The emulator's tiny HTTP layer. It is deliberately plain node:http(s) so that status codes, headers
 * and bodies are exactly what the handlers say, as Microsoft's endpoints would send them.
 */
export interface EmuRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Path parameters from the route pattern, e.g. `{tenant}`. */
  params: Record<string, string>;
  /** The peer's address, so loopback-only endpoints can refuse anyone else. */
  remoteAddress?: string;
  delivery: Delivery;
}

/** A moment in the server's life: the wall clock, and its place in the order of events (event-order.ts). */
export interface ServerMoment {
  at: number;
  event: number;
}

/**
 * When the server read the request, and when it wrote its answer to the connection (null when the
 * connection closed first). The answer's `at` is the write; its `event` comes once a client could have
 * read it, so only requests read after that event can have been sent with the answer in hand.
 */
export interface Delivery {
  received: ServerMoment;
  written: Promise<ServerMoment | null>;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | object;
}

export type Handler = (req: EmuRequest) => Promise<EmuResponse> | EmuResponse;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  /** `path` uses `{name}` for one segment and `{name+}` for the rest of the path. */
  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        const m = /^\{(\w+)(\+?)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(m[1]!);
        return m[2] ? '(.+)' : '([^/]+)';
      })
      .join('/');
    this.routes.push({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${source}$`, 'i'),
      names,
      handler,
    });
    return this;
  }

  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method.toUpperCase() && r.method !== '*') continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
      return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }

  /** The methods routed for a path, for "method not allowed" answers. */
  allowedMethods(pathname: string): string[] {
    return [...new Set(this.routes.filter((r) => r.pattern.test(pathname)).map((r) => r.method))];
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

export function redirect(location: string): EmuResponse {
  return { status: 302, headers: { location } };
}

/** Graph's error body: `{"error":{"code","message","innerError"}}`. */
export function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): EmuResponse {
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': crypto.randomUUID(),
        },
      },
    },
    headers,
  );
}

export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, r: EmuResponse): void {
  const body =
    r.body === undefined
      ? undefined
      : typeof r.body === 'string' || Buffer.isBuffer(r.body)
        ? r.body
        : JSON.stringify(r.body);
  const headers = { ...(r.headers ?? {}) };
  if (
    r.body !== undefined &&
    typeof r.body === 'object' &&
    !Buffer.isBuffer(r.body) &&
    !headers['content-type']
  ) {
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

export function parseForm(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

export function parseJson<T = unknown>(body: Buffer): T | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

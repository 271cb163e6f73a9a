import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorContext } from '../context.js';
import type { DirectoryUser } from '../directory.js';
import { graphError, Router, type Delivery, type EmuResponse } from '../http.js';
import { authenticate } from './auth.js';
import type { GraphHandler, GraphRequest, SubRequest } from './graph-request.js';
import { parsePrefer } from './prefer.js';
import { isUser, resolvePrincipal } from './principal.js';
import { graphRuntime, type GraphRuntime } from './runtime.js';

/**
 * Every Graph request, top-level or inside $batch, goes through here: token check, /me or /users/{id}
 * resolution, then (for mailbox resources) the mailbox's throttle, injected faults, the latency model, the
 * handler, and the request log.
 */
export interface PipelineInput {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** A $batch's sub-requests share the batch's: they reach Graph, and their answers the client, with it. */
  delivery: Delivery;
}

export class GraphPipeline {
  private readonly userRoutes = new Router();
  private readonly rootRoutes = new Router();
  readonly runtime: GraphRuntime;

  constructor(private readonly ctx: EmulatorContext) {
    this.runtime = graphRuntime(ctx);
  }

  /** A route under /me or /users/{id}; `path` is what follows, '/' for the user itself. */
  user(method: string, path: string, handler: GraphHandler): this {
    this.userRoutes.on(method, path, (req) => handler(req as GraphRequest));
    return this;
  }

  /** A route that names no user, such as /subscriptions. */
  root(method: string, path: string, handler: GraphHandler): this {
    this.rootRoutes.on(method, path, (req) => handler(req as GraphRequest));
    return this;
  }

  async dispatch(input: PipelineInput): Promise<EmuResponse> {
    const graphPath = input.url.pathname.replace(/^\/v1\.0/i, '').replace(/\/+$/, '') || '/';
    const segments = normalise(graphPath).split('/').filter(Boolean);
    const caller = await authenticate(input.headers['authorization'], this.ctx.keys);
    if (!('tenantId' in caller)) return caller;

    let user: DirectoryUser | undefined;
    let rest: string[] = segments;
    const principal = segments[0]?.toLowerCase();
    if (principal === 'me' || principal === 'users') {
      const named = principal === 'me' ? undefined : segments[1];
      rest = segments.slice(principal === 'me' ? 1 : 2);
      if (principal === 'users' && named === undefined) {
        return graphError(400, 'BadRequest', 'Listing users is not supported by the emulator.');
      }
      const resolved = resolvePrincipal(this.ctx, caller, named, rest.length > 0);
      if (!isUser(resolved)) return resolved;
      user = resolved;
    }
    const routes = user ? this.userRoutes : this.rootRoutes;
    const path = `/${rest.join('/')}`;
    const match = routes.match(input.method, path);
    if (match === undefined) {
      return graphError(400, 'BadRequest', `Resource not found for the segment '${rest.at(-1) ?? ''}'.`);
    }
    if (match === 'method') {
      return graphError(
        405,
        'Request_BadRequest',
        `The ${input.method} method is not allowed for ${graphPath}.`,
      );
    }
    const req: GraphRequest = {
      method: input.method.toUpperCase(),
      url: input.url,
      headers: input.headers,
      body: input.body,
      delivery: input.delivery,
      params: match.params,
      ctx: this.ctx,
      runtime: this.runtime,
      caller,
      prefs: parsePrefer(input.headers['prefer']),
      ...(user ? { user } : {}),
      graphPath,
      dispatch: (sub) => this.dispatchSub(sub, input.delivery),
    };
    if (!user || rest.length === 0) return run(match.handler, req);
    return this.throttled(user.id, req, match.handler);
  }

  private async throttled(
    userId: string,
    req: GraphRequest,
    handler: (r: GraphRequest) => Promise<EmuResponse> | EmuResponse,
  ): Promise<EmuResponse> {
    const { throttle, faults, latency } = this.runtime;
    const started = Date.now();
    const { beforeRetryAfter, msAfterRetryAfterWritten } = throttle.arrive(
      userId,
      req.caller.appId,
      req.delivery.received,
    );
    const finish = (response: EmuResponse): EmuResponse => {
      throttle.record(
        userId,
        {
          time: new Date(started).toISOString(),
          method: req.method,
          path: req.graphPath,
          status: response.status,
          appId: req.caller.appId,
          durationMs: Date.now() - started,
          beforeRetryAfter,
          ...(msAfterRetryAfterWritten === undefined ? {} : { msAfterRetryAfterWritten }),
        },
        response,
        req.delivery.written,
      );
      return response;
    };
    const admission = throttle.admit(userId);
    if (!admission.admitted) return finish(admission.response);
    try {
      const settings = faults.get(userId);
      const requestDelay = settings.latencyMs + latency.requestDelayMs();
      if (requestDelay > 0) await delay(requestDelay);
      const failure = faults.failure(userId);
      if (failure) return finish(failure);
      const response = await run(handler, req);
      const items = req.itemCount ?? 0;
      const itemDelay = settings.perItemLatencyMs * items + latency.itemDelayMs(items);
      if (itemDelay > 0) await delay(itemDelay);
      return finish(response);
    } finally {
      admission.release();
    }
  }

  private dispatchSub(sub: SubRequest, delivery: Delivery): Promise<EmuResponse> {
    const relative = sub.url.startsWith('/') ? sub.url : `/${sub.url}`;
    return this.dispatch({
      method: sub.method,
      url: new URL(`/v1.0${relative}`, this.ctx.origin),
      headers: Object.fromEntries(Object.entries(sub.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: sub.body,
      delivery,
    });
  }
}

/** `mailFolders('Inbox')` and `mailFolders/Inbox` name the same thing. */
function normalise(path: string): string {
  return path.replace(/\('([^']*)'\)/g, '/$1').replace(/\(([^)']*)\)/g, '/$1');
}

async function run(
  handler: (r: GraphRequest) => Promise<EmuResponse> | EmuResponse,
  req: GraphRequest,
): Promise<EmuResponse> {
  try {
    return await handler(req);
  } catch (err) {
    return graphError(500, 'generalException', `The emulator failed: ${(err as Error).message}`);
  }
}

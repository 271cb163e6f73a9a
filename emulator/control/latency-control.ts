import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import { json, type Router } from '../http.js';
import { GRAPH_LIKE_LATENCY, latencyModelSchema } from '../graph/latency.js';
import { graphRuntime } from '../graph/runtime.js';
import { controlRoute, parseBody } from './control-route.js';

/**
 * `/_emulator/latency`: the emulator-wide Graph latency model (graph/latency.ts). `PUT` takes either
 * a model or `{"preset":"graph"}`; `DELETE` turns it off.
 */
const putBody = z.union([z.object({ preset: z.literal('graph') }).strict(), latencyModelSchema]);

export function registerLatencyControlRoutes(router: Router, ctx: EmulatorContext): void {
  const latency = () => graphRuntime(ctx).latency;
  router
    .on(
      'GET',
      '/_emulator/latency',
      controlRoute(() => json(200, latency().get())),
    )
    .on(
      'PUT',
      '/_emulator/latency',
      controlRoute((req) => {
        const body = parseBody(putBody, req);
        latency().set('preset' in body ? GRAPH_LIKE_LATENCY : body);
        return json(200, latency().get());
      }),
    )
    .on(
      'DELETE',
      '/_emulator/latency',
      controlRoute(() => {
        latency().reset();
        return { status: 204 };
      }),
    );
}

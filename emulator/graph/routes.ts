import type { EmulatorContext } from '../context.js';
import type { Router } from '../http.js';
import { GraphPipeline } from './pipeline.js';
import { registerBatchRoutes } from './routes-batch.js';
import { registerCalendarRoutes } from './routes-calendar.js';
import { registerEventWriteRoutes } from './routes-event-writes.js';
import { registerMailRoutes } from './routes-mail.js';
import { registerSubscriptionRoutes } from './routes-subscriptions.js';
import { registerUserRoutes } from './routes-users.js';

/** Mounts Microsoft Graph (/v1.0/...) on the emulator's router. README.md lists the endpoints. */
export function registerGraphRoutes(router: Router, ctx: EmulatorContext): GraphPipeline {
  const pipeline = new GraphPipeline(ctx);
  registerUserRoutes(pipeline);
  registerMailRoutes(pipeline);
  registerCalendarRoutes(pipeline);
  registerEventWriteRoutes(pipeline);
  registerSubscriptionRoutes(pipeline);
  registerBatchRoutes(pipeline);
  router.on('*', '/v1.0/{path+}', (req) =>
    pipeline.dispatch({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: req.body,
      delivery: req.delivery,
    }),
  );
  return pipeline;
}

import restify, { type Server } from 'restify';
import type { Logger } from '../logging/logger.js';
import { runHealthChecks, type HealthCheck } from './health.js';

export interface HttpServerOptions {
  logger: Logger;
  healthChecks: HealthCheck[];
}

export interface HttpServer {
  server: Server;
  /** Requests accepted and not yet answered; graceful shutdown waits for this to reach 0. */
  inFlight(): number;
  listen(port: number, host?: string): Promise<number>;
}

/** The restify shell every HTTP surface (bot, auth, tab API, notifications) is mounted on. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const server = restify.createServer({ name: 'cloud-sync', handleUncaughtExceptions: false });
  let inFlight = 0;

  server.pre((req, res, next) => {
    inFlight += 1;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight -= 1;
      }
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.get('/healthz', async (_req, res) => {
    const report = await runHealthChecks(options.healthChecks);
    res.json(report.status === 'ok' ? 200 : 503, report);
  });

  server.on('restifyError', (req, _res, err, cb) => {
    // Path only: query strings can carry codes and tokens.
    options.logger.warn({ path: req.getPath(), status: err.statusCode, err: err.message }, 'request failed');
    cb();
  });

  return {
    server,
    inFlight: () => inFlight,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
  };
}

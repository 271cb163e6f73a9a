import restify, { type Server } from 'restify';
import type { Logger } from '../logging/logger.js';
import { runHealthChecks, type HealthCheck } from './healthz.js';

export interface HttpServerOptions {
  logger: Logger;
  healthChecks: HealthCheck[];
  /** Strict-Transport-Security on every answer: set when the public address is https. */
  hsts?: boolean;
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
    if (options.hsts) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
    next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));

  server.get('/healthz', async (_req, res) => {
    const report = await runHealthChecks(options.healthChecks);
    // Anyone may ask: which dependency fails is shown, why only in the log.
    const failing = Object.entries(report.checks).filter(([, c]) => !c.ok);
    if (failing.length) {
      options.logger.warn(
        { checks: Object.fromEntries(failing.map(([name, c]) => [name, c.error])) },
        'health check failing',
      );
    }
    const checks = Object.fromEntries(
      Object.entries(report.checks).map(([name, c]) => [name, { ok: c.ok, ms: c.ms }]),
    );
    res.json(report.status === 'ok' ? 200 : 503, { ...report, checks });
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

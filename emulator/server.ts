import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { EmulatorContext } from './context.js';
import { registerDirectoryControlRoutes } from './control/directory-control.js';
import { registerLatencyControlRoutes } from './control/latency-control.js';
import { registerMailboxControlRoutes } from './control/mailbox-control.js';
import { registerTokenControlRoutes } from './control/token-control.js';
import { Directory } from './directory.js';
import { aadsts, entraErrorResponse, newTrace } from './entra/errors.js';
import { registerBotFrameworkRoutes } from './botframework/routes.js';
import { registerEntraRoutes } from './entra/routes.js';
import {
  startManagedIdentityEndpoint,
  type AssignedIdentities,
  type ManagedIdentityEndpoint,
} from './app-service/managed-identity.js';
import { MailboxStore } from './graph/mailbox-store.js';
import { registerGraphRoutes } from './graph/routes.js';
import { graphRuntime } from './graph/runtime.js';
import {
  graphError,
  readBody,
  Router,
  send,
  type Delivery,
  type EmuResponse,
  type ServerMoment,
} from './http.js';
import { afterClientCouldRead, nextEvent } from './event-order.js';
import { SigningKeys } from './keys.js';
import { loadSeedFolder } from './seed-loader.js';
import { ensureTlsMaterial } from './tls.js';

/**
 * The Microsoft 365 emulator: Entra ID and Microsoft Graph on one HTTPS origin, as `login.microsoftonline.com`
 * and `graph.microsoft.com` would answer, plus its control API under `/_emulator/`.
 */
export interface StartEmulatorOptions {
  /** 0 picks a free port (tests). */
  port: number;
  dataDir: string;
  /** A scenario folder with `directory.json` (and optionally `mailboxes.json`); empty directory without. */
  seedDir?: string;
  /** Loopback by default: the emulator is for this machine only. */
  host?: string;
  logger?: Logger;
  /**
   * Redirect URIs added to an app of the seed after every seed load (start, reset, seed), as an
   * administrator adds them in the app registration: `npm start` adds those of `PUBLIC_URL`.
   */
  redirectUris?: { appId: string; uris: string[] };
  /**
   * Managed identities of an emulated App Service app: when given, App Service's local token service
   * listens too (plain HTTP on loopback, as App Service's does) and `managedIdentity` says where.
   */
  appServiceIdentities?: AssignedIdentities;
}

export interface RunningEmulator {
  origin: string;
  ctx: EmulatorContext;
  caPem: string;
  caPath: string;
  managedIdentity?: ManagedIdentityEndpoint;
  close(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions): Promise<RunningEmulator> {
  const tls = ensureTlsMaterial(options.dataDir);
  const directory = new Directory();
  const now = () => directory.clock.now();
  const ctx: EmulatorContext = {
    origin: '',
    keys: await SigningKeys.create(now),
    directory,
    mailboxes: new MailboxStore(now),
    dataDir: options.dataDir,
  };
  const addRedirectUris = () => {
    const r = options.redirectUris;
    if (r && directory.getApplication(r.appId)) directory.addRedirectUris(r.appId, r.uris);
  };
  if (options.seedDir) loadSeedFolder(ctx, options.seedDir);
  addRedirectUris();

  const router = new Router();
  // Before Entra: its `/{tenant}/oauth2/v2.0/token` would also match the Bot Framework token path.
  await registerBotFrameworkRoutes(router, ctx);
  const browserState = registerEntraRoutes(router, ctx);
  registerGraphRoutes(router, ctx);
  registerDirectoryControlRoutes(router, ctx, {
    seedDir: options.seedDir,
    onReset: () => {
      browserState.sessions.clear();
      addRedirectUris();
    },
  });
  registerTokenControlRoutes(router, ctx);
  registerMailboxControlRoutes(router, ctx);
  registerLatencyControlRoutes(router, ctx);

  const log = options.logger;
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const started = process.hrtime.bigint();
    let written!: (moment: ServerMoment | null) => void;
    const delivery: Delivery = {
      received: { at: Date.now(), event: nextEvent() },
      written: new Promise((resolve) => (written = resolve)),
    };
    res.once('close', () => {
      if (!res.headersSent) written(null);
    });
    const url = new URL(req.url ?? '/', 'https://localhost');
    const method = req.method ?? 'GET';
    // Only method, path and status: query strings and bodies carry codes, tokens and passwords.
    res.on('finish', () =>
      log?.info(
        {
          method,
          path: url.pathname,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'emulator request',
      ),
    );
    void (async () => {
      let response: EmuResponse;
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch {
        send(res, {
          status: 413,
          headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
          body: 'Request body too large.',
        });
        return;
      }
      try {
        const matched = router.match(method, url.pathname);
        if (matched === undefined || matched === 'method') {
          response = notRouted(
            ctx,
            url.pathname,
            method,
            matched === 'method' ? router.allowedMethods(url.pathname) : [],
          );
        } else {
          response = await matched.handler({
            method,
            url,
            headers: req.headers,
            body,
            params: matched.params,
            remoteAddress: req.socket.remoteAddress,
            delivery,
          });
        }
      } catch (err) {
        log?.error(
          { method, path: url.pathname, err: { name: (err as Error).name, message: (err as Error).message } },
          'emulator handler failed',
        );
        response = failed(ctx, url.pathname);
      }
      if (!res.headersSent) {
        send(res, response);
        // Timed as the answer is handed to the socket ('finish' comes later when the loop is busy).
        const at = Date.now();
        if (res.destroyed) written(null);
        else void afterClientCouldRead().then((event) => written({ at, event }));
      }
    })();
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.origin = `https://localhost:${port}`;
  const managedIdentity = options.appServiceIdentities
    ? await startManagedIdentityEndpoint(ctx, options.appServiceIdentities)
    : undefined;

  return {
    origin: ctx.origin,
    ctx,
    caPem: tls.caPem,
    caPath: tls.caPath,
    managedIdentity,
    close: async () => {
      await managedIdentity?.close();
      await new Promise<void>((resolve, reject) => {
        graphRuntime(ctx).subscriptions.stop();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function isGraphPath(pathname: string): boolean {
  return /^\/(v1\.0|beta)(\/|$)/i.test(pathname);
}

function notRouted(ctx: EmulatorContext, pathname: string, method: string, allowed: string[]): EmuResponse {
  const pathKnown = allowed.length > 0;
  if (isGraphPath(pathname)) {
    return pathKnown
      ? graphError(405, 'Request_BadRequest', `The HTTP method '${method}' is not allowed for '${pathname}'.`)
      : graphError(
          404,
          'ResourceNotFound',
          `Resource not found for the segment '${pathname.split('/').pop()}'.`,
        );
  }
  const err = pathKnown ? aadsts.methodNotAllowed(allowed, method) : aadsts.invalidPath(pathname);
  return entraErrorResponse(err, ctx.origin, newTrace(undefined, ctx.directory.clock.now()));
}

function failed(ctx: EmulatorContext, pathname: string): EmuResponse {
  if (isGraphPath(pathname))
    return graphError(500, 'InternalServerError', 'The emulator failed to handle the request.');
  return {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: { error: 'server_error', error_description: 'The emulator failed to handle the request.' },
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { composeServer, type RunningServer } from '../../bot/app/compose-server.js';
import { parseConfig } from '../../bot/config/config.js';
import { importCrm } from '../../bot/crm/import.js';
import { createLogger } from '../../bot/logging/logger.js';
import { REPO_ROOT, startTestEmulator, type TestEmulator } from '../support/emulator.js';
import { DEMO } from '../support/emulator-msal.js';
import { startPlayground, type Playground } from '../support/playground.js';
import { writeConfigForPerson } from '../../scripts/playground-config.js';
import { launchChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';

/**
 * What `npm start` runs, for end-to-end tests: the Microsoft 365 emulator, the whole server as
 * composeServer builds it (SQLite in a temp dir, the demo CRM imported through the CRM import module)
 * on a random port, serving the tab (built from the sources) under /tab/, Agents Playgrounds for chosen
 * demo people, and a headless Chromium (Debian's) whose contexts trust nothing they should not except
 * the emulator's certificate.
 */

export const E2E_OUTPUT = path.join(REPO_ROOT, '.test-output/e2e');

export interface E2eStack {
  emulator: TestEmulator;
  server: RunningServer;
  baseUrl: string;
  browser: Browser;
  /** Starts a playground whose current user is `upn`, from that person's tenant file. */
  playgroundFor(tenantFile: string, upn: string): Promise<Playground>;
  /** A browser context for one person's playground and the pages it opens (sign-in popups). */
  newContext(): Promise<BrowserContext>;
  /** What the server logged (JSON lines), for failure messages. */
  serverLog(): string;
  close(): Promise<void>;
}

export async function startE2eStack(): Promise<E2eStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const emulator = await startTestEmulator();
    cleanups.push(() => emulator.close());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const caPath = path.join(dir, 'ca.pem');
    await writeFile(caPath, emulator.caPem);

    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    // Like adding this server's redirect URIs to the app registration: its port is random.
    const app = emulator.ctx.directory.getApplication(DEMO.clientId);
    if (!app) throw new Error('the demo app registration is missing from the emulator seed');
    app.redirectUris.push(
      `${baseUrl}/auth/callback`,
      `${baseUrl}/auth/admin-consent/callback`,
      `${baseUrl}/tab/auth-end.html`,
    );

    // The tab the server serves under /tab/, built from the current sources as `npm run build:tab` does.
    const tabDistDir = path.join(dir, 'tab');
    await build({
      configFile: path.join(REPO_ROOT, 'tab/vite.config.ts'),
      logLevel: 'error',
      build: { outDir: tabDistDir, emptyOutDir: true, sourcemap: false },
    });

    const logLines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'));
        if (logLines.length > 2000) logLines.splice(0, logLines.length - 2000);
        done();
      },
    });
    const config = parseConfig({
      USE_EMULATOR: 'true',
      M365_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      EMULATOR_CA_CERT: caPath,
      DATA_DIR: dir,
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      // Subscriptions would need the emulator to reach us; polling is enough here.
      GRAPH_NOTIFICATIONS: 'false',
    });
    const logger = createLogger({ level: 'info', destination });
    const server = await composeServer(config, logger, [], { tabDistDir });
    cleanups.push(() => server.shutdown());
    const report = await importCrm(
      server.store,
      await readFile(path.join(REPO_ROOT, 'bot/crm/demo-crm.json'), 'utf8'),
      { format: 'json', actor: 'e2e' },
    );
    if (report.rejected.length) throw new Error(`demo CRM rows rejected: ${JSON.stringify(report.rejected)}`);

    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    const endpoint = `${baseUrl}/api/messages`;
    return {
      emulator,
      server,
      baseUrl,
      browser,
      async playgroundFor(tenantFile, upn) {
        const configFile = writeConfigForPerson(tenantFile, upn, path.join(dir, 'playground'));
        const pg = await startPlayground({ botEndpoint: endpoint, configFile });
        cleanups.push(() => pg.close());
        return pg;
      },
      async newContext() {
        // The emulator's sign-in pages are HTTPS under our own CA: trusted in this test browser only.
        const context = await browser.newContext({
          ignoreHTTPSErrors: true,
          viewport: { width: 1300, height: 1000 },
        });
        cleanups.push(() => context.close());
        return context;
      },
      serverLog: () => logLines.join('').slice(-6000),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

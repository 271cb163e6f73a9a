import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mountBot, type MountedBot } from '../../../bot/app/mount-bot.js';
import { parseConfig, type Config } from '../../../bot/config/config.js';
import { createLogger } from '../../../bot/logging/logger.js';
import { createHttpServer, type HttpServer } from '../../../bot/server/http-server.js';
import type { Store } from '../../../bot/store/store.js';
import { createTokenCipher } from '../../../bot/vault/token-cipher.js';
import { importDemoCrm } from '../../tab-api/fixtures/seed.js';
import {
  answerToApp,
  EmulatorBrowser,
  isFormPostAnswer,
  type BrowserStep,
} from '../../support/emulator-browser.js';
import { DEMO } from '../../support/emulator-msal.js';
import { emulatorControl, registerTestBot } from '../../support/emulator-bot.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';
import { openTestStore } from '../../support/postgres.js';
import {
  cardOf,
  startChannelRecorder,
  type ChannelRecorder,
  type RecordedActivity,
} from './channel-recorder.js';

/**
 * The bot for real, end to end on loopback: the Microsoft 365 emulator (Entra, Graph and the Bot
 * Framework channel keys), a migrated store with the demo CRM, our restify server with mountBot, and
 * the test's own channel service receiving the bot's replies. Every POST /api/messages carries a channel
 * token minted by the emulator and checked by the bot's real validation.
 */

export interface DemoPerson {
  key: string;
  /** The e-mail on the Teams profile when it differs from the sign-in name (Carol's shows her CRM address). */
  teamsEmail?: string;
  name: string;
  aadObjectId: string;
  email: string;
  tenantId: string;
  password: string;
}

export const PEOPLE = {
  alice: {
    key: 'alice',
    name: 'Alice Smith',
    aadObjectId: DEMO.alice.id,
    email: DEMO.alice.username,
    tenantId: DEMO.contoso,
    password: 'demo',
  },
  ben: {
    key: 'ben',
    name: 'Ben Jones',
    aadObjectId: 'a1000000-0000-4000-8000-000000000002',
    email: 'ben.jones@contoso.com',
    tenantId: DEMO.contoso,
    password: 'demo',
  },
  carol: {
    key: 'carol',
    teamsEmail: 'cwhite@contoso-recruitment.com',
    name: 'Carol White',
    aadObjectId: 'a1000000-0000-4000-8000-000000000003',
    email: 'carol.white@contoso.com',
    tenantId: DEMO.contoso,
    password: 'demo',
  },
  dan: {
    key: 'dan',
    name: 'Dan Morgan',
    aadObjectId: DEMO.dan.id,
    email: DEMO.dan.username,
    tenantId: DEMO.contoso,
    password: 'demo',
  },
  erin: {
    key: 'erin',
    name: 'Erin Lee',
    aadObjectId: DEMO.erin.id,
    email: DEMO.erin.username,
    tenantId: DEMO.fabrikam,
    password: 'demo',
  },
  frank: {
    key: 'frank',
    name: 'Frank Ortiz',
    aadObjectId: DEMO.frank.id,
    email: DEMO.frank.username,
    tenantId: DEMO.fabrikam,
    password: 'demo',
  },
} satisfies Record<string, DemoPerson>;

export type Conversation = { id: string; type: 'personal' | 'channel' };
export const personalChat = (p: DemoPerson): Conversation => ({
  id: `a:personal-${p.key}`,
  type: 'personal',
});
export const itChannel = (tenantId: string): Conversation => ({
  id: `19:it-${tenantId}@thread.tacv2`,
  type: 'channel',
});

export interface InvokeAnswer {
  status: number;
  card?: Record<string, unknown>;
  body: unknown;
}

export interface BotStack {
  baseUrl: string;
  /** The bot's HTTP server, for tests of its shutdown. */
  http: HttpServer;
  emu: TestEmulator;
  store: Store;
  config: Config;
  bot: MountedBot;
  channel: ChannelRecorder;
  botId: string;
  syncRequests: string[];
  channelToken(options?: { appId?: string; serviceUrl?: string; lifetimeSeconds?: number }): Promise<string>;
  post(
    activity: Record<string, unknown>,
    authorization?: string | null,
  ): Promise<{ status: number; body: unknown }>;
  /** An activity from `person` as Teams would send it, with `fields` (type, text...) on top. */
  activity(
    person: DemoPerson,
    fields: Record<string, unknown>,
    conversation?: Conversation,
  ): Record<string, unknown>;
  say(person: DemoPerson, text: string, conversation?: Conversation): Promise<number>;
  invoke(
    person: DemoPerson,
    action: { verb: string; data?: unknown },
    conversation?: Conversation,
  ): Promise<InvokeAnswer>;
  /** Cards sent to a conversation so far (new posts only). */
  cardsIn(conversation: Conversation): Record<string, unknown>[];
  activitiesIn(conversation: Conversation): RecordedActivity[];
  /** Follows a sign-in card's button through /auth/start, the emulator's pages and back. */
  signInFromCard(
    card: Record<string, unknown>,
    person: { username: string; password: string },
    answer?: (browser: EmulatorBrowser, step: BrowserStep) => Promise<BrowserStep>,
  ): Promise<{ status: number; html: string }>;
  close(): Promise<void>;
}

export async function startBotStack(
  options: {
    dialect?: 'sqlite' | 'postgres';
    /** No BOT_ID: the Agents Playground's mode. */ unauthenticated?: boolean;
    /**
     * An organisation's own single-tenant app registered in this tenant (README, "Who hosts the Entra
     * app"), instead of the seed's multi-tenant demo app.
     */
    singleTenantApp?: { tenantId: string };
    /** Configuration on top of the stack's own (e.g. who is listed as an IT administrator). */
    env?: Record<string, string>;
  } = {},
): Promise<BotStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const emu = await startTestEmulator();
    cleanups.push(() => emu.close());
    const control = emulatorControl(emu);
    const { botId, botPassword } = await registerTestBot(control);

    const db = await openTestStore(options.dialect ?? 'sqlite');
    cleanups.push(() => db.dispose());
    await db.store.migrate();
    await importDemoCrm(db.store);

    const channel = await startChannelRecorder();
    cleanups.push(() => channel.close());
    for (const p of Object.values(PEOPLE) as DemoPerson[]) {
      channel.roster.set(`29:${p.key}`, {
        id: `29:${p.key}`,
        name: p.name,
        aadObjectId: p.aadObjectId,
        email: p.teamsEmail ?? p.email,
        userPrincipalName: p.email,
      });
    }

    const logger = createLogger({ level: 'silent' });
    const http = createHttpServer({ logger, healthChecks: [] });
    const port = await http.listen(0, '127.0.0.1');
    cleanups.push(() => new Promise<void>((resolve) => http.server.close(() => resolve())));
    const baseUrl = `http://localhost:${port}`;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bot-stack-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const key = randomBytes(32).toString('base64');
    const ownApp = options.singleTenantApp
      ? { appId: randomUUID(), secret: randomBytes(16).toString('hex'), ...options.singleTenantApp }
      : undefined;
    if (ownApp) {
      // What `teamsapp provision` does with AAD_APP_SIGN_IN_AUDIENCE=AzureADMyOrg.
      await control('/_emulator/applications', {
        appId: ownApp.appId,
        displayName: 'Cloud Sync for Teams (own tenant)',
        homeTenantId: ownApp.tenantId,
        signInAudience: 'AzureADMyOrg',
        clientSecrets: [ownApp.secret],
        redirectUris: [`${baseUrl}/auth/callback`, `${baseUrl}/auth/admin-consent/callback`],
        requiredGraphScopes: ['User.Read', 'Mail.Read', 'Mail.Send', 'Calendars.ReadWrite'],
      });
    }
    const config = parseConfig({
      NODE_ENV: 'test',
      ...(ownApp
        ? {
            AAD_APP_CLIENT_ID: ownApp.appId,
            AAD_APP_CLIENT_SECRET: ownApp.secret,
            AAD_APP_SIGN_IN_AUDIENCE: 'AzureADMyOrg',
            M365_TENANT_ID: ownApp.tenantId,
          }
        : {}),
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      M365_AUTHORITY_HOST: emu.origin,
      GRAPH_BASE_URL: emu.origin,
      TOKEN_ENCRYPTION_KEY: key,
      ...(options.unauthenticated ? {} : { BOT_ID: botId, BOT_PASSWORD: botPassword }),
      BOT_OPENID_METADATA_URL: `${emu.origin}/botframework/v1/.well-known/openidconfiguration`,
      BOT_LOGIN_URL: `${emu.origin}/botframework.com`,
      ...options.env,
    });
    // Like registering the redirect URIs in the app registration: this server's port is random.
    const app = emu.ctx.directory.getApplication(DEMO.clientId)!;
    app.redirectUris.push(`${baseUrl}/auth/callback`, `${baseUrl}/auth/admin-consent/callback`);

    const syncRequests: string[] = [];
    const bot = mountBot(http.server, {
      config,
      store: db.store,
      logger,
      cipher: createTokenCipher(key, []),
      caPem: emu.caPem,
      requestSync: (id) => syncRequests.push(id),
    });
    cleanups.push(async () => {
      for (const step of bot.shutdownSteps) await step.run();
    });

    const channelToken: BotStack['channelToken'] = async (o = {}) =>
      String(
        (
          await control('/_emulator/botframework/channel-token', {
            appId: o.appId ?? botId,
            serviceUrl: o.serviceUrl ?? channel.url,
            ...(o.lifetimeSeconds !== undefined ? { lifetimeSeconds: o.lifetimeSeconds } : {}),
          })
        ).token,
      );

    const post: BotStack['post'] = async (activity, authorization) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const auth =
        authorization === undefined
          ? options.unauthenticated
            ? null
            : `Bearer ${await channelToken()}`
          : authorization;
      if (auth !== null) headers.authorization = auth;
      const res = await fetch(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* plain text */
      }
      return { status: res.status, body };
    };

    const base = (p: DemoPerson, conversation: Conversation) => ({
      id: randomUUID(),
      channelId: 'msteams',
      serviceUrl: channel.url,
      timestamp: new Date().toISOString(),
      from: { id: `29:${p.key}`, name: p.name, aadObjectId: p.aadObjectId },
      recipient: { id: `28:${botId}`, name: 'Cloud Sync' },
      conversation: { id: conversation.id, conversationType: conversation.type, tenantId: p.tenantId },
      channelData: {
        tenant: { id: p.tenantId },
        ...(conversation.type === 'channel'
          ? { team: { id: `team-${p.tenantId}` }, channel: { id: conversation.id } }
          : {}),
      },
    });

    const browser = new EmulatorBrowser(emu.origin, emu.caPem);
    return {
      baseUrl,
      http,
      emu,
      store: db.store,
      config,
      bot,
      channel,
      botId,
      syncRequests,
      channelToken,
      post,
      activity: (p, fields, conversation = personalChat(p)) => ({ ...base(p, conversation), ...fields }),
      async say(p, text, conversation = personalChat(p)) {
        const mention = conversation.type === 'channel' ? '<at>Cloud Sync</at> ' : '';
        return (await post({ ...base(p, conversation), type: 'message', text: `${mention}${text}` })).status;
      },
      async invoke(p, action, conversation = personalChat(p)) {
        const res = await post({
          ...base(p, conversation),
          type: 'invoke',
          name: 'adaptiveCard/action',
          replyToId: randomUUID(),
          value: { action: { type: 'Action.Execute', ...action } },
        });
        const body = res.body as { type?: string; value?: Record<string, unknown> } | undefined;
        return {
          status: res.status,
          body: res.body,
          card: body?.type === 'application/vnd.microsoft.card.adaptive' ? body.value : undefined,
        };
      },
      activitiesIn: (c) => channel.activities.filter((a) => a.conversationId === c.id),
      cardsIn: (c) =>
        channel.activities
          .filter((a) => a.conversationId === c.id && a.method === 'POST')
          .map(cardOf)
          .filter((x): x is Record<string, unknown> => x !== undefined),
      async signInFromCard(card, person, answer) {
        const url = openUrlOf(card, 'Sign in');
        const start = await fetch(url, { redirect: 'manual' });
        const authorize = start.headers.get('location');
        if (start.status !== 302 || !authorize)
          throw new Error(`/auth/start answered ${start.status}: ${await start.text()}`);
        const first = await browser.get(authorize);
        const atApp = (s: BrowserStep) => s.kind === 'redirect' || isFormPostAnswer(s);
        let step = atApp(first) ? first : await browser.signIn(first, person);
        if (answer && !atApp(step)) step = await answer(browser, step);
        const back = answerToApp(step);
        const res = await fetch(back.url, { ...back.init, redirect: 'manual' });
        return { status: res.status, html: await res.text() };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Every action in a card, wherever it sits (card actions, action sets, show-card sub-cards). */
export function actionsOf(card: unknown): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) found.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

/** The verbs of a card's Action.Execute buttons: what is still there to press. */
export function executeVerbs(card: unknown): unknown[] {
  return actionsOf(card)
    .filter((a) => a.type === 'Action.Execute')
    .map((a) => a.verb);
}

export function executeAction(card: unknown, verb: string): { verb: string; data: Record<string, unknown> } {
  const a = actionsOf(card).find((x) => x.type === 'Action.Execute' && x.verb === verb);
  if (!a) throw new Error(`no "${verb}" action on the card: ${JSON.stringify(card).slice(0, 1500)}`);
  return { verb, data: (a.data ?? {}) as Record<string, unknown> };
}

export function openUrlOf(card: unknown, titleContains: string): string {
  const a = actionsOf(card).find(
    (x) => x.type === 'Action.OpenUrl' && String(x.title).includes(titleContains),
  );
  if (!a) throw new Error(`no "${titleContains}" link on the card: ${JSON.stringify(card).slice(0, 1500)}`);
  return String(a.url);
}

export function textOf(card: unknown): string {
  return JSON.stringify(card);
}

/** Polls a condition until it holds or the deadline passes (no fixed sleeps). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

import type { Server } from 'restify';
import { deriveKey } from '../vault/derived-keys.js';
import { registerSignInRoutes } from '../sign-in/sign-in-routes.js';
import { createConsentCheck } from '../sign-in/consent-check.js';
import { CloudSyncBotAuthentication } from '../teams/channel-auth.js';
import { createActivation } from '../enablement/activation.js';
import { createApprovalFlow } from '../enablement/approval-flow.js';
import { createCardFactory } from '../cards/card-factory.js';
import { accountOfUser, crmUserById } from '../crm/crm-directory.js';
import { createEnablementService, type EnablementService } from '../enablement/enablement-service.js';
import { createFirstImportWatch, type FirstImportWatch } from '../enablement/first-import-watch.js';
import { registerMessagesRoute } from '../teams/messages-route.js';
import { createNotifier, type Notifier } from '../teams/notifier.js';
import { createReconnectNotices } from '../enablement/reconnect-notices.js';
import { createIdentityFlow } from '../enablement/identity-flow.js';
import { createVisibilityRequests } from '../enablement/visibility-requests.js';
import { registerIdentitySignIn } from '../sign-in/identity-sign-in.js';
import { createSignInHandlers } from '../sign-in/sign-in-handlers.js';
import { createSubscriptionRemoval } from '../enablement/subscription-removal.js';
import { createCrmEventRemoval } from '../privacy/crm-event-removal.js';
import { createBotAdapter, createTeamsBot } from '../teams/teams-bot.js';
import { createMemberCache } from '../teams/member-lookup.js';
import { userGraph, type UserGraphDeps } from '../enablement/user-graph.js';
import { buildReconnectCard } from '../cards/user-cards.js';
import { signCardRef } from '../cards/card-refs.js';
import type { Config } from '../config/config.js';
import type { Effect } from '../enablement/core/effects.js';
import type { Logger } from '../logging/logger.js';
import { TrustedNetworkClient } from '../net/msal-network-client.js';
import { trustedFetch } from '../net/tls-trust.js';
import type { ShutdownStep } from '../server/graceful-shutdown.js';
import type { Store } from '../store/store.js';
import type { AttentionEvent } from '../sync/account-attention.js';
import type { TokenCipher } from '../vault/token-cipher.js';

/**
 * The bot surface on the shared restify server: POST /api/messages (Teams and the Agents Playground),
 * the browser sign-in and admin-consent routes, and the handlers the rest of the server needs to reach
 * users in chat (worker alerts, the tab's actions).
 */

export interface MountBotDeps {
  config: Config;
  store: Store;
  logger: Logger;
  cipher: TokenCipher;
  /** The emulator's CA when the authority is not publicly trusted. */
  caPem?: string;
  /** Wakes the sync worker for an account that became active (worker.syncNow or worker.requests). */
  requestSync?: (accountId: string) => void;
  /** How often followed first imports are looked at for the chat card (default 1 s). */
  firstImportPollMs?: number;
  /** How often the audit log is read for workers' reconnect_required moves (default 15 s). */
  reconnectPollMs?: number;
  now?: () => Date;
}

export interface MountedBot {
  /** Give to the worker: `attention.on('attention', bot.onAttention)`; the user gets one Reconnect card. */
  onAttention(event: AttentionEvent): Promise<void>;
  /** Give to mountTabSurface as `onEffects`: the tab's steps notify in chat like the bot's own. */
  onEffects(accountId: string, effects: readonly Effect[]): Promise<void>;
  /** Stops the poll for reconnect notices of workers in other processes; run before the store closes. */
  shutdownSteps: ShutdownStep[];
  /** One poll now (tests; the bot also polls every `reconnectPollMs`). */
  pollReconnectNotices(): Promise<void>;
  /** Resolves identity requests a CRM import has answered (tests; the bot also polls every `reconnectPollMs`). */
  pollIdentityRequests(): Promise<number>;
  service: EnablementService;
  notifier: Notifier;
  /** The first imports followed in chat (tests poll it). */
  firstImports: FirstImportWatch;
}

/** People whose Teams member details are kept at once: the active chatters of a busy minute. */
const MEMBERS_KEPT = 10_000;

export function mountBot(server: Server, deps: MountBotDeps): MountedBot {
  const { config, store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  if (!config.TOKEN_ENCRYPTION_KEY)
    throw new Error('TOKEN_ENCRYPTION_KEY is required by the bot (it signs cards and links)');
  const fetch = trustedFetch(deps.caPem);
  const cardKey = Buffer.from(deriveKey(config.TOKEN_ENCRYPTION_KEY, 'card-ref'));
  const ticketKey = deriveKey(config.TOKEN_ENCRYPTION_KEY, 'sign-in-ticket');
  const adminConsentKey = deriveKey(config.TOKEN_ENCRYPTION_KEY, 'admin-consent-state');
  const botAppId = config.BOT_ID ?? '';
  const msal = {
    authorityHost: config.M365_AUTHORITY_HOST,
    clientId: config.AAD_APP_CLIENT_ID,
    clientSecret: config.AAD_APP_CLIENT_SECRET,
    networkClient: new TrustedNetworkClient(deps.caPem),
    logger,
  };
  const graph: UserGraphDeps = {
    store,
    cipher: deps.cipher,
    msal,
    graphBaseUrl: config.GRAPH_BASE_URL,
    fetch,
    scopes: config.SYNC_SCOPES,
  };

  const auth = new CloudSyncBotAuthentication({
    botId: config.BOT_ID,
    botPassword: config.BOT_PASSWORD,
    openIdMetadataUrl: config.BOT_OPENID_METADATA_URL,
    issuer: config.BOT_TOKEN_ISSUER,
    loginUrl: config.BOT_LOGIN_URL,
    fetch,
    networkClient: msal.networkClient,
    logger,
  });
  const adapter = createBotAdapter(auth, logger);
  const notifier = createNotifier({ adapter, db: store.db, botAppId, logger });
  const approvals = createApprovalFlow({
    store,
    notifier,
    logger,
    cardKey,
    authorityHost: config.M365_AUTHORITY_HOST,
    clientId: config.AAD_APP_CLIENT_ID,
    publicUrl: config.PUBLIC_URL,
    scopes: config.SYNC_SCOPES,
    now,
  });
  const cards = createCardFactory({
    store,
    cardKey,
    ticketKey,
    publicUrl: config.PUBLIC_URL,
    teamsAppId: config.TEAMS_APP_ID,
    scopes: config.SYNC_SCOPES,
    mailFolders: config.MAIL_FOLDERS,
    diaryDaysBack: config.DIARY_DAYS_BACK,
    diaryDaysAhead: config.DIARY_DAYS_AHEAD,
    consentInfo: (tenantId) => approvals.consentInfo(tenantId),
    now,
  });
  const identity = createIdentityFlow({
    store,
    logger,
    notifier,
    cards,
    service: () => service,
    graph,
    cardKey,
    ticketKey,
    publicUrl: config.PUBLIC_URL,
    now,
  });
  const activation = createActivation({
    store,
    graph,
    mailFolders: config.MAIL_FOLDERS,
    diaryDaysBack: config.DIARY_DAYS_BACK,
    diaryDaysAhead: config.DIARY_DAYS_AHEAD,
    tabUrl: cards.tabUrl,
    timeZoneOf: (owner) => cards.timeZoneOf(owner),
  });
  const firstImports = createFirstImportWatch({
    store,
    logger,
    notifier,
    sendConfirmation: (owner) => activation.sendConfirmation(owner),
    mailFolders: config.MAIL_FOLDERS,
    tabUrl: cards.tabUrl,
    pollMs: deps.firstImportPollMs,
    now,
  });
  firstImports.start();
  const visibilityRequests = createVisibilityRequests({ db: store.db, notifier, logger, cardKey, now });
  const service = createEnablementService({
    store,
    logger,
    cards,
    notifier,
    approvals,
    cardKey,
    visibilityRequests,
    askCorrection: (owner) => identity.askCorrection(owner),
    activation,
    firstImports,
    requestSync: deps.requestSync,
    removeSubscriptions: createSubscriptionRemoval({ store, graph }),
    removeCrmEvents: createCrmEventRemoval({
      db: store.db,
      clientFor: (account) => userGraph(graph, account),
    }),
    now,
  });
  approvals.onDecision(async (crmUserId, decision, by) => {
    const user = await crmUserById(store.db, crmUserId);
    const account = user ? await accountOfUser(store.db, user) : undefined;
    if (!account) return;
    await service.apply(
      account.id,
      decision.outcome === 'granted'
        ? { type: 'admin_consent_granted' }
        : { type: 'admin_consent_declined', reason: decision.reason },
      by.actor,
      { auditActor: by.auditActor },
    );
  });

  const teamsBot = createTeamsBot({
    adapter,
    botAppId,
    logger,
    db: store.db,
    store,
    itAdmins: config.IT_ADMINS,
    members: createMemberCache({ ttlMs: config.TEAMS_MEMBER_CACHE_SECONDS * 1000, maxEntries: MEMBERS_KEPT }),
    service,
    cards,
    cardKey,
    approvals,
    notifier,
    identity,
    visibilityRequests,
    requestSync: deps.requestSync,
    now,
  });
  registerMessagesRoute(server, { teamsBot, authenticated: auth.authenticated, logger });
  registerSignInRoutes(server, {
    store,
    cipher: deps.cipher,
    logger,
    msal,
    tenancy: { signInAudience: config.AAD_APP_SIGN_IN_AUDIENCE, tenantId: config.M365_TENANT_ID },
    publicUrl: config.PUBLIC_URL,
    scopes: config.SYNC_SCOPES,
    ticketKey,
    adminConsentKey,
    confirmConsent: createConsentCheck(msal),
    handlers: createSignInHandlers({ store, logger, service, approvals, graph }),
    adminConsentStart: (ref) => approvals.consentStart(ref),
    adminConsentUrl: (request, state) => approvals.adminConsentUrl(request, state),
    identity: registerIdentitySignIn(server, {
      store,
      cipher: deps.cipher,
      logger,
      msal,
      publicUrl: config.PUBLIC_URL,
      ticketKey,
      handlers: identity,
    }),
  });

  const notices = createReconnectNotices({
    store,
    logger,
    pollMs: deps.reconnectPollMs,
    now,
    async send(accountId, cause) {
      const o = await service.owner(accountId);
      if (!o?.user.teamsAadObjectId) return;
      const ref = await signCardRef(
        { kind: 'account', id: o.user.teamsAadObjectId, tenantId: o.account.tenantId },
        { key: cardKey, now: now() },
      );
      await notifier.toUser(
        o.account.tenantId,
        { aadObjectId: o.user.teamsAadObjectId },
        buildReconnectCard({ ref, cause }),
      );
    },
  });
  notices.start();
  // A CRM import runs in its own process; the users it now matches are told within one poll.
  const identitySweep = setInterval(() => {
    identity
      .sweep()
      .catch((err: Error) => logger.warn({ err: err.message }, 'identity request sweep failed'));
  }, deps.reconnectPollMs ?? 15_000);
  identitySweep.unref();

  return {
    service,
    notifier,
    shutdownSteps: [
      { name: 'bot reconnect notices', run: () => notices.stop() },
      { name: 'first import cards', run: () => firstImports.stop() },
      { name: 'identity request sweep', run: async () => clearInterval(identitySweep) },
    ],
    pollReconnectNotices: () => notices.poll(),
    firstImports,
    pollIdentityRequests: () => identity.sweep(),
    async onAttention(event) {
      try {
        await notices.onAttention(event);
      } catch (err) {
        logger.warn(
          { accountId: event.accountId, err: (err as Error).message },
          'reconnect card not delivered',
        );
      }
    },
    onEffects: (accountId, effects) => service.perform(accountId, effects),
  };
}

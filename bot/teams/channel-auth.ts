import {
  AppCredentials,
  AuthenticationConstants,
  AuthenticationError,
  BotFrameworkAuthentication,
  ClaimsIdentity,
  ConnectorClient,
  ConnectorFactory,
  UserTokenClient,
  type AuthenticateRequestResult,
  type AuthenticatorResult,
} from 'botframework-connector';
import type { ConfidentialClientApplication, INetworkModule } from '@azure/msal-node';
import type { Activity } from 'botbuilder';
import type { Logger } from '../logging/logger.js';
import type { FetchLike } from '../net/tls-trust.js';
import { confidentialClient } from '../sign-in/msal-client-factory.js';
import { createChannelTokenValidator, ChannelTokenError } from './channel-token.js';
import { ReplyConversations } from './reply-conversations.js';

/**
 * Our Bot Framework authentication for the CloudAdapter. botbuilder's own implementation fetches keys and
 * tokens with a client that only trusts the system CAs, so it cannot run against the local emulator; this
 * one does the same checks (channel-token.ts) with our CA-aware fetch, and gets the bot → channel token
 * through msal-node's client-credentials flow at the Bot Framework's login authority, with our CA-aware
 * network client.
 *
 * Without a bot id (Agents Playground) every request is accepted as anonymous; mount-bot.ts only allows
 * that from loopback.
 */

export interface BotAuthSettings {
  /** Empty: unauthenticated mode. */
  botId: string | undefined;
  botPassword: string | undefined;
  openIdMetadataUrl: string;
  issuer: string;
  /** Bot Framework's `ToChannelFromBotLoginUrl`: the authority of the bot's own channel token. */
  loginUrl: string;
  fetch: FetchLike;
  networkClient: INetworkModule;
  logger: Logger;
}

const CONNECTOR_SCOPE = `${AuthenticationConstants.ToChannelFromBotOAuthScope}/.default`;

/**
 * The bot's app-only token for the Bot Connector. botframework-connector's own `MsalAppCredentials` does
 * the same but is typed against the msal-node major it bundles, not ours.
 */
class MsalClientCredentials extends AppCredentials {
  constructor(
    appId: string,
    private readonly client: ConfidentialClientApplication,
  ) {
    super(appId, undefined, AuthenticationConstants.ToChannelFromBotOAuthScope);
  }

  protected async refreshToken(): Promise<AuthenticatorResult> {
    const result = await this.client.acquireTokenByClientCredential({ scopes: [CONNECTOR_SCOPE] });
    if (!result?.accessToken || !result.expiresOn)
      throw new Error('the Bot Framework login service answered without a token');
    return { accessToken: result.accessToken, expiresOn: result.expiresOn };
  }
}

/** The bot's own msal client: the app's builder, with the bot's credentials and the login URL's tenant. */
function botClient(settings: BotAuthSettings, botId: string, botPassword: string) {
  const login = new URL(settings.loginUrl);
  return confidentialClient(
    {
      authorityHost: login.origin,
      clientId: botId,
      clientSecret: botPassword,
      networkClient: settings.networkClient,
      logger: settings.logger,
    },
    login.pathname.replace(/^\/+|\/+$/g, ''),
  );
}

/** No credentials: the Agents Playground accepts unauthenticated replies. */
class NoCredentials extends AppCredentials {
  constructor() {
    super('');
  }

  protected refreshToken(): Promise<AuthenticatorResult> {
    return Promise.reject(new Error('no bot credentials are configured'));
  }
}

/** Service URLs whose clients are kept; Teams uses a handful per region. */
const CONNECTORS_KEPT = 64;

/**
 * One Bot Connector client per service URL, reused across turns: building one (its HTTP pipeline and
 * serializer) cost more than the reply it sends. The client holds no per-turn state; the credentials
 * are the bot's own in every case. Only service URLs of authenticated activities get here.
 */
class Connectors extends ConnectorFactory {
  private readonly clients = new Map<string, ConnectorClient>();

  constructor(private readonly credentials: AppCredentials) {
    super();
  }

  async create(serviceUrl: string): Promise<ConnectorClient> {
    let client = this.clients.get(serviceUrl);
    if (!client) {
      if (this.clients.size >= CONNECTORS_KEPT) this.clients.delete(this.clients.keys().next().value!);
      client = new ConnectorClient(this.credentials, { baseUri: serviceUrl });
      client.conversations = new ReplyConversations(client, serviceUrl);
      this.clients.set(serviceUrl, client);
    }
    return client;
  }
}

/** The Bot Framework token service (OAuth cards) is not used: sign-in runs through our /auth routes. */
class NoUserTokens extends UserTokenClient {
  private refuse(): never {
    throw new Error('Cloud Sync does not use the Bot Framework token service');
  }
  getUserToken(): never {
    return this.refuse();
  }
  getSignInResource(): never {
    return this.refuse();
  }
  signOutUser(): never {
    return this.refuse();
  }
  getTokenStatus(): never {
    return this.refuse();
  }
  getAadTokens(): never {
    return this.refuse();
  }
  exchangeToken(): never {
    return this.refuse();
  }
}

export class CloudSyncBotAuthentication extends BotFrameworkAuthentication {
  private readonly validator;
  private readonly connectors: Connectors;

  constructor(private readonly settings: BotAuthSettings) {
    super();
    const { botId, botPassword } = settings;
    this.validator = botId
      ? createChannelTokenValidator({
          openIdMetadataUrl: settings.openIdMetadataUrl,
          issuer: settings.issuer,
          audience: botId,
          fetch: settings.fetch,
        })
      : undefined;
    this.connectors = new Connectors(
      botId && botPassword
        ? new MsalClientCredentials(botId, botClient(settings, botId, botPassword))
        : new NoCredentials(),
    );
  }

  get authenticated(): boolean {
    return this.validator !== undefined;
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const audience = AuthenticationConstants.ToChannelFromBotOAuthScope;
    if (!this.validator) {
      const claimsIdentity = new ClaimsIdentity([], AuthenticationConstants.AnonymousAuthType);
      return { audience, claimsIdentity, connectorFactory: this.connectors };
    }
    try {
      const claims = await this.validator.validate(authHeader, activity);
      const claimsIdentity = new ClaimsIdentity(
        [
          { type: AuthenticationConstants.AudienceClaim, value: String(claims.aud) },
          { type: AuthenticationConstants.IssuerClaim, value: String(claims.iss) },
          { type: AuthenticationConstants.ServiceUrlClaim, value: activity.serviceUrl },
        ],
        true,
      );
      return { audience, claimsIdentity, callerId: undefined, connectorFactory: this.connectors };
    } catch (err) {
      // The reason stays short and token-free; the status makes CloudAdapter answer 401.
      const reason = err instanceof ChannelTokenError ? err.message : 'the token could not be checked';
      throw new AuthenticationError(`Unauthorized: ${reason}`, 401);
    }
  }

  override getOriginatingAudience(): string {
    return AuthenticationConstants.ToChannelFromBotOAuthScope;
  }

  authenticateStreamingRequest(): Promise<AuthenticateRequestResult> {
    return Promise.reject(new AuthenticationError('Streaming connections are not supported', 401));
  }

  createConnectorFactory(): ConnectorFactory {
    return this.connectors;
  }

  async createUserTokenClient(): Promise<UserTokenClient> {
    return new NoUserTokens();
  }
}

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
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { FetchLike } from '../net/tls-trust.js';
import { createChannelTokenValidator, ChannelTokenError } from './channel-token.js';

/**
 * Our Bot Framework authentication for the CloudAdapter. botbuilder's own implementation fetches keys and
 * tokens with a client that only trusts the system CAs, so it cannot run against the local emulator; this
 * one does the same checks (channel-token.ts) with our CA-aware fetch, and gets the bot → channel token
 * with a plain client-credentials request to a configurable endpoint.
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
  oauthTokenUrl: string;
  fetch: FetchLike;
}

const CONNECTOR_SCOPE = `${AuthenticationConstants.ToChannelFromBotOAuthScope}/.default`;

const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });

/** The bot's app-only token for the Bot Connector, from BOT_OAUTH_TOKEN_URL (Entra or the emulator). */
class ClientCredentials extends AppCredentials {
  constructor(
    appId: string,
    private readonly password: string,
    private readonly tokenUrl: string,
    private readonly fetchImpl: FetchLike,
  ) {
    super(appId, undefined, AuthenticationConstants.ToChannelFromBotOAuthScope);
  }

  protected async refreshToken(): Promise<AuthenticatorResult> {
    const res = await this.fetchImpl(this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.appId,
        client_secret: this.password,
        scope: CONNECTOR_SCOPE,
      }).toString(),
    });
    // The body may name the failure; it never carries the secret, but keep only the status in errors.
    if (!res.ok) throw new Error(`the bot token endpoint answered HTTP ${res.status}`);
    const body = tokenResponse.parse(await res.json());
    return { accessToken: body.access_token, expiresOn: new Date(Date.now() + body.expires_in * 1000) };
  }
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

class Connectors extends ConnectorFactory {
  constructor(private readonly credentials: AppCredentials) {
    super();
  }

  async create(serviceUrl: string): Promise<ConnectorClient> {
    return new ConnectorClient(this.credentials, { baseUri: serviceUrl });
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
        ? new ClientCredentials(botId, botPassword, settings.oauthTokenUrl, settings.fetch)
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

import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { controlError, controlRoute, parseBody } from '../control/control-route.js';
import type { EmulatorContext } from '../context.js';
import { json, type EmuRequest, type Router } from '../http.js';
import { SigningKeys } from '../keys.js';

/**
 * The Bot Framework side of Teams, as far as a bot's HTTP endpoint sees it: the channel service's
 * OpenID metadata and JWKS (what `login.botframework.com` publishes), channel tokens signed with those
 * keys (what the Teams channel sends on every POST /api/messages), and the Bot Framework's Entra tenant
 * `botframework.com`, where a bot gets its app-only token for the Bot Connector: OpenID discovery for the
 * tenant by name (endpoints under the tenant id, as Entra answers a tenant named by domain, so msal-node
 * finds the token endpoint) and its token endpoint. The keys are separate from the emulator's other
 * tenants', so a token from them never passes as a channel token.
 */

/** Microsoft's values: the issuer of channel tokens and the audience of tokens for the Bot Connector. */
export const CHANNEL_ISSUER = 'https://api.botframework.com';
export const CONNECTOR_AUDIENCE = 'https://api.botframework.com';
/** The Bot Framework's own Entra tenant (`botframework.com`), the issuer of bot → channel tokens. */
export const BOT_FRAMEWORK_TENANT = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
export const BOT_FRAMEWORK_TENANT_DOMAIN = 'botframework.com';

export const BOT_FRAMEWORK_PATHS = {
  metadata: '/botframework/v1/.well-known/openidconfiguration',
  keys: '/botframework/v1/.well-known/keys',
} as const;

/** The tenant answers by domain and by id, as any Entra tenant does. */
const TENANT_SEGMENTS = [BOT_FRAMEWORK_TENANT_DOMAIN, BOT_FRAMEWORK_TENANT];

const botBody = z.object({ appId: z.string().uuid(), password: z.string().min(1) }).strict();
const channelTokenBody = z
  .object({
    /** The bot's app id: the token's audience. */
    appId: z.string().min(1),
    serviceUrl: z.string().url(),
    channelId: z.string().min(1).default('msteams'),
    /** Negative mints an already-expired token, for tests of the bot's refusal. */
    lifetimeSeconds: z.number().int().min(-86400).max(86400).default(3600),
  })
  .strict();

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function tokenError(status: number, error: string, description: string) {
  return json(status, { error, error_description: description });
}

/** Registers the routes; call before the Entra routes, whose `/{tenant}/oauth2/...` would match first. */
export async function registerBotFrameworkRoutes(router: Router, ctx: EmulatorContext): Promise<void> {
  const keys = await SigningKeys.create(() => ctx.directory.clock.now());
  /** Bot registrations (app id → password), like Azure Bot resources; added through the control API. */
  const bots = new Map<string, string>();
  // Channel keys carry the channels they may sign for, as the real JWKS does.
  const endorsedJwks = () => ({
    keys: keys.jwks().keys.map((k) => ({ ...k, endorsements: ['msteams', 'webchat', 'emulator'] })),
  });

  /** Client credentials for a registered bot, for the Bot Connector's scope only. */
  const issueToken = async (req: EmuRequest) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') {
      return tokenError(400, 'unsupported_grant_type', 'AADSTS70003: only client_credentials is supported.');
    }
    const appId = form.get('client_id') ?? '';
    const secret = bots.get(appId);
    if (secret === undefined || !sameSecret(secret, form.get('client_secret') ?? '')) {
      return tokenError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    }
    if (form.get('scope') !== `${CONNECTOR_AUDIENCE}/.default`) {
      return tokenError(
        400,
        'invalid_scope',
        `AADSTS70011: the scope must be ${CONNECTOR_AUDIENCE}/.default.`,
      );
    }
    const lifetime = 3600;
    const token = await keys.sign(
      {
        aud: CONNECTOR_AUDIENCE,
        iss: `https://sts.windows.net/${BOT_FRAMEWORK_TENANT}/`,
        tid: BOT_FRAMEWORK_TENANT,
        appid: appId,
        azp: appId,
        idtyp: 'app',
        ver: '1.0',
      },
      lifetime,
    );
    return json(200, {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token,
    });
  };

  router
    .on('GET', BOT_FRAMEWORK_PATHS.metadata, () =>
      json(200, {
        issuer: CHANNEL_ISSUER,
        authorization_endpoint: `${ctx.origin}/botframework/v1/authorize`,
        jwks_uri: `${ctx.origin}${BOT_FRAMEWORK_PATHS.keys}`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      }),
    )
    .on('GET', BOT_FRAMEWORK_PATHS.keys, () => json(200, endorsedJwks()));
  for (const segment of TENANT_SEGMENTS) {
    router
      .on('GET', `/${segment}/v2.0/.well-known/openid-configuration`, () => tenantConfiguration(ctx.origin))
      .on('GET', `/${segment}/discovery/v2.0/keys`, () => json(200, keys.jwks()))
      .on('POST', `/${segment}/oauth2/v2.0/token`, issueToken);
  }
  router
    .on(
      'POST',
      '/_emulator/botframework/bots',
      controlRoute((req) => {
        const body = parseBody(botBody, req);
        bots.set(body.appId, body.password);
        return json(201, { appId: body.appId });
      }),
    )
    .on(
      'POST',
      '/_emulator/botframework/channel-token',
      controlRoute(async (req) => {
        const body = parseBody(channelTokenBody, req);
        if (body.lifetimeSeconds === 0)
          return controlError(400, 'BadRequest', 'lifetimeSeconds must not be 0');
        const token = await keys.sign(
          {
            iss: CHANNEL_ISSUER,
            aud: body.appId,
            serviceurl: body.serviceUrl,
            // Teams puts the channel in the token's claims too; the bot checks it against the keys' endorsements.
            channelid: body.channelId,
          },
          body.lifetimeSeconds,
        );
        return json(200, { token });
      }),
    );
}

/**
 * The tenant's OpenID discovery document as Entra serves one for a tenant named by domain: issuer and
 * endpoints under the tenant id ("OpenID Connect on the Microsoft identity platform", "Find your app's
 * OpenID configuration document URI"). msal-node reads `token_endpoint` from it and requires
 * `authorization_endpoint`, `issuer` and `jwks_uri` to be present.
 */
function tenantConfiguration(origin: string) {
  const base = `${origin}/${BOT_FRAMEWORK_TENANT}`;
  return json(
    200,
    {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: null,
      cloud_instance_name: new URL(origin).hostname,
    },
    { 'cache-control': 'max-age=86400, private' },
  );
}

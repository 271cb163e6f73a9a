import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import { settingsSchema } from '../directory.js';
import { apiAccessClaims } from '../entra/token-issuer.js';
import { json, type Router } from '../http.js';
import { controlError, controlRoute, parseBody } from './control-route.js';

/**
 * The token half of the control API: move the emulator clock, change token lifetimes, expire refresh
 * tokens, revoke a user's sign-in sessions (like Graph's revokeSignInSessions), issue an authorization
 * code without the sign-in pages (bulk benchmarks), and mint the token the Teams client would obtain for
 * a tab's SSO (`getAuthToken`), which our API then trades on-behalf-of.
 */

/** The Teams desktop/mobile client id: the `azp` of tab SSO tokens and a pre-authorized client. */
export const TEAMS_CLIENT_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';

const advanceBody = z
  .object({
    seconds: z
      .number()
      .int()
      .min(1)
      .max(10 * 365 * 86400),
  })
  .strict();
const expireBody = z
  .object({ userId: z.string().uuid().optional(), clientId: z.string().uuid().optional() })
  .strict();
const codeBody = z
  .object({
    userPrincipalName: z.string().min(1),
    clientId: z.string().uuid(),
    redirectUri: z.string().url(),
    scopes: z.array(z.string().min(1)).min(1),
  })
  .strict();
const ssoBody = z
  .object({
    userPrincipalName: z.string().min(1),
    appId: z.string().uuid(),
    scope: z.string().min(1).default('access_as_user'),
  })
  .strict();

export function registerTokenControlRoutes(router: Router, ctx: EmulatorContext): void {
  const d = ctx.directory;
  router
    .on(
      'GET',
      '/_emulator/clock',
      controlRoute(() => json(200, clockState(ctx))),
    )
    .on(
      'POST',
      '/_emulator/clock/advance',
      controlRoute((req) => {
        d.clock.advance(parseBody(advanceBody, req).seconds);
        return json(200, clockState(ctx));
      }),
    )
    .on(
      'GET',
      '/_emulator/settings',
      controlRoute(() => json(200, d.settings)),
    )
    .on(
      'PATCH',
      '/_emulator/settings',
      controlRoute((req) => {
        d.settings = { ...d.settings, ...parseBody(settingsSchema.partial().strict(), req) };
        return json(200, d.settings);
      }),
    )
    .on(
      'POST',
      '/_emulator/refresh-tokens/expire',
      controlRoute((req) => json(200, { expired: d.expireRefreshTokens(parseBody(expireBody, req)) })),
    )
    .on(
      'POST',
      '/_emulator/users/{id}/revoke-sign-in-sessions',
      controlRoute((req) => {
        if (!d.findUserById(req.params.id!))
          return controlError(404, 'NotFound', `user ${req.params.id} does not exist`);
        d.revokeSignInSessions(req.params.id!);
        return json(200, { value: true });
      }),
    )
    .on(
      'POST',
      '/_emulator/authorization-codes',
      // Connecting thousands of accounts for a benchmark through the sign-in pages would take longer
      // than the benchmark: this issues the code those pages would, and the client redeems it at the
      // token endpoint as usual (consent is checked there, so it must have been granted).
      controlRoute((req) => {
        const body = parseBody(codeBody, req);
        const user = d.findUserByUpn(body.userPrincipalName);
        if (!user) return controlError(404, 'NotFound', `user ${body.userPrincipalName} does not exist`);
        const app = d.getApplication(body.clientId);
        if (!app) return controlError(404, 'NotFound', `application ${body.clientId} does not exist`);
        if (!app.redirectUris.includes(body.redirectUri))
          return controlError(400, 'BadRequest', 'the redirect URI is not registered for the application');
        const code = d.issueCode({
          clientId: app.appId,
          redirectUri: body.redirectUri,
          userId: user.id,
          tenantId: user.tenantId,
          scopes: body.scopes,
          authTime: d.clock.now(),
        });
        return json(201, { code });
      }),
    )
    .on(
      'POST',
      '/_emulator/tokens/teams-sso',
      controlRoute(async (req) => {
        const body = parseBody(ssoBody, req);
        const user = d.findUserByUpn(body.userPrincipalName);
        if (!user) return controlError(404, 'NotFound', `user ${body.userPrincipalName} does not exist`);
        const api = d.getApplication(body.appId);
        if (!api) return controlError(404, 'NotFound', `application ${body.appId} does not exist`);
        const scopes = body.scope.split(' ').filter(Boolean);
        const unknown = scopes.find((s) => !api.apiScopes.includes(s));
        if (unknown) return controlError(400, 'BadRequest', `the API does not expose the scope ${unknown}`);
        const lifetime = d.settings.accessTokenLifetimeSeconds;
        const token = await ctx.keys.sign(
          apiAccessClaims(ctx.origin, api, user, scopes, TEAMS_CLIENT_ID),
          lifetime,
        );
        return json(200, { token_type: 'Bearer', access_token: token, expires_in: lifetime });
      }),
    );
}

function clockState(ctx: EmulatorContext) {
  return {
    now: new Date(ctx.directory.clock.now()).toISOString(),
    offsetSeconds: ctx.directory.clock.offsetSeconds,
  };
}

import path from 'node:path';
import { z } from 'zod';
import type { EmulatorContext } from '../context.js';
import {
  applicationSchema,
  grantSchema,
  tenantSchema,
  userSchema,
  userUpdateSchema,
  type Application,
  type DirectoryUser,
} from '../directory.js';
import { json, type Router } from '../http.js';
import { loadSeed, loadSeedFolder } from '../seed-loader.js';
import { controlError, controlRoute, parseBody } from './control-route.js';

/**
 * The directory half of the control API: scenarios (seed, reset), tenants and their consent policy,
 * users, app registrations, consent grants and the admin-consent requests users sent. README.md has
 * curl examples for each.
 */
export interface DirectoryControlOptions {
  /** The folder `reset` reloads: the seed the emulator started with. */
  seedDir?: string;
  /** Also forget browser sign-in sessions on reset. */
  onReset?: () => void;
}

const seedBody = z.union([
  z.object({ folder: z.string().min(1) }).strict(),
  z.object({ directory: z.unknown(), mailboxes: z.record(z.unknown()).optional() }).strict(),
]);
const policyBody = z.object({ userConsent: tenantSchema.shape.userConsent.removeDefault() }).strict();
const revokeGrantBody = z
  .object({
    tenantId: z.string().uuid(),
    clientId: z.string().uuid(),
    userId: z.string().uuid().optional(),
    resourceId: z.string().uuid().optional(),
    scopes: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export function registerDirectoryControlRoutes(
  router: Router,
  ctx: EmulatorContext,
  options: DirectoryControlOptions = {},
): void {
  const d = ctx.directory;
  router
    .on(
      'POST',
      '/_emulator/reset',
      controlRoute(() => {
        if (options.seedDir) loadSeedFolder(ctx, options.seedDir);
        else {
          d.clear();
          ctx.mailboxes.reset();
        }
        options.onReset?.();
        return json(200, { reset: true, seed: options.seedDir ? path.basename(options.seedDir) : null });
      }),
    )
    .on(
      'POST',
      '/_emulator/seed',
      controlRoute((req) => {
        const body = parseBody(seedBody, req);
        if ('folder' in body) loadSeedFolder(ctx, body.folder);
        else loadSeed(ctx, body.directory, body.mailboxes ?? {});
        options.onReset?.();
        return json(200, summary(ctx));
      }),
    )
    .on(
      'GET',
      '/_emulator/tenants',
      controlRoute(() => json(200, { value: d.listTenants() })),
    )
    .on(
      'POST',
      '/_emulator/tenants',
      controlRoute((req) => json(201, d.addTenant(parseBody(tenantSchema, req)))),
    )
    .on(
      'PUT',
      '/_emulator/tenants/{id}/consent-policy',
      controlRoute((req) => {
        if (!d.getTenant(req.params.id!))
          return controlError(404, 'NotFound', `tenant ${req.params.id} does not exist`);
        return json(200, d.setConsentPolicy(req.params.id!, parseBody(policyBody, req).userConsent));
      }),
    )
    .on(
      'GET',
      '/_emulator/users',
      controlRoute((req) =>
        json(200, { value: d.listUsers(req.url.searchParams.get('tenantId') ?? undefined).map(publicUser) }),
      ),
    )
    .on(
      'POST',
      '/_emulator/users',
      controlRoute((req) => json(201, publicUser(d.addUser(parseBody(userSchema, req))))),
    )
    .on(
      'PATCH',
      '/_emulator/users/{id}',
      controlRoute((req) => {
        if (!d.findUserById(req.params.id!))
          return controlError(404, 'NotFound', `user ${req.params.id} does not exist`);
        return json(200, publicUser(d.updateUser(req.params.id!, parseBody(userUpdateSchema, req))));
      }),
    )
    .on(
      'GET',
      '/_emulator/applications',
      controlRoute(() => json(200, { value: d.listApplications().map(publicApp) })),
    )
    .on(
      'POST',
      '/_emulator/applications',
      controlRoute((req) => json(201, publicApp(d.addApplication(parseBody(applicationSchema, req))))),
    )
    .on(
      'POST',
      '/_emulator/applications/{appId}/redirect-uris',
      controlRoute((req) => {
        if (!d.getApplication(req.params.appId!))
          return controlError(404, 'NotFound', `application ${req.params.appId} does not exist`);
        const body = parseBody(z.object({ redirectUris: z.unknown() }).strict(), req);
        return json(200, publicApp(d.addRedirectUris(req.params.appId!, body.redirectUris)));
      }),
    )
    .on(
      'GET',
      '/_emulator/grants',
      controlRoute((req) => {
        const q = req.url.searchParams;
        return json(200, {
          value: d.listGrants({
            tenantId: q.get('tenantId') ?? undefined,
            clientId: q.get('clientId') ?? undefined,
          }),
        });
      }),
    )
    .on(
      'POST',
      '/_emulator/grants',
      controlRoute((req) => json(201, d.addGrant(parseBody(grantSchema, req)))),
    )
    .on(
      'POST',
      '/_emulator/grants/revoke',
      controlRoute((req) => {
        const body = parseBody(revokeGrantBody, req);
        const changed = d.revokeGrant({ ...body, principalId: body.userId });
        if (changed === 0) return controlError(404, 'NotFound', 'no matching consent grant');
        return json(200, { changed });
      }),
    )
    .on(
      'GET',
      '/_emulator/consent-requests',
      controlRoute((req) => {
        const q = req.url.searchParams;
        const status = q.get('status');
        if (status !== null && status !== 'pending' && status !== 'completed') {
          return controlError(400, 'BadRequest', 'status must be pending or completed');
        }
        return json(200, {
          value: d.listConsentRequests({
            tenantId: q.get('tenantId') ?? undefined,
            status: status ?? undefined,
          }),
        });
      }),
    );
}

function summary(ctx: EmulatorContext) {
  const d = ctx.directory;
  return {
    tenants: d.listTenants().length,
    users: d.listUsers().length,
    applications: d.listApplications().length,
    grants: d.listGrants().length,
  };
}

/** Listings leave out passwords and client secrets. */
function publicUser({ password: _password, ...user }: DirectoryUser) {
  return user;
}

function publicApp({ clientSecrets: _secrets, ...app }: Application) {
  return app;
}

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { EmulatorClock } from './clock.js';

/**
 * The emulator's directory: tenants, users, app registrations and consent grants (seeded from
 * `directory.json` and changed through the control API), plus the runtime state Entra keeps about them:
 * authorization codes, refresh tokens, admin-consent requests and sign-in revocations.
 * The zod schemas below are the seed format; README.md documents them.
 */

/** Microsoft Graph's application id: the `aud` of Graph access tokens and the resource of Graph grants. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

const guid = z.string().uuid('must be a GUID');
const domainName = z
  .string()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a domain name such as contoso.com')
  .transform((d) => d.toLowerCase());

export const tenantSchema = z.object({
  id: guid,
  displayName: z.string().min(1),
  /** Verified domains; the first is the tenant's default domain. */
  domains: z.array(domainName).min(1, 'a tenant needs at least one verified domain'),
  /** `adminOnly` is a tenant where users may not consent to apps ("Need admin approval"). */
  userConsent: z.enum(['allowed', 'adminOnly']).default('allowed'),
});

export const userSchema = z
  .object({
    id: guid,
    tenantId: guid,
    userPrincipalName: z.string().email('must be an e-mail-shaped UPN'),
    mail: z.string().email().optional(),
    displayName: z.string().min(1),
    givenName: z.string().optional(),
    surname: z.string().optional(),
    jobTitle: z.string().optional(),
    proxyAddresses: z.array(z.string()).default([]),
    password: z.string().min(1),
    /** A Global Administrator: can grant tenant-wide (admin) consent. */
    isAdmin: z.boolean().default(false),
  })
  .transform((u) => ({ ...u, mail: u.mail ?? u.userPrincipalName }));

/** What the control API may change on a user in place (sign-ins, tokens and grants are kept). */
export const userUpdateSchema = z
  .object({
    mail: z.string().email().optional(),
    displayName: z.string().min(1).optional(),
    /** `SMTP:` is the primary address, `smtp:` an alias; other types (X500:, SIP:) are kept as given. */
    proxyAddresses: z
      .array(z.string().regex(/^[A-Za-z0-9]+:[^\s]+$/, 'must be TYPE:address, e.g. smtp:alias@contoso.com'))
      .optional(),
  })
  .strict()
  .refine((u) => Object.keys(u).length > 0, {
    message: 'name at least one of mail, displayName, proxyAddresses',
  });

export const applicationSchema = z.object({
  appId: guid,
  displayName: z.string().min(1),
  homeTenantId: guid,
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).default('AzureADMultipleOrgs'),
  clientSecrets: z.array(z.string().min(1)).min(1, 'a confidential client needs a secret'),
  redirectUris: z.array(z.string().url()).default([]),
  /** Application ID URIs, e.g. `api://localhost/<appId>`: the audience names of the app's own API. */
  identifierUris: z.array(z.string().min(1)).default([]),
  /** Delegated scopes the app's API exposes, e.g. `access_as_user`. */
  apiScopes: z.array(z.string().min(1)).default([]),
  /** Clients (e.g. Teams) allowed to get tokens for this API without user consent. */
  preAuthorizedClientIds: z.array(guid).default([]),
  /** Graph delegated permissions the app declares: what `.default` and admin consent mean. */
  requiredGraphScopes: z.array(z.string().min(1)).default([]),
  /** Graph application permissions (app roles), granted by admin consent, used by client credentials. */
  requiredGraphRoles: z.array(z.string().min(1)).default([]),
});

const MAX_REDIRECT_URIS = 256;
const redirectUri = z
  .string()
  .max(256, 'a redirect URI has at most 256 characters')
  .url('must be an absolute URL')
  .refine((u) => {
    if (!URL.canParse(u)) return false;
    const url = new URL(u);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  }, 'must use https (http only on localhost or the loopback address)')
  .refine((u) => !/[!$'(),;]/.test(u), "must not contain ! $ ' ( ) , or ;");
export const redirectUrisSchema = z.array(redirectUri).min(1).max(MAX_REDIRECT_URIS);

export const grantSchema = z
  .object({
    clientId: guid,
    tenantId: guid,
    /** `AllPrincipals` is tenant-wide (admin) consent; `Principal` is one user's consent. */
    consentType: z.enum(['AllPrincipals', 'Principal']),
    principalId: guid.optional(),
    resourceId: guid.default(GRAPH_APP_ID),
    scopes: z.array(z.string().min(1)).default([]),
    roles: z.array(z.string().min(1)).default([]),
  })
  .refine((g) => (g.consentType === 'Principal') === (g.principalId !== undefined), {
    message: 'principalId is required for consentType Principal and not allowed for AllPrincipals',
    path: ['principalId'],
  });

export const directorySeedSchema = z.object({
  tenants: z.array(tenantSchema).default([]),
  users: z.array(userSchema).default([]),
  applications: z.array(applicationSchema).default([]),
  grants: z.array(grantSchema).default([]),
});

export const settingsSchema = z.object({
  accessTokenLifetimeSeconds: z.number().int().min(1).max(86400),
  refreshTokenLifetimeSeconds: z.number().int().min(1),
  authCodeLifetimeSeconds: z.number().int().min(1).max(3600),
  /** Tokens of App Service's managed identity endpoint. */
  managedIdentityTokenLifetimeSeconds: z.number().int().min(60).max(86400),
});

export type Tenant = z.output<typeof tenantSchema>;
export type DirectoryUser = z.output<typeof userSchema>;
export type UserUpdate = z.output<typeof userUpdateSchema>;
export type Application = z.output<typeof applicationSchema>;
export type Grant = z.output<typeof grantSchema>;
export type DirectorySeed = z.input<typeof directorySeedSchema>;
export type EntraSettings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: EntraSettings = {
  accessTokenLifetimeSeconds: 3600,
  // Entra's refresh tokens expire after 90 days without use.
  refreshTokenLifetimeSeconds: 90 * 24 * 3600,
  // Entra's authorization codes live about ten minutes.
  authCodeLifetimeSeconds: 600,
  // Managed identity tokens are valid for a day.
  managedIdentityTokenLifetimeSeconds: 86400,
};

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  tenantId: string;
  scopes: string[];
  codeChallenge?: string;
  nonce?: string;
  authTime: number;
  issuedAt: number;
  expiresAt: number;
  redeemedAt?: number;
}

export interface RefreshTokenRecord {
  clientId: string;
  userId: string;
  tenantId: string;
  scopes: string[];
  authTime: number;
  issuedAt: number;
  expiresAt: number;
  /** Set when the token was exchanged for a new one; the old one is then no longer accepted. */
  replacedAt?: number;
}

export interface AdminConsentRequest {
  id: string;
  tenantId: string;
  clientId: string;
  userId: string;
  userPrincipalName: string;
  scopes: string[];
  justification: string;
  createdDateTime: string;
  status: 'pending' | 'completed';
}

export class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

export class Directory {
  readonly clock = new EmulatorClock();
  settings: EntraSettings = { ...DEFAULT_SETTINGS };
  private tenants = new Map<string, Tenant>();
  private users = new Map<string, DirectoryUser>();
  private applications = new Map<string, Application>();
  private grants: Grant[] = [];
  private consentRequests: AdminConsentRequest[] = [];
  private codes = new Map<string, AuthCode>();
  private refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Per user: tokens and sessions issued before this instant are revoked. */
  private tokensValidFrom = new Map<string, number>();

  /** Replaces the whole directory with a seed; throws DirectoryError (and keeps the old state) if invalid. */
  load(seed: unknown): void {
    const parsed = directorySeedSchema.safeParse(seed);
    if (!parsed.success) throw new DirectoryError(`invalid directory seed: ${formatIssues(parsed.error)}`);
    const next = new Directory();
    for (const t of parsed.data.tenants) next.addTenant(t);
    for (const u of parsed.data.users) next.addUser(u);
    for (const a of parsed.data.applications) next.addApplication(a);
    for (const g of parsed.data.grants) next.addGrant(g);
    this.clear();
    this.tenants = next.tenants;
    this.users = next.users;
    this.applications = next.applications;
    this.grants = next.grants;
  }

  /** Forgets everything, including runtime state, and puts the clock and settings back. */
  clear(): void {
    this.tenants = new Map();
    this.users = new Map();
    this.applications = new Map();
    this.grants = [];
    this.consentRequests = [];
    this.codes.clear();
    this.refreshTokens.clear();
    this.tokensValidFrom.clear();
    this.settings = { ...DEFAULT_SETTINGS };
    this.clock.reset();
  }

  // Tenants

  getTenant(tid: string): Tenant | undefined {
    return this.tenants.get(tid.toLowerCase());
  }

  findTenantByDomain(domain: string): Tenant | undefined {
    const d = domain.toLowerCase();
    return [...this.tenants.values()].find((t) => t.domains.includes(d));
  }

  listTenants(): Tenant[] {
    return [...this.tenants.values()];
  }

  addTenant(input: z.input<typeof tenantSchema>): Tenant {
    const tenant = parseOrThrow(tenantSchema, input, 'tenant');
    tenant.id = tenant.id.toLowerCase();
    if (this.tenants.has(tenant.id)) throw new DirectoryError(`tenant ${tenant.id} already exists`);
    for (const d of tenant.domains) {
      if (this.findTenantByDomain(d))
        throw new DirectoryError(`domain ${d} is already verified by another tenant`);
    }
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  setConsentPolicy(tid: string, userConsent: Tenant['userConsent']): Tenant {
    const tenant = this.requireTenant(tid);
    tenant.userConsent = userConsent;
    return tenant;
  }

  // Users

  findUserById(oid: string): DirectoryUser | undefined {
    return this.users.get(oid.toLowerCase());
  }

  findUserByUpn(upn: string): DirectoryUser | undefined {
    const wanted = upn.toLowerCase();
    return [...this.users.values()].find((u) => u.userPrincipalName.toLowerCase() === wanted);
  }

  listUsers(tenantId?: string): DirectoryUser[] {
    const all = [...this.users.values()];
    return tenantId ? all.filter((u) => u.tenantId === tenantId.toLowerCase()) : all;
  }

  addUser(input: z.input<typeof userSchema>): DirectoryUser {
    const user = parseOrThrow(userSchema, input, 'user');
    user.id = user.id.toLowerCase();
    user.tenantId = user.tenantId.toLowerCase();
    const tenant = this.requireTenant(user.tenantId);
    if (this.users.has(user.id)) throw new DirectoryError(`user ${user.id} already exists`);
    if (this.findUserByUpn(user.userPrincipalName)) {
      throw new DirectoryError(`user principal name ${user.userPrincipalName} is already taken`);
    }
    const domain = user.userPrincipalName.split('@')[1]!.toLowerCase();
    if (!tenant.domains.includes(domain)) {
      throw new DirectoryError(`the UPN domain ${domain} is not a verified domain of tenant ${tenant.id}`);
    }
    this.users.set(user.id, user);
    return user;
  }

  /**
   * Changes a user in place, as an administrator would in Exchange or Entra. As the Graph user resource
   * documents, a change of `mail` puts it into `proxyAddresses` as the primary `SMTP:` address (the old
   * primary stays as an `smtp:` alias); a primary named in `proxyAddresses` becomes `mail`. SMTP
   * addresses must be on the tenant's verified domains and belong to no other user.
   */
  updateUser(id: string, input: z.input<typeof userUpdateSchema>): DirectoryUser {
    const patch = parseOrThrow(userUpdateSchema, input, 'user update');
    const user = this.findUserById(id);
    if (!user) throw new DirectoryError(`user ${id} does not exist`);
    let proxies = patch.proxyAddresses ?? [...user.proxyAddresses];
    if (proxies.filter((p) => p.startsWith('SMTP:')).length > 1) {
      throw new DirectoryError('proxyAddresses may hold only one primary SMTP: address');
    }
    let mail = patch.proxyAddresses
      ? (proxies.find((p) => p.startsWith('SMTP:'))?.slice(5) ?? user.mail)
      : user.mail;
    if (patch.mail) {
      mail = patch.mail;
      const lower = mail.toLowerCase();
      proxies = [
        `SMTP:${mail}`,
        ...proxies
          .filter((p) => !(/^smtp:/i.test(p) && p.slice(5).toLowerCase() === lower))
          .map((p) => (p.startsWith('SMTP:') ? `smtp:${p.slice(5)}` : p)),
      ];
    }
    const tenant = this.requireTenant(user.tenantId);
    const smtp = [mail, ...proxies.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5))].map((a) =>
      a.toLowerCase(),
    );
    for (const address of smtp) {
      const domain = address.split('@')[1] ?? '';
      if (!tenant.domains.includes(domain)) {
        throw new DirectoryError(`${address} is not on a verified domain of tenant ${tenant.id}`);
      }
      const other = [...this.users.values()].find(
        (u) =>
          u.id !== user.id &&
          [u.mail, ...u.proxyAddresses.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5))]
            .map((a) => a.toLowerCase())
            .includes(address),
      );
      if (other) throw new DirectoryError(`${address} is already an address of ${other.userPrincipalName}`);
    }
    user.mail = mail;
    user.proxyAddresses = proxies;
    if (patch.displayName) user.displayName = patch.displayName;
    return user;
  }

  // Applications

  getApplication(appId: string): Application | undefined {
    return this.applications.get(appId.toLowerCase());
  }

  /** The app whose API a scope prefix (an application ID URI or its appId) names. */
  findApplicationByResource(resource: string): Application | undefined {
    const r = resource.toLowerCase();
    return [...this.applications.values()].find(
      (a) => a.appId === r || a.identifierUris.some((u) => u.toLowerCase() === r),
    );
  }

  listApplications(): Application[] {
    return [...this.applications.values()];
  }

  addApplication(input: z.input<typeof applicationSchema>): Application {
    const app = parseOrThrow(applicationSchema, input, 'application');
    app.appId = app.appId.toLowerCase();
    app.homeTenantId = app.homeTenantId.toLowerCase();
    this.requireTenant(app.homeTenantId);
    if (this.applications.has(app.appId)) throw new DirectoryError(`application ${app.appId} already exists`);
    this.applications.set(app.appId, app);
    return app;
  }

  /**
   * Adds redirect URIs to an app registration, as "Add a redirect URI" in the Entra admin center does.
   * Microsoft's rules ("Redirect URI (reply URL) restrictions and limitations"): https, or http on
   * localhost; at most 256 characters each; none of `! $ ' ( ) , ;`; at most 256 per app.
   */
  addRedirectUris(appId: string, input: unknown): Application {
    const uris = parseOrThrow(redirectUrisSchema, input, 'redirect URIs');
    const app = this.getApplication(appId);
    if (!app) throw new DirectoryError(`application ${appId} does not exist`);
    const next = [...app.redirectUris, ...uris.filter((u) => !app.redirectUris.includes(u))];
    if (next.length > MAX_REDIRECT_URIS) {
      throw new DirectoryError(`an application may have at most ${MAX_REDIRECT_URIS} redirect URIs`);
    }
    app.redirectUris = [...new Set(next)];
    return app;
  }

  // Consent grants

  listGrants(filter: { tenantId?: string; clientId?: string } = {}): Grant[] {
    return this.grants.filter(
      (g) =>
        (!filter.tenantId || g.tenantId === filter.tenantId.toLowerCase()) &&
        (!filter.clientId || g.clientId === filter.clientId.toLowerCase()),
    );
  }

  /** Adds consent; scopes and roles merge into an existing grant for the same principal and resource. */
  addGrant(input: z.input<typeof grantSchema>): Grant {
    const grant = parseOrThrow(grantSchema, input, 'grant');
    grant.clientId = grant.clientId.toLowerCase();
    grant.tenantId = grant.tenantId.toLowerCase();
    grant.resourceId = grant.resourceId.toLowerCase();
    grant.principalId = grant.principalId?.toLowerCase();
    this.requireTenant(grant.tenantId);
    if (!this.getApplication(grant.clientId))
      throw new DirectoryError(`application ${grant.clientId} does not exist`);
    if (grant.principalId) {
      const user = this.findUserById(grant.principalId);
      if (!user || user.tenantId !== grant.tenantId) {
        throw new DirectoryError(`user ${grant.principalId} is not a user of tenant ${grant.tenantId}`);
      }
    }
    const existing = this.grants.find(
      (g) =>
        g.clientId === grant.clientId &&
        g.tenantId === grant.tenantId &&
        g.consentType === grant.consentType &&
        g.principalId === grant.principalId &&
        g.resourceId === grant.resourceId,
    );
    if (!existing) {
      this.grants.push(grant);
      return grant;
    }
    existing.scopes = union(existing.scopes, grant.scopes);
    existing.roles = union(existing.roles, grant.roles);
    return existing;
  }

  /**
   * Removes consent. Without `principalId` it removes the tenant-wide grant; with it, that user's grant.
   * Without `scopes` the whole grant goes. Returns how many grants changed.
   */
  revokeGrant(filter: {
    tenantId: string;
    clientId: string;
    principalId?: string;
    resourceId?: string;
    scopes?: string[];
  }): number {
    let changed = 0;
    const tenantId = filter.tenantId.toLowerCase();
    const clientId = filter.clientId.toLowerCase();
    const principalId = filter.principalId?.toLowerCase();
    const drop = new Set((filter.scopes ?? []).map((s) => s.toLowerCase()));
    this.grants = this.grants.filter((g) => {
      const matches =
        g.tenantId === tenantId &&
        g.clientId === clientId &&
        g.principalId === principalId &&
        (!filter.resourceId || g.resourceId === filter.resourceId.toLowerCase());
      if (!matches) return true;
      changed++;
      if (!filter.scopes) return false;
      g.scopes = g.scopes.filter((s) => !drop.has(s.toLowerCase()));
      return g.scopes.length > 0 || g.roles.length > 0;
    });
    return changed;
  }

  /** Delegated scopes a client holds for a user on a resource: tenant-wide grants plus the user's own. */
  grantedScopes(clientId: string, user: DirectoryUser, resourceId: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.grants) {
      if (g.clientId !== clientId.toLowerCase() || g.tenantId !== user.tenantId) continue;
      if (g.resourceId !== resourceId.toLowerCase()) continue;
      if (g.consentType === 'Principal' && g.principalId !== user.id) continue;
      for (const s of g.scopes) out.add(s.toLowerCase());
    }
    return out;
  }

  /** Application permissions (roles) admin-consented for a client in a tenant, or undefined without consent. */
  grantedRoles(clientId: string, tenantId: string, resourceId: string): string[] | undefined {
    const g = this.grants.find(
      (x) =>
        x.clientId === clientId.toLowerCase() &&
        x.tenantId === tenantId.toLowerCase() &&
        x.consentType === 'AllPrincipals' &&
        x.resourceId === resourceId.toLowerCase(),
    );
    return g?.roles;
  }

  /** True when the app has a service principal in the tenant: its home tenant, or any consent given there. */
  isAppKnownInTenant(clientId: string, tenantId: string): boolean {
    const app = this.getApplication(clientId);
    if (!app) return false;
    return (
      app.homeTenantId === tenantId.toLowerCase() ||
      this.grants.some((g) => g.clientId === app.appId && g.tenantId === tenantId.toLowerCase())
    );
  }

  // Admin-consent requests ("Request approval")

  addConsentRequest(
    input: Omit<AdminConsentRequest, 'id' | 'createdDateTime' | 'status'>,
  ): AdminConsentRequest {
    const request: AdminConsentRequest = {
      ...input,
      id: crypto.randomUUID(),
      createdDateTime: new Date(this.clock.now()).toISOString(),
      status: 'pending',
    };
    this.consentRequests.push(request);
    return request;
  }

  listConsentRequests(
    filter: { tenantId?: string; status?: AdminConsentRequest['status'] } = {},
  ): AdminConsentRequest[] {
    return this.consentRequests.filter(
      (r) =>
        (!filter.tenantId || r.tenantId === filter.tenantId.toLowerCase()) &&
        (!filter.status || r.status === filter.status),
    );
  }

  completeConsentRequests(tenantId: string, clientId: string): void {
    for (const r of this.consentRequests) {
      if (r.tenantId === tenantId.toLowerCase() && r.clientId === clientId.toLowerCase())
        r.status = 'completed';
    }
  }

  // Authorization codes

  issueCode(data: Omit<AuthCode, 'issuedAt' | 'expiresAt' | 'redeemedAt'>): string {
    const code = opaqueToken();
    const now = this.clock.now();
    this.codes.set(code, {
      ...data,
      issuedAt: now,
      expiresAt: now + this.settings.authCodeLifetimeSeconds * 1000,
    });
    return code;
  }

  findCode(code: string): AuthCode | undefined {
    return this.codes.get(code);
  }

  // Refresh tokens

  issueRefreshToken(data: Omit<RefreshTokenRecord, 'issuedAt' | 'expiresAt' | 'replacedAt'>): string {
    const token = opaqueToken();
    const now = this.clock.now();
    this.refreshTokens.set(token, {
      ...data,
      issuedAt: now,
      expiresAt: now + this.settings.refreshTokenLifetimeSeconds * 1000,
    });
    return token;
  }

  findRefreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token);
  }

  /** Marks matching refresh tokens as expired now; returns how many. */
  expireRefreshTokens(filter: { userId?: string; clientId?: string } = {}): number {
    let count = 0;
    const now = this.clock.now();
    for (const rt of this.refreshTokens.values()) {
      if (filter.userId && rt.userId !== filter.userId.toLowerCase()) continue;
      if (filter.clientId && rt.clientId !== filter.clientId.toLowerCase()) continue;
      if (rt.expiresAt > now) {
        rt.expiresAt = now;
        count++;
      }
    }
    return count;
  }

  // Revocation (like Graph's revokeSignInSessions)

  revokeSignInSessions(userId: string): void {
    const user = this.findUserById(userId);
    if (!user) throw new DirectoryError(`user ${userId} does not exist`);
    this.tokensValidFrom.set(user.id, this.clock.now());
  }

  /** Instant before which the user's sessions and refresh tokens are revoked (0 when never revoked). */
  validFrom(userId: string): number {
    return this.tokensValidFrom.get(userId.toLowerCase()) ?? 0;
  }

  private requireTenant(tid: string): Tenant {
    const tenant = this.getTenant(tid);
    if (!tenant) throw new DirectoryError(`tenant ${tid} does not exist`);
    return tenant;
  }
}

function parseOrThrow<S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new DirectoryError(`invalid ${what}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
}

function union(a: string[], b: string[]): string[] {
  const seen = new Set(a.map((s) => s.toLowerCase()));
  return [...a, ...b.filter((s) => !seen.has(s.toLowerCase()))];
}

function opaqueToken(): string {
  return randomBytes(48).toString('base64url');
}

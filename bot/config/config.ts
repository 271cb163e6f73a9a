import { z } from 'zod';
import { MULTI_TENANT_SEGMENTS } from '../sign-in/sign-in-tenant.js';
import { DEFAULT_ROUNDS_PER_MAILBOX } from '../sync/core/mailbox-limiter.js';

/**
 * Every setting the server, worker and tools read. The environment is read once (see `loadConfig`),
 * validated here, and a bad value stops start-up with a message naming the variable.
 * The README's configuration table mirrors this schema; keep them together.
 */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      errorMap: () => ({ message: 'must be true or false' }),
    })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a whole number from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });

const httpsUrl = z
  .string()
  .url('must be an absolute URL such as https://login.microsoftonline.com')
  .refine((u) => u.startsWith('https://'), 'must start with https://');

const list = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined || v.trim() === ''
        ? fallback
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<tenant id>/<object id>` pairs: IT rights are per person per tenant, never per e-mail address. */
const itAdminList = list([]).pipe(
  z.array(
    z
      .string()
      .refine((v) => {
        const [tenant, object, extra] = v.split('/');
        return extra === undefined && GUID.test(tenant ?? '') && GUID.test(object ?? '');
      }, 'each entry must be <tenant id>/<object id>, two GUIDs')
      .transform((v) => {
        const [tenantId, objectId] = v.toLowerCase().split('/') as [string, string];
        return { tenantId, objectId };
      }),
  ),
);

/** 32 random bytes, base64: the AES-256-GCM key of the token vault. */
const encryptionKey = z
  .string()
  .optional()
  .refine(
    (v) => v === undefined || Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes encoded as base64 (44 characters), e.g. from `openssl rand -base64 32`',
  );

/** Retired vault keys, still accepted for reading so a key can rotate without users reconnecting. */
const previousEncryptionKeys = list([]).pipe(
  z.array(
    z
      .string()
      .refine(
        (v) => Buffer.from(v, 'base64').length === 32,
        'each entry must be 32 bytes encoded as base64, separated by commas',
      ),
  ),
);

/**
 * A key typed by hand (all zeros, a repeated phrase) rather than drawn at random: 32 random bytes hold
 * about 30 distinct values, so fewer than 16 means the key was not generated.
 */
export function looksRandom(base64Key: string): boolean {
  return new Set(Buffer.from(base64Key, 'base64')).size >= 16;
}

/** Bot Framework's issuer of channel tokens ("Authenticate requests from the Bot Connector service"). */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** pg ≥ 9 treats `require` like libpq (encryption without a certificate check); only this verifies the server. */
const VERIFIED_SSL_MODE = 'verify-full';

function sslModeOf(databaseUrl: string): string | undefined {
  try {
    return new URL(databaseUrl).searchParams.get('sslmode') ?? undefined;
  } catch {
    return undefined;
  }
}

function credentialsOf(databaseUrl: string): { user: string; password: string } {
  try {
    const url = new URL(databaseUrl);
    return { user: url.username, password: url.password };
  } catch {
    return { user: '', password: '' };
  }
}

const variables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  TEAMSFX_ENV: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be an env name such as local or dev')
    .default('local'),
  PORT: int(3978, 1, 65535),
  PUBLIC_URL: z
    .string()
    .url('must be the public base URL of this server, e.g. https://sync.example.com')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Set by infra/azure.bicep; when set, server and worker send request telemetry there (bot/telemetry).
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .regex(
      /(^|;)\s*InstrumentationKey=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*(;|$)/i,
      'must be an Application Insights connection string: InstrumentationKey=<GUID>;IngestionEndpoint=…',
    )
    .optional(),
  DATA_DIR: z.string().min(1).default('data'),
  SQLITE_PATH: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:pass@host:5432/db')
    .optional(),
  // `entra`: the password of each PostgreSQL connection is a Microsoft Entra token of the App Service
  // managed identity (DATABASE_IDENTITY_CLIENT_ID names a user-assigned one), not a stored secret.
  DATABASE_AUTH: z
    .enum(['password', 'entra'], {
      errorMap: () => ({ message: 'must be password or entra' }),
    })
    .default('password'),
  DATABASE_IDENTITY_CLIENT_ID: z
    .string()
    .uuid('must be the client id of the user-assigned managed identity, a GUID')
    .optional(),
  TOKEN_ENCRYPTION_KEY: encryptionKey,
  TOKEN_ENCRYPTION_PREVIOUS_KEYS: previousEncryptionKeys,

  M365_AUTHORITY_HOST: httpsUrl.optional(),
  M365_TENANT_ID: z.string().min(1).default('organizations'),
  AAD_APP_SIGN_IN_AUDIENCE: z
    .enum(['AzureADMultipleOrgs', 'AzureADMyOrg'], {
      errorMap: () => ({
        message:
          'must be AzureADMultipleOrgs (one app for many customer tenants) or AzureADMyOrg (an organisation hosting its own app)',
      }),
    })
    .default('AzureADMultipleOrgs'),
  GRAPH_BASE_URL: httpsUrl.optional(),
  AAD_APP_CLIENT_ID: z.string().uuid('must be the application (client) id, a GUID').optional(),
  AAD_APP_CLIENT_SECRET: z.string().min(1).optional(),
  AAD_APP_ID_URI: z.string().min(1).optional(),
  SYNC_SCOPES: list([
    'User.Read',
    'Mail.Read',
    'Mail.Send',
    'Calendars.ReadWrite',
    'offline_access',
    'openid',
    'profile',
    'email',
  ]),

  // The Teams app's id, which card links to the Sync health tab need; unset, cards link the tab's web page.
  TEAMS_APP_ID: z.string().uuid('must be the Teams app id, a GUID').optional(),
  BOT_ID: z.string().uuid('must be the bot app id, a GUID').optional(),
  BOT_PASSWORD: z.string().min(1).optional(),
  // Where channel tokens on /api/messages are checked (OpenID metadata with the JWKS) and who must have
  // issued them; the bot → channel token comes from the BOT_LOGIN_URL authority. Defaults: Microsoft's, or the
  // emulator's Bot Framework endpoints when USE_EMULATOR (emulator/README.md).
  BOT_OPENID_METADATA_URL: httpsUrl.optional(),
  BOT_TOKEN_ISSUER: z.string().min(1).optional(),
  BOT_LOGIN_URL: httpsUrl.optional(),
  IT_ADMINS: itAdminList,
  // How long the bot keeps a person's Teams member details (e-mail, UPN) between turns; 0 asks Teams
  // every turn. Kept short: the addresses decide which CRM user someone is.
  TEAMS_MEMBER_CACHE_SECONDS: int(60, 0, 600),

  USE_EMULATOR: bool(true),
  EMULATOR_PORT: int(4433, 1, 65535),
  EMULATOR_SEED: z.string().min(1).default('emulator/seeds/demo'),
  EMULATOR_CA_CERT: z.string().min(1).optional(),
  CRM_SEED: z.string().min(1).default('bot/crm/demo-crm.json'),
  START_PLAYGROUND: bool(true),
  PLAYGROUND_PORT: int(56150, 1, 65535),

  MAIL_FOLDERS: list(['inbox', 'sentitems']),
  MAIL_HISTORY_DAYS: int(90, 0, 3650),
  DIARY_DAYS_BACK: int(90, 0, 3650),
  DIARY_DAYS_AHEAD: int(365, 1, 3650),
  POLL_INTERVAL_SECONDS: int(300, 5, 86400),
  // While an account's change notifications are live it is read only this often (a safety delta);
  // with no word from Graph on one of its subscriptions for NOTIFICATION_SILENCE_SECONDS it goes
  // back to POLL_INTERVAL_SECONDS until Graph is heard from again.
  NOTIFIED_POLL_INTERVAL_SECONDS: int(10800, 5, 86400),
  NOTIFICATION_SILENCE_SECONDS: int(3600, 5, 86400),
  // The sync worker: mailboxes synced at once per worker process, how long an account lease lasts
  // without a heartbeat (a crashed worker's accounts are taken over after it), the delta page size
  // asked of Graph (Prefer: odata.maxpagesize), how many of a mailbox's resources (folders,
  // calendar) page at once (Graph allows four concurrent requests per app and mailbox; the default
  // gives each default resource its own and keeps one for side requests and retries), and whether
  // Graph change notifications are subscribed to (polling alone when false).
  SYNC_MAX_MAILBOXES: int(8, 1, 1000),
  SYNC_LEASE_SECONDS: int(60, 2, 3600),
  SYNC_PAGE_SIZE: int(1000, 1, 1000),
  SYNC_ROUNDS_PER_MAILBOX: int(DEFAULT_ROUNDS_PER_MAILBOX, 1, 4),
  GRAPH_NOTIFICATIONS: bool(true),
  STORE_MAIL_WITHOUT_CONTACT: bool(false),
  RUN_WORKER_IN_SERVER: bool(true),
  // `npm run worker` answers GET /healthz on this port when set (App Service probes it); unset, a
  // worker opens no port, so several can run on one machine.
  WORKER_HEALTH_PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a TCP port number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, 'must be a TCP port number between 1 and 65535')
    .optional(),
  SHUTDOWN_TIMEOUT_MS: int(10000, 100, 600000),
});

type Variables = z.output<typeof variables>;

/**
 * Which entry point reads the configuration: the server (bot, tab, API; `main.ts`) or a sync worker
 * alone (`worker-main.ts`). The role comes from the code that runs, never from a setting, so a
 * server cannot be talked into the worker's rules.
 */
export type ProcessRole = 'server' | 'worker';

/** What production refuses at start-up (SECURITY.md): each problem names its variable. */
function productionRules(c: Variables, ctx: z.RefinementCtx, role: ProcessRole): void {
  const refuse = (path: keyof Variables, message: string) =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  if (role === 'worker' && c.BOT_PASSWORD) {
    refuse(
      'BOT_PASSWORD',
      'must not be given to a sync worker in production: it never talks to Bot Framework, and a secret it holds can leak from it',
    );
  }
  if (role === 'server' && !c.BOT_ID) {
    refuse(
      'BOT_ID',
      'is required in production: without it /api/messages accepts activities without a Bot Framework token',
    );
  }
  if (!c.PUBLIC_URL?.startsWith('https://')) {
    refuse(
      'PUBLIC_URL',
      'must be set to the public https:// address in production (sign-in redirects and Secure cookies need it)',
    );
  }
  if (c.DATABASE_URL && sslModeOf(c.DATABASE_URL) !== VERIFIED_SSL_MODE) {
    refuse(
      'DATABASE_URL',
      `must end with ?sslmode=${VERIFIED_SSL_MODE} in production, so the database server's certificate is checked`,
    );
  }
  if (c.BOT_TOKEN_ISSUER !== undefined && c.BOT_TOKEN_ISSUER !== BOT_FRAMEWORK_ISSUER) {
    refuse('BOT_TOKEN_ISSUER', `must be ${BOT_FRAMEWORK_ISSUER} (or unset) in production`);
  }
  if (c.TOKEN_ENCRYPTION_KEY && !looksRandom(c.TOKEN_ENCRYPTION_KEY)) {
    refuse(
      'TOKEN_ENCRYPTION_KEY',
      'is not random (too few distinct bytes); generate one with `openssl rand -base64 32`',
    );
  }
  if (c.TOKEN_ENCRYPTION_PREVIOUS_KEYS.some((k) => !looksRandom(k))) {
    refuse(
      'TOKEN_ENCRYPTION_PREVIOUS_KEYS',
      'holds a key that is not random (too few distinct bytes); remove it',
    );
  }
}

/** Entra sign-in to PostgreSQL: a URL with the role's name and no password of its own. */
function databaseAuthRules(c: Variables, ctx: z.RefinementCtx): void {
  const refuse = (path: keyof Variables, message: string) =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
  if (c.DATABASE_AUTH !== 'entra') {
    if (c.DATABASE_IDENTITY_CLIENT_ID)
      refuse('DATABASE_IDENTITY_CLIENT_ID', 'is only used with DATABASE_AUTH=entra');
    return;
  }
  if (!c.DATABASE_URL) {
    refuse('DATABASE_URL', 'is required with DATABASE_AUTH=entra (Entra sign-in is for PostgreSQL only)');
    return;
  }
  const { user, password } = credentialsOf(c.DATABASE_URL);
  if (password) {
    refuse(
      'DATABASE_URL',
      'must not carry a password with DATABASE_AUTH=entra: the password of each connection is an Entra token of the managed identity; remove it from the URL',
    );
  }
  if (!user) {
    refuse(
      'DATABASE_URL',
      "must name the database role of the managed identity with DATABASE_AUTH=entra, e.g. postgres://<identity's name>@host:5432/db",
    );
  }
}

/** Every environment variable the code reads; tests check the README and env files against it. */
export const CONFIG_KEYS = Object.keys(variables.shape) as (keyof typeof variables.shape)[];

export const configSchemaFor = (role: ProcessRole) =>
  variables
    .superRefine((c, ctx) => {
      if (c.NODE_ENV === 'production' && !c.TOKEN_ENCRYPTION_KEY) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['TOKEN_ENCRYPTION_KEY'],
          message: 'is required in production (32 bytes as base64); it encrypts stored refresh tokens',
        });
      }
      if (c.NODE_ENV === 'production' && c.USE_EMULATOR) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['USE_EMULATOR'],
          message:
            'must be false in production; set M365_AUTHORITY_HOST and GRAPH_BASE_URL for a real tenant',
        });
      }
      if (!c.USE_EMULATOR) {
        for (const key of ['AAD_APP_CLIENT_ID', 'AAD_APP_CLIENT_SECRET'] as const) {
          if (!c[key]) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [key],
              message: 'is required when USE_EMULATOR=false (values from your Entra app registration)',
            });
          }
        }
      }
      if (
        c.AAD_APP_SIGN_IN_AUDIENCE === 'AzureADMyOrg' &&
        MULTI_TENANT_SEGMENTS.includes(c.M365_TENANT_ID.toLowerCase())
      ) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['M365_TENANT_ID'],
          message:
            'must be your tenant id (or verified domain) when AAD_APP_SIGN_IN_AUDIENCE=AzureADMyOrg: Entra refuses a single-tenant app on /organizations and /common (AADSTS50194)',
        });
      }
      databaseAuthRules(c, ctx);
      if (c.NODE_ENV === 'production') productionRules(c, ctx, role);
      if (role === 'server' && c.BOT_ID && !c.BOT_PASSWORD) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['BOT_PASSWORD'],
          message: 'is required when BOT_ID is set',
        });
      }
    })
    .transform((c) => {
      const emulatorOrigin = `https://localhost:${c.EMULATOR_PORT}`;
      const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '');
      const clientId = c.AAD_APP_CLIENT_ID ?? '11111111-2222-4333-8444-555555555555';
      return {
        ...c,
        PUBLIC_URL: publicUrl,
        SQLITE_PATH: c.SQLITE_PATH ?? `${c.DATA_DIR}/cloud-sync.db`,
        EMULATOR_CA_CERT: c.EMULATOR_CA_CERT ?? `${c.DATA_DIR}/emulator/ca.pem`,
        M365_AUTHORITY_HOST: (
          c.M365_AUTHORITY_HOST ?? (c.USE_EMULATOR ? emulatorOrigin : 'https://login.microsoftonline.com')
        ).replace(/\/$/, ''),
        GRAPH_BASE_URL: (
          c.GRAPH_BASE_URL ?? (c.USE_EMULATOR ? emulatorOrigin : 'https://graph.microsoft.com')
        ).replace(/\/$/, ''),
        // The emulator's demo app registration; a real tenant must set its own (checked above).
        AAD_APP_CLIENT_ID: clientId,
        // Teams SSO wants `api://<fully qualified domain of the tab>/<client id>`, without a port.
        AAD_APP_ID_URI: c.AAD_APP_ID_URI ?? `api://${new URL(publicUrl).hostname}/${clientId}`,
        AAD_APP_CLIENT_SECRET: c.AAD_APP_CLIENT_SECRET ?? 'emulator-demo-secret',
        BOT_OPENID_METADATA_URL:
          c.BOT_OPENID_METADATA_URL ??
          (c.USE_EMULATOR
            ? `${emulatorOrigin}/botframework/v1/.well-known/openidconfiguration`
            : 'https://login.botframework.com/v1/.well-known/openidconfiguration'),
        BOT_TOKEN_ISSUER: c.BOT_TOKEN_ISSUER ?? BOT_FRAMEWORK_ISSUER,
        BOT_LOGIN_URL: (
          c.BOT_LOGIN_URL ??
          (c.USE_EMULATOR
            ? `${emulatorOrigin}/botframework.com`
            : 'https://login.microsoftonline.com/botframework.com')
        ).replace(/\/$/, ''),
      };
    });

export const configSchema = configSchemaFor('server');

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates a plain environment map; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>, role: ProcessRole = 'server'): Config {
  // Empty strings in env files mean "not set", as Teams Toolkit writes them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchemaFor(role).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(config)'} ${i.message}`));
  }
  return result.data;
}

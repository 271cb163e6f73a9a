import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppManifestUtils } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../bot/config/config.js';
import { readEnvFiles } from '../bot/config/env-files.js';

/**
 * `npm run package [-- --env NAME]`: fills the `${{VAR}}` placeholders of appPackage/manifest.json from
 * env/.env.NAME (+ .user, and the real environment, which wins), validates the result against the
 * official schema bundled with @microsoft/app-manifest, and writes appPackage/build/appPackage.NAME.zip.
 *
 * Env `local` describes the local stack until `teamsapp provision --env local` writes real ids: the
 * server address and Entra app the server itself defaults to, and the Agents Playground's bot id
 * (BOT_ID cannot sit in env/.env.local, since a bot id switches on Bot Framework token checks).
 */

/** The local build's Teams app id, until provisioning registers one. */
const LOCAL_TEAMS_APP_ID = '5c0d1a7e-8f2b-4c3d-9e4f-6a7b8c9d0e1f';

const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
// A fixed timestamp keeps the zip byte-identical for identical input, so rebuilds are comparable.
const ZIP_DATE = new Date(Date.UTC(2024, 0, 1));

type AppManifest = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];
type ManifestSchema = NonNullable<Parameters<typeof AppManifestUtils.validateAgainstSchema>[1]>;

export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

/** Names of the placeholders in a template, each once, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/** Replaces every placeholder; refuses, naming them all, when any has no value. */
export function fillPlaceholders(
  template: string,
  env: Record<string, string | undefined>,
  envFileName = 'env/.env.<env>',
): string {
  const unfilled = placeholdersIn(template).filter((name) => !env[name]);
  if (unfilled.length > 0) {
    throw new PackageError(
      `Unfilled placeholders in appPackage/manifest.json: ${unfilled.join(', ')}. ` +
        `Set them in ${envFileName} (teamsapp provision writes the ids) or in the environment.`,
    );
  }
  // Values land inside JSON strings, so they are escaped as JSON string content.
  return template.replace(PLACEHOLDER, (_match, name: string) => JSON.stringify(env[name]).slice(1, -1));
}

/** The official schema for the manifest's own `manifestVersion`, from the copy the package bundles. */
export function bundledSchema(manifestVersion: unknown): ManifestSchema {
  const require = createRequire(import.meta.url);
  const file = `@microsoft/app-manifest/build/json-schemas/teams/v${String(manifestVersion)}/MicrosoftTeams.schema.json`;
  let resolved: string;
  try {
    resolved = require.resolve(file);
  } catch {
    throw new PackageError(`No bundled Teams manifest schema for manifestVersion ${String(manifestVersion)}`);
  }
  return JSON.parse(readFileSync(resolved, 'utf8')) as ManifestSchema;
}

/** Schema violations of a filled manifest, one readable line each; empty when valid. */
export async function schemaErrors(manifest: Record<string, unknown>): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(
    manifest as unknown as AppManifest,
    bundledSchema(manifest.manifestVersion),
  );
}

export interface PackageOptions {
  rootDir: string;
  envName: string;
  /** Overrides the env files, as the real environment does on the command line. */
  overrides?: Record<string, string | undefined>;
}

export async function buildAppPackage(options: PackageOptions): Promise<string> {
  const { rootDir, envName } = options;
  if (!/^[a-z0-9-]+$/.test(envName)) {
    throw new PackageError(`"${envName}" is not an env name such as local or dev`);
  }
  const envFile = path.join(rootDir, 'env', `.env.${envName}`);
  if (!existsSync(envFile)) throw new PackageError(`No env file env/.env.${envName}`);

  const given = { ...withoutEmpty(readEnvFiles(rootDir, envName)), ...withoutEmpty(options.overrides ?? {}) };
  const env = envName === 'local' ? { ...localStackDefaults(rootDir, given), ...given } : given;
  const packageDir = path.join(rootDir, 'appPackage');
  const template = readFileSync(path.join(packageDir, 'manifest.json'), 'utf8');
  const manifest = JSON.parse(fillPlaceholders(template, env, `env/.env.${envName}`)) as Record<
    string,
    unknown
  >;

  const errors = await schemaErrors(manifest);
  if (errors.length > 0) {
    throw new PackageError(`appPackage/manifest.json breaks the Teams schema:\n  ${errors.join('\n  ')}`);
  }

  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date: ZIP_DATE });
  for (const icon of iconFiles(manifest)) {
    const iconPath = path.join(packageDir, icon);
    if (!existsSync(iconPath))
      throw new PackageError(`The manifest names ${icon}, which is not in appPackage/`);
    zip.file(icon, readFileSync(iconPath), { date: ZIP_DATE });
  }
  const out = path.join(packageDir, 'build', `appPackage.${envName}.zip`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return out;
}

/** What the local stack runs as, for the placeholders provisioning has not filled. */
function localStackDefaults(rootDir: string, env: Record<string, string>): Record<string, string> {
  let config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new PackageError(err.message);
    throw err;
  }
  const defaults: Record<string, string> = {
    TEAMS_APP_ID: LOCAL_TEAMS_APP_ID,
    PUBLIC_URL: config.PUBLIC_URL,
    PUBLIC_HOSTNAME: new URL(env.PUBLIC_URL ?? config.PUBLIC_URL).hostname,
    AAD_APP_CLIENT_ID: config.AAD_APP_CLIENT_ID,
  };
  const playground = path.join(rootDir, '.m365agentsplayground.yml');
  if (existsSync(playground)) {
    const botId = (parseYaml(readFileSync(playground, 'utf8')) as { bot?: { id?: unknown } }).bot?.id;
    if (typeof botId === 'string') defaults.BOT_ID = botId;
  }
  return defaults;
}

function iconFiles(manifest: Record<string, unknown>): string[] {
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  return Object.values(icons).filter((v): v is string => typeof v === 'string');
}

function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}

function envNameFromArgs(argv: string[]): string {
  const i = argv.indexOf('--env');
  return (i >= 0 ? argv[i + 1] : undefined) ?? process.env.TEAMSFX_ENV ?? 'local';
}

async function main(): Promise<void> {
  const envName = envNameFromArgs(process.argv.slice(2));
  try {
    const out = await buildAppPackage({ rootDir: process.cwd(), envName, overrides: process.env });
    console.log(`Teams app package for "${envName}": ${path.relative(process.cwd(), out)}`);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}

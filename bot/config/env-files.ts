import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { parseConfig, type Config, type ProcessRole } from './config.js';

/**
 * Reads Teams Toolkit style env files (`env/.env.<name>` then `env/.env.<name>.user`, where secrets
 * live), lets the real environment win over both, and validates the result once.
 */
export function readEnvFiles(rootDir: string, envName: string): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const file of [`.env.${envName}`, `.env.${envName}.user`]) {
    const full = path.join(rootDir, 'env', file);
    if (existsSync(full)) Object.assign(merged, parse(readFileSync(full)));
  }
  return merged;
}

export interface LoadOptions {
  rootDir?: string;
  env?: Record<string, string | undefined>;
  /** Write a fresh vault key into env/.env.<name>.user when none is configured (local runs only). */
  generateLocalKey?: boolean;
  /** The entry point reading it (config.ts, ProcessRole); the server's rules unless said. */
  processRole?: ProcessRole;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const rootDir = options.rootDir ?? process.cwd();
  const env = options.env ?? process.env;
  const envName = env.TEAMSFX_ENV || 'local';
  const merged = { ...readEnvFiles(rootDir, envName), ...stripEmpty(env) };

  if (options.generateLocalKey && !merged.TOKEN_ENCRYPTION_KEY && merged.NODE_ENV !== 'production') {
    merged.TOKEN_ENCRYPTION_KEY = writeLocalKey(rootDir, envName);
  }
  return parseConfig(merged, options.processRole);
}

function stripEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function writeLocalKey(rootDir: string, envName: string): string {
  const key = randomBytes(32).toString('base64');
  const dir = path.join(rootDir, 'env');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `.env.${envName}.user`);
  const prefix = existsSync(file) && !readFileSync(file, 'utf8').endsWith('\n') ? '\n' : '';
  appendFileSync(
    file,
    `${prefix}# Generated on first local run: encrypts stored refresh tokens. Keep it secret; losing it means users reconnect.\nTOKEN_ENCRYPTION_KEY=${key}\n`,
    { mode: 0o600 },
  );
  return key;
}

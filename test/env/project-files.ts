import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';

/** Readers for the deployment files the env, infra and app-package tests cross-check. */

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

export const envFile = (name: string): Record<string, string> => parse(read(`env/.env.${name}`));

/** Files Teams Toolkit fills `${{VAR}}` placeholders in. */
export const PLACEHOLDER_FILES = [
  'teamsapp.yml',
  'teamsapp.local.yml',
  'aad.manifest.json',
  'appPackage/manifest.json',
  'infra/azure.parameters.json',
];

export function placeholderNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1] as string));
}

export function placeholdersUsedByInfra(): Set<string> {
  return new Set(PLACEHOLDER_FILES.flatMap((f) => [...placeholderNames(read(f))]));
}

export const bicepOutputs = (bicep: string) =>
  [...bicep.matchAll(/^output\s+(\w+)\s/gm)].map((m) => m[1] as string);

export const bicepParams = (bicep: string) =>
  [...bicep.matchAll(/^param\s+(\w+)\s/gm)].map((m) => m[1] as string);

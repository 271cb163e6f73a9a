import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import JSZip from 'jszip';
import { pruneNodeModules } from './prune-node-modules.js';

/**
 * `npm run artifact`: the one thing App Service runs. Builds the server, worker and tab (`npm run
 * build`), stages the compiled code with package.json and the lock file in `.deploy/app`, installs the
 * production dependencies alone there (`npm ci --omit=dev`), zips the folder to
 * `.deploy/cloud-sync.zip` and prints both sizes. `teamsapp deploy` uploads `.deploy/app` to both web
 * apps; the Bicep starts `node --enable-source-maps dist/bot/main.js` (server) and
 * `dist/bot/worker-main.js` (workers) in it.
 *
 * better-sqlite3 is compiled for the Node.js that runs this script, so the artifact must be built on
 * the Node.js major App Service runs (the Bicep's linuxFxVersion); `--for-this-node` lifts that check
 * for a build that runs right here (the deployed-layout test).
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT_DIR = path.join(ROOT, '.deploy');
const STAGE_NAME = 'app';
const ZIP_NAME = 'cloud-sync.zip';
// A fixed timestamp keeps the zip's entries byte-identical for identical input.
const ZIP_DATE = new Date(Date.UTC(2024, 0, 1));

/** What the artifact holds besides its node_modules, relative to the repository. */
export const ARTIFACT_CONTENT = ['dist', 'tab/dist', 'package.json', 'package-lock.json', '.npmrc'];

export interface ArtifactResult {
  dir: string;
  zip: string;
  unpackedBytes: number;
  zipBytes: number;
}

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactError';
  }
}

/** The Node.js major App Service is told to run (`NODE|24-lts` in infra/azure.bicep). */
export function deployedNodeMajor(bicep: string): number {
  const versions = new Set([...bicep.matchAll(/linuxFxVersion:\s*'NODE\|(\d+)-lts'/g)].map((m) => m[1]));
  if (versions.size !== 1)
    throw new ArtifactError('infra/azure.bicep must name one NODE|<major>-lts runtime');
  return Number([...versions][0]);
}

export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** Runs a step; quietly, its output only shows when it fails. */
function run(command: string, args: string[], cwd: string, quiet: boolean): void {
  try {
    execFileSync(command, args, {
      cwd,
      stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new ArtifactError(
      `${command} ${args.join(' ')} failed:\n${String(e.stdout ?? '')}${String(e.stderr ?? '')}`,
    );
  }
}

async function zipFolder(dir: string, zipPath: string): Promise<void> {
  const zip = new JSZip();
  const add = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const name = path.relative(dir, full).split(path.sep).join('/');
      if (entry.isDirectory()) add(full);
      else if (entry.isFile())
        zip.file(name, readFileSync(full), { date: ZIP_DATE, unixPermissions: statSync(full).mode });
    }
  };
  add(dir);
  const bytes = await zip.generateAsync({
    type: 'nodebuffer',
    platform: 'UNIX',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
  });
  writeFileSync(zipPath, bytes);
}

export async function buildArtifact(
  options: { build?: boolean; forThisNode?: boolean; quiet?: boolean } = {},
): Promise<ArtifactResult> {
  const thisMajor = Number(process.versions.node.split('.')[0]);
  const deployedMajor = deployedNodeMajor(readFileSync(path.join(ROOT, 'infra', 'azure.bicep'), 'utf8'));
  if (!options.forThisNode && thisMajor !== deployedMajor) {
    throw new ArtifactError(
      `This is Node.js ${process.versions.node}, App Service runs Node.js ${deployedMajor}: build the ` +
        `artifact on Node.js ${deployedMajor}, whose native modules (better-sqlite3) it will load.`,
    );
  }
  if (options.build !== false) run('npm', ['run', 'build'], ROOT, options.quiet ?? false);

  const dir = path.join(OUT_DIR, STAGE_NAME);
  const zipPath = path.join(OUT_DIR, ZIP_NAME);
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const item of ARTIFACT_CONTENT)
    cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
  // Install scripts are skipped: the one native module is copied from the repository's own install,
  // compiled for this same Node.js, instead of being compiled again.
  run(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
    dir,
    options.quiet ?? false,
  );
  copyNativeBuild(dir);
  pruneNodeModules(path.join(dir, 'node_modules'));
  await zipFolder(dir, zipPath);
  return { dir, zip: zipPath, unpackedBytes: folderBytes(dir), zipBytes: statSync(zipPath).size };
}

/** better-sqlite3's compiled addon, from the repository's node_modules (the lock file pins one version). */
function copyNativeBuild(dir: string): void {
  const addon = path.join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  const version = (root: string) =>
    (
      JSON.parse(readFileSync(path.join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  if (version(ROOT) !== version(dir))
    throw new ArtifactError('node_modules/better-sqlite3 differs from the lock file: run npm ci first');
  mkdirSync(path.dirname(path.join(dir, addon)), { recursive: true });
  cpSync(path.join(ROOT, addon), path.join(dir, addon));
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  buildArtifact({ build: !args.includes('--no-build'), forThisNode: args.includes('--for-this-node') }).then(
    (r) => {
      console.log(
        `Artifact for Node.js ${process.versions.node}: ${path.relative(ROOT, r.dir)} ${mb(r.unpackedBytes)} ` +
          `unpacked, ${path.relative(ROOT, r.zip)} ${mb(r.zipBytes)}`,
      );
    },
    (err: unknown) => {
      console.error(err instanceof ArtifactError ? err.message : err);
      process.exit(1);
    },
  );
}

import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * What the deployment artifact leaves out of its production node_modules: files Node.js never loads
 * when it runs the server and the worker. Each rule says why it is safe.
 */

/** File kinds no `require`/`import` reaches: type declarations, source maps, docs, packed sources. */
const DEAD_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.tgz)$/i;
/** Folders of the same kind: TypeScript 3.4 declarations. */
const DEAD_DIRS = new Set(['_ts3.4']);

/** Browser-only packages: pulled in by @azure/identity and teamsfx for their browser builds only. */
const BROWSER_ONLY_PACKAGES = ['@azure/msal-browser', '@microsoft/teams-js'];

/**
 * Paths inside packages that their Node.js entry points never reach: better-sqlite3's C sources and
 * build intermediates (the addon itself stays), test libraries botbuilder vendors for its own tests,
 * and the nested copies of recognizers-text-number that botbuilder-dialogs' postinstall removes
 * (install scripts are not run for the artifact).
 */
const DEAD_PATHS = [
  'better-sqlite3/deps',
  'better-sqlite3/src',
  'better-sqlite3/build/Release/obj',
  'better-sqlite3/build/Release/obj.target',
  'better-sqlite3/build/Release/test_extension.node',
  'better-sqlite3/build/deps',
  'botbuilder/vendors/chai',
  'botframework-streaming/vendors/chai',
  '@microsoft/recognizers-text-suite/node_modules/@microsoft/recognizers-text-number',
  '@microsoft/recognizers-text-date-time/node_modules/@microsoft/recognizers-text-number',
  '@microsoft/recognizers-text-number-with-unit/node_modules/@microsoft/recognizers-text-number',
];

interface PackageJson {
  main?: string;
  module?: string;
  browser?: unknown;
  exports?: unknown;
}

/**
 * The bundler-only builds of a package without an `exports` map: Node.js resolves such a package
 * through `main` alone, so its `module` and string `browser` files are never loaded (unless one is
 * `main` too).
 */
export function bundlerOnlyFiles(pkg: PackageJson): string[] {
  if (pkg.exports !== undefined) return [];
  const main = path.posix.normalize(pkg.main ?? 'index.js');
  const candidates = [pkg.module, typeof pkg.browser === 'string' ? pkg.browser : undefined];
  return candidates
    .filter((f): f is string => typeof f === 'string')
    .map((f) => path.posix.normalize(f))
    .filter((f) => f !== main && f !== main.replace(/\.js$/, '') && !f.endsWith('/'));
}

function packageDirs(nodeModules: string): string[] {
  const dirs: string[] = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const full = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) dirs.push(...packageDirs(full).filter((d) => path.dirname(d) === full));
    else dirs.push(full);
  }
  return dirs;
}

function removeDeadFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (DEAD_DIRS.has(entry.name)) rmSync(full, { recursive: true, force: true });
      else removeDeadFiles(full);
    } else if (DEAD_FILE.test(entry.name)) rmSync(full, { force: true });
  }
}

function removeBundlerBuilds(nodeModules: string): void {
  for (const dir of packageDirs(nodeModules)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
      for (const file of bundlerOnlyFiles(pkg)) rmSync(path.join(dir, file), { force: true });
    }
    const nested = path.join(dir, 'node_modules');
    if (existsSync(nested)) removeBundlerBuilds(nested);
  }
}

export function pruneNodeModules(nodeModules: string): void {
  for (const p of [...DEAD_PATHS, ...BROWSER_ONLY_PACKAGES])
    rmSync(path.join(nodeModules, p), { recursive: true, force: true });
  // Nested copies of the browser-only packages (under @azure/identity, teamsfx...).
  const nestedBrowserOnly = (dir: string) => {
    for (const pkg of packageDirs(dir)) {
      const nested = path.join(pkg, 'node_modules');
      if (!existsSync(nested)) continue;
      for (const p of BROWSER_ONLY_PACKAGES) rmSync(path.join(nested, p), { recursive: true, force: true });
      nestedBrowserOnly(nested);
    }
  };
  nestedBrowserOnly(nodeModules);
  removeBundlerBuilds(nodeModules);
  removeDeadFiles(nodeModules);
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The Node.js versions the product supports: package.json's `engines.node`. */
export function supportedNode(): string {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  return manifest.engines.node;
}

/**
 * Why `version` cannot measure the product, or undefined when it can. The figures describe the product on
 * the runtime it ships on: the same code on an unsupported Node.js is a different measurement (the bot's
 * CPU per turn was 1.7–1.9 ms on Node.js 20 against 1.0–1.2 ms on Node.js 24, same commit, same machine).
 */
export function unsupportedRuntime(version: string, range: string = supportedNode()): string | undefined {
  if (semver.satisfies(version, range)) return undefined;
  return (
    `Node.js ${version} is not a runtime Cloud Sync supports (package.json engines: "${range}"), so its ` +
    'figures would not describe the product. Run on Node.js 24, e.g. `bash scripts/with-node.sh 24 npm ci` ' +
    'once, then `bash scripts/with-node.sh 24 npm run bench` (bench/README.md, "The machine").'
  );
}

/** Ends the process with the reason when this Node.js is not one the product supports. */
export function refuseUnsupportedRuntime(): void {
  const reason = unsupportedRuntime(process.version);
  if (!reason) return;
  process.stderr.write(`${reason}\n`);
  process.exit(2);
}

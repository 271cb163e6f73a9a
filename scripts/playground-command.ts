import path from 'node:path';

/**
 * The node arguments that start one Agents Playground, shared by `npm start` and the tests so both run
 * it the same way: console output kept (playground-console.cjs), loopback only (playground-loopback.cjs).
 */
export function playgroundNodeArgs(
  repoRoot: string,
  options: { botEndpoint: string; port: number },
): string[] {
  return [
    '-r',
    path.join(repoRoot, 'scripts/playground-console.cjs'),
    '-r',
    path.join(repoRoot, 'scripts/playground-loopback.cjs'),
    path.join(repoRoot, 'node_modules/@microsoft/m365agentsplayground/cli.js'),
    'start',
    '-e',
    options.botEndpoint,
    '-c',
    'msteams',
    '-p',
    String(options.port),
    '--disable-telemetry',
  ];
}

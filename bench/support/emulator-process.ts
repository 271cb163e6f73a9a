import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type TestEmulator } from '../../test/support/emulator.js';

/**
 * Starts `bench/support/emulator-entry.ts` as a child process and describes it like an in-process
 * test emulator, except that its state (`ctx`) lives in the other process: everything goes through
 * its HTTP and control APIs. `pid` lets the bench read the process's CPU time.
 */
export interface EmulatorProcess extends TestEmulator {
  pid: number;
}

export function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'bench/support/emulator-entry.ts')],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`the emulator process exited with ${code}: ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || !line) return;
      const started = JSON.parse(line) as { origin: string; caPem: string; dataDir: string };
      resolve({
        ...started,
        pid: child.pid!,
        get ctx(): never {
          throw new Error('the emulator runs in its own process: use its control API');
        },
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * The machine a figure was measured on. Every figure in the results files carries it, because a
 * number without its machine cannot be compared with anything.
 */
export interface Machine {
  cpuModel: string;
  cores: number;
  ramMb: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

export type Stamped<T> = T & { machine: Machine; measuredAt: string; commit: string | null };

/**
 * The commit the code was at, so a section measured alone and merged into the results file says which
 * code it measured; null outside a git checkout.
 */
function commit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    return null;
  }
}

/** A figure with its machine, the commit and the time it was measured. */
export function stamp<T extends object>(figure: T): Stamped<T> {
  return { ...figure, machine: machine(), measuredAt: new Date().toISOString(), commit: commit() };
}

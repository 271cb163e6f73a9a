import { readFileSync } from 'node:fs';

/**
 * CPU time and resident memory of another process, from /proc (Linux): the worker runs in its own
 * process so that its cost is not mixed with the emulator's.
 */

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}

/** Samples a process's RSS until stopped; the peak is what a memory target is about. */
export function rssSampler(pid: number, intervalMs = 250): { stop(): { peakMb: number; lastMb: number } } {
  let peak = 0;
  let last = 0;
  const sample = () => {
    try {
      last = rssMb(pid);
      peak = Math.max(peak, last);
    } catch {
      // The process has exited; keep what was seen.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakMb: peak, lastMb: last };
    },
  };
}

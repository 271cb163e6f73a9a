import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and resident memory of another process, from /proc (Linux): the worker runs in its own
 * process so that its cost is not mixed with the emulator's.
 */

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name, which may contain spaces. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

const ticksToMs = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;

export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ticksToMs(Number(fields[11]) + Number(fields[12]));
}

/**
 * CPU time of a process and its children: the live ones read one by one, the ones that have ended
 * through the time the parent collected from them (cutime, cstime). PostgreSQL's backends are the
 * postmaster's children, and come and go with connections.
 */
export function treeCpuMs(pid: number): number {
  const own = statFields(pid);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Ended between listing and reading: its time is now the parent's.
    }
  }
  return ticksToMs(ticks);
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

/** CPU time all of the machine's cores spent busy so far (from /proc/stat), and how many cores there are. */
export function machineBusyMs(): { busyMs: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const total = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = total.reduce((a, b) => a + b, 0) - total[3]! - total[4]!;
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  return { busyMs: ticksToMs(busy), cores };
}

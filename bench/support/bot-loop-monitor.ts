import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/**
 * Loaded into the bench's bot process before bot/main.ts (bot-main.ts), so the product stays as it
 * ships: how late the bot's event loop ran its callbacks (perf_hooks.monitorEventLoopDelay) and how
 * long V8's collector paused it, over a window the bench opens and closes through the IPC channel.
 * A turn that waits is either behind other turns' work on the loop, or behind a collection.
 */

export interface LoopWindow {
  /** How late the loop ran a timer over the window, in ms (sampled every 10 ms). */
  delay: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Garbage collections over the window: how many, their total pause and the longest. */
  gc: { count: number; totalMs: number; maxMs: number };
}

export type LoopMessage = { loopMonitor: 'reset' } | { loopMonitor: 'report' };

const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
delay.enable();
let gc = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count += 1;
    gc.totalMs += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

/** The histogram holds the timer's whole interval: what is beyond the resolution is the delay. */
const lateMs = (ns: number) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100);

process.on('message', (message: LoopMessage) => {
  if (message.loopMonitor === 'reset') {
    delay.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0 };
    return;
  }
  const report: LoopWindow = {
    delay: {
      p50Ms: lateMs(delay.percentile(50)),
      p99Ms: lateMs(delay.percentile(99)),
      maxMs: lateMs(delay.max),
    },
    gc: { count: gc.count, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs * 100) / 100 },
  };
  process.send?.(report);
});
// The channel must not keep the bot alive after a SIGTERM.
process.channel?.unref();

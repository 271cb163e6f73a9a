import { stamp } from './machine.js';

/**
 * Runs one section of a bench run: prints what it is doing, stamps the figure with the machine and
 * time, and turns a failure into a recorded error so that one broken section does not lose the rest.
 */
export async function section<T extends object>(
  name: string,
  enabled: boolean,
  run: () => Promise<T>,
): Promise<(T & { machine: unknown; measuredAt: string; seconds?: number }) | { error: string } | undefined> {
  if (!enabled) return undefined;
  const started = performance.now();
  console.error(`[${new Date().toISOString()}] ${name}…`);
  try {
    const figure = await run();
    const tookSeconds = Math.round((performance.now() - started) / 100) / 10;
    console.error(`[${new Date().toISOString()}] ${name} done in ${tookSeconds} s`);
    return { ...stamp(figure), runSeconds: tookSeconds };
  } catch (err) {
    console.error(`[${new Date().toISOString()}] ${name} failed:`, err);
    return { error: err instanceof Error ? err.message.slice(0, 2000) : String(err), ...stamp({}) };
  }
}

/** A figure that could not be measured in this run, with the reason, in the same stamped shape. */
export function notMeasured<K extends string>(keys: readonly K[], reason: string) {
  return stamp({
    ...(Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>),
    notMeasured: reason,
  });
}

/** One dependency the server needs (store, emulator...); `check` rejects when it is unusable. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'failing';
  uptimeSeconds: number;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`, so a hung dependency cannot hang /healthz. */
export async function runHealthChecks(checks: HealthCheck[], timeoutMs = 3000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        return [c.name, { ok: false, ms: Math.round(performance.now() - started), error }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const report: HealthReport = {
    status: results.every(([, r]) => r.ok) ? 'ok' : 'failing',
    uptimeSeconds: Math.round(process.uptime()),
    checks: Object.fromEntries(results),
  };
  return report;
}

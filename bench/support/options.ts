/**
 * Sizes and switches of a run, from the environment (`BENCH_MESSAGES=5000 npm run bench`) or from
 * `--name=value` flags; the defaults are the issue's. Load stays bounded: every size has a ceiling.
 */
export function option(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = flag ? flag.slice(name.length + 3) : process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.min(value, max);
}

/** `BENCH_ONLY=initialSync,freshness` runs just those sections. */
export function selected(section: string, variable = 'BENCH_ONLY'): boolean {
  const flag = process.argv.find((a) => a.startsWith('--only='));
  const only = flag ? flag.slice('--only='.length) : process.env[variable];
  if (!only) return true;
  return only
    .split(',')
    .map((s) => s.trim())
    .includes(section);
}

/** Counts Intl.DateTimeFormat constructions while `run` runs (formatter caches are judged by it). */
export async function formattersBuilt(run: () => unknown): Promise<number> {
  const Original = Intl.DateTimeFormat;
  let built = 0;
  const Counting = function (this: unknown, ...args: ConstructorParameters<typeof Original>) {
    built += 1;
    return new Original(...args);
  } as unknown as typeof Original;
  Intl.DateTimeFormat = Counting;
  try {
    await run();
  } finally {
    Intl.DateTimeFormat = Original;
  }
  return built;
}

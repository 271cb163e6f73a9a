/**
 * Secrets that must never reach a log: the given literal values (client secret, encryption key,
 * clientState secrets, tokens handed out during the run) and anything shaped like a JWT or a bearer
 * header. Returns how many occurrences were found, and where, briefly.
 */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/g;
const BEARER = /bearer\s+[\w.-]{20,}/gi;

export function findSecrets(
  logText: string,
  literals: readonly string[],
): { count: number; examples: string[] } {
  let count = 0;
  const examples: string[] = [];
  const found = (what: string, at: number) => {
    count += 1;
    if (examples.length < 5)
      examples.push(`${what} near: ${logText.slice(Math.max(0, at - 60), at).replace(/\s+/g, ' ')}`);
  };
  for (const literal of literals) {
    if (literal.length < 8) continue;
    for (let at = logText.indexOf(literal); at !== -1; at = logText.indexOf(literal, at + 1))
      found('a secret value', at);
  }
  for (const m of logText.matchAll(JWT)) found('a JWT', m.index ?? 0);
  for (const m of logText.matchAll(BEARER)) found('a bearer token', m.index ?? 0);
  return { count, examples };
}

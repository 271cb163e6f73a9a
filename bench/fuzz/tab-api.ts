import fc from 'fast-check';
import { sql } from 'kysely';
import type { Logger } from '../../bot/logging/logger.js';
import type { Store } from '../../bot/store/store.js';
import { startTabStack, type TabStack } from '../../test/tab-api/fixtures/tab-stack.js';
import type { TestEmulator } from '../../test/support/emulator.js';
import { digest, newTally, note, outcome, type FuzzTally } from './tally.js';

/**
 * The tab's server side (mountTabSurface) on a real restify server with the demo CRM, driven with a
 * genuine SSO token and hostile requests: arbitrary JSON and non-JSON bodies, wrong content types,
 * odd query strings, on every API route. Any 5xx is a crash; any 4xx must leave every table as it was.
 */

export type TabSurface = TabStack;

export const TAB_ROUTES: readonly { method: string; path: string }[] = [
  { method: 'GET', path: '/api/me' },
  { method: 'GET', path: '/api/me/health' },
  { method: 'GET', path: '/api/me/privacy' },
  { method: 'PUT', path: '/api/me/privacy' },
  { method: 'POST', path: '/api/me/privacy/remove-copied' },
  { method: 'POST', path: '/api/me/sync-now' },
  { method: 'POST', path: '/api/me/pause' },
  { method: 'POST', path: '/api/me/resume' },
  { method: 'POST', path: '/api/me/disable' },
  { method: 'GET', path: '/api/tenant/users' },
  { method: 'GET', path: '/api/tenant/users.csv' },
  { method: 'GET', path: '/api/tenant/approvals' },
  { method: 'GET', path: '/api/tenant/stats' },
];

/** The tab stack of the API tests on the bench's emulator and logger, so the logs can be searched. */
export function startTabSurface(emulator: TestEmulator, logger: Logger): Promise<TabSurface> {
  return startTabStack({ emulator, logger });
}

/** Every row of every table: what "changed nothing" is checked against. */
export async function storeDigest(store: Store, exclude: readonly string[] = []): Promise<string> {
  const tables = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name
  `.execute(store.db);
  const all: unknown[] = [];
  for (const { name } of tables.rows.filter((t) => !exclude.includes(t.name)))
    all.push(name, (await sql`select * from ${sql.table(name)}`.execute(store.db)).rows);
  return digest(all);
}

export async function fuzzTabApi(surface: TabSurface, cases: number, seed: number): Promise<FuzzTally> {
  const tally = newTally();
  const tokens = {
    alice: await surface.ssoToken('alice.smith@contoso.com'),
    dan: await surface.ssoToken('dan.morgan@contoso.com'),
  };
  const body = fc.oneof(
    fc.json(),
    fc.anything().map((v) => {
      try {
        return JSON.stringify(v) ?? '';
      } catch {
        return String(v);
      }
    }),
    fc.string({ maxLength: 2000 }),
    fc
      .record(
        {
          blocklist: fc.oneof(fc.array(fc.string()), fc.anything()),
          privateMail: fc.oneof(fc.constantFrom('skip', 'metadata', 'include', ''), fc.anything()),
          retention: fc.oneof(fc.constantFrom('keep', 'purge', 'all'), fc.anything()),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );
  const request = fc.record({
    route: fc.constantFrom(...TAB_ROUTES),
    who: fc.constantFrom('alice', 'dan') as fc.Arbitrary<'alice' | 'dan'>,
    body: fc.option(body, { freq: 6 }),
    contentType: fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    ),
    query: fc.dictionary(
      fc.constantFrom('limit', 'hours', 'since', 'state', 'q', 'tenantId', '__proto__', 'x'),
      fc.string(),
      { maxKeys: 3 },
    ),
  });
  let before = await storeDigest(surface.store);
  for (const r of fc.sample(request, { numRuns: cases, seed })) {
    tally.cases += 1;
    const url = new URL(r.route.path, surface.baseUrl);
    for (const [k, v] of Object.entries(r.query)) url.searchParams.set(k, v);
    const hasBody = r.body !== null && r.route.method !== 'GET';
    try {
      const res = await fetch(url, {
        method: r.route.method,
        headers: {
          authorization: `Bearer ${tokens[r.who]}`,
          ...(hasBody ? { 'content-type': r.contentType } : {}),
        },
        ...(hasBody ? { body: r.body! } : {}),
      });
      await res.arrayBuffer();
      outcome(tally, res.status);
      const after = await storeDigest(surface.store);
      if (res.status >= 500)
        note(tally, 'crash', `${res.status} for ${r.route.method} ${url.pathname} ${r.body}`);
      else if (res.status >= 400 && after !== before)
        note(
          tally,
          'state',
          `${res.status} yet the store changed: ${r.route.method} ${url.pathname} ${r.body}`,
        );
      before = after;
    } catch (err) {
      note(tally, 'crash', `request failed: ${(err as Error).message}`);
    }
  }
  return tally;
}

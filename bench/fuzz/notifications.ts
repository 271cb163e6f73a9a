import fc from 'fast-check';
import type { Logger } from '../../bot/logging/logger.js';
import { newId, nowIso } from '../../bot/store/columns.js';
import { createHttpServer } from '../../bot/server/http-server.js';
import type { Store } from '../../bot/store/store.js';
import { hashClientState } from '../../bot/sync/client-state.js';
import { createNotificationBudget } from '../../bot/sync/notification-budget.js';
import { registerNotificationRoutes } from '../../bot/sync/notification-routes.js';
import { createSyncRequester } from '../../bot/sync/sync-requests.js';
import { CONTOSO, seedAccount } from '../../test/sync/support/accounts.js';
import { waitFor } from '../../test/sync/support/wait.js';
import { digest, newTally, note, outcome, type FuzzTally } from './tally.js';

/**
 * Graph notification posts to /api/notifications and /api/notifications/lifecycle, over HTTP: arbitrary
 * bodies and content types, near-valid collections naming unknown or real subscriptions with the wrong
 * clientState, oversized collections and odd validation tokens. None knows the subscription's secret,
 * so none may ask for a sync or change a subscription; every answer must be 200 (handshake), 202 or
 * 4xx, never 5xx.
 */

export const NOTIFICATION_SECRET = 'fuzz-client-state-secret-3f9a1c7e5b';

export async function fuzzNotifications(
  store: Store,
  logger: Logger,
  cases: number,
  seed: number,
): Promise<FuzzTally> {
  const tally = newTally();
  const db = store.db;
  const { accountId } = await seedAccount(store, {
    tenantId: CONTOSO.id,
    email: `notify.${newId()}@contoso.com`,
  });
  const subscriptionId = newId();
  await db
    .insertInto('graph_subscriptions')
    .values({
      id: subscriptionId,
      account_id: accountId,
      resource: 'mail:inbox',
      client_state_hash: hashClientState(NOTIFICATION_SECRET),
      expires_at: '2099-01-01T00:00:00.000Z',
      created_at: nowIso(),
      updated_at: nowIso(),
    })
    .execute();
  await db
    .updateTable('sync_accounts')
    .set({ next_run_at: '2099-01-01T00:00:00.000Z' })
    .where('id', '=', accountId)
    .execute();

  let requested = 0;
  const requests = createSyncRequester({
    db,
    coalesceMs: 5,
    onRequested: (ids) => (requested += ids.length),
  });
  const http = createHttpServer({ logger, healthChecks: [] });
  let handled = 0;
  let accepted = 0;
  // The budget is out of the way here: this measures what each body does, not the rate limit.
  const budget = createNotificationBudget({ maxInFlight: 1_000, burst: 1e9, perSecond: 1e9 }, Date.now);
  registerNotificationRoutes(http.server, { db, logger, requests, budget, onHandled: () => (handled += 1) });
  const port = await http.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const state = async () =>
    digest([
      await db.selectFrom('graph_subscriptions').selectAll().orderBy('id').execute(),
      await db.selectFrom('sync_accounts').select(['id', 'next_run_at', 'state']).orderBy('id').execute(),
    ]);
  const before = await state();

  const item = fc.record(
    {
      subscriptionId: fc.oneof(fc.constant(subscriptionId), fc.string({ minLength: 1 }), fc.uuid()),
      clientState: fc.oneof(
        fc.string(),
        fc.constant(null),
        fc.constant(`${NOTIFICATION_SECRET}x`),
        fc.anything(),
      ),
      changeType: fc.constantFrom('created', 'updated', 'deleted', ''),
      lifecycleEvent: fc.constantFrom('reauthorizationRequired', 'subscriptionRemoved', 'missed', 'other'),
      resource: fc.string(),
      tenantId: fc.oneof(fc.uuid(), fc.string()),
    },
    { requiredKeys: ['subscriptionId'] },
  );
  const body = fc.oneof(
    fc.anything().map((v) => safeJson(v)),
    fc.string(),
    fc.json(),
    fc.array(item, { minLength: 1, maxLength: 5 }).map((value) => safeJson({ value })),
    fc.constant(safeJson({ value: Array.from({ length: 1001 }, () => ({ subscriptionId })) })),
  );
  const request = fc.record({
    path: fc.constantFrom('/api/notifications', '/api/notifications/lifecycle'),
    body,
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
    validationToken: fc.oneof(
      { arbitrary: fc.constant(null), weight: 4 },
      { arbitrary: fc.string({ maxLength: 3000 }), weight: 1 },
    ),
  });

  try {
    for (const r of fc.sample(request, { numRuns: cases, seed })) {
      tally.cases += 1;
      const url = new URL(r.path, base);
      if (r.validationToken !== null) url.searchParams.set('validationToken', r.validationToken);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: r.contentType ? { 'content-type': r.contentType } : {},
          body: r.body,
        });
        await res.arrayBuffer();
        outcome(tally, res.status);
        if (res.status === 202) accepted += 1;
        if (res.status >= 500) note(tally, 'crash', `${res.status} for ${r.path} ${r.body}`);
      } catch (err) {
        note(tally, 'crash', `request failed: ${(err as Error).message}`);
      }
    }
    // Items are handled after the 202: wait for every accepted body before judging the state.
    await waitFor(() => handled >= accepted, 30_000, 'the accepted notifications to be handled', 5);
    await requests.flush();
    if (requested > 0) note(tally, 'state', `${requested} sync requests from posts without the secret`);
    if ((await state()) !== before) note(tally, 'state', 'subscriptions or accounts changed');
  } finally {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
  }
  return tally;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

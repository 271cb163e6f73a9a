import type { AttentionCause, AttentionEvent } from '../sync/account-attention.js';
import type { Logger } from '../logging/logger.js';
import { claimOnce } from '../store/claim-once.js';
import type { Store } from '../store/store.js';

/**
 * "Your sync needs you to reconnect", told once per transition wherever the worker runs. The worker
 * records each move to reconnect_required as a `token_revoked` audit entry; a bot process that hears of
 * it (the in-process worker's event, or by polling the audit log when workers run as separate processes)
 * first claims it by inserting a `reconnect_notified` entry whose id derives from the worker's entry —
 * the primary key lets exactly one process win, so the user gets one card even with several bots.
 */

export interface ReconnectNotices {
  /** The in-process worker's event: told at once. */
  onAttention(event: AttentionEvent): Promise<void>;
  /** Looks for entries written by workers in other processes. */
  poll(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export interface ReconnectNoticeDeps {
  store: Store;
  logger: Logger;
  send(accountId: string, cause: AttentionCause): Promise<void>;
  pollMs?: number;
  /** How far back the first poll looks, so a restart does not lose a notice. */
  lookBackMs?: number;
  now?: () => Date;
}

/** The audit entry keeps the plain-words reason only; the cause is read back from it. */
export function causeFromReason(reason: string | null): AttentionCause {
  const r = (reason ?? '').toLowerCase();
  // The worker's wording (bot/sync/token-provider.ts) and Entra's.
  if (r.includes('consent') || r.includes('permission')) return 'consent_revoked';
  if (r.includes('expired')) return 'token_expired';
  return 'invalid_grant';
}

export function createReconnectNotices(deps: ReconnectNoticeDeps): ReconnectNotices {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;
  let watermark = new Date(now().getTime() - (deps.lookBackMs ?? 24 * 3600_000)).toISOString();
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();

  async function claim(entry: {
    id: string;
    tenant_id: string | null;
    subject: string | null;
  }): Promise<boolean> {
    return claimOnce(db, {
      id: `reconnect-notice:${entry.id}`,
      tenantId: entry.tenant_id,
      action: 'reconnect_notified',
      subject: entry.subject,
      reason: 'the user was sent a Reconnect card',
      at: now(),
    });
  }

  async function notify(
    entry: { id: string; tenant_id: string | null; subject: string | null },
    cause: AttentionCause,
  ) {
    if (!entry.subject || !(await claim(entry))) return;
    try {
      await deps.send(entry.subject, cause);
    } catch (err) {
      deps.logger.warn(
        { accountId: entry.subject, err: (err as Error).message },
        'reconnect card not delivered',
      );
    }
  }

  async function poll(): Promise<void> {
    const rows = await db
      .selectFrom('audit_log')
      .select(['id', 'tenant_id', 'subject', 'reason', 'at'])
      .where('action', '=', 'token_revoked')
      .where('to_state', '=', 'reconnect_required')
      .where('at', '>', watermark)
      .orderBy('at')
      .limit(500)
      .execute();
    for (const row of rows) {
      await notify(row, causeFromReason(row.reason));
      watermark = row.at;
    }
  }

  return {
    async onAttention(event) {
      const entry = await db
        .selectFrom('audit_log')
        .select(['id', 'tenant_id', 'subject'])
        .where('action', '=', 'token_revoked')
        .where('subject', '=', event.accountId)
        .where('at', '=', event.at)
        .executeTakeFirst();
      if (entry) await notify(entry, event.cause);
    },
    poll: () => (polling = polling.then(poll)),
    start() {
      timer ??= setInterval(() => {
        polling = polling.then(poll).catch((err: unknown) => {
          deps.logger.warn({ err: (err as Error).message }, 'reconnect notices poll failed');
        });
      }, deps.pollMs ?? 15_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await polling.catch(() => undefined);
    },
  };
}

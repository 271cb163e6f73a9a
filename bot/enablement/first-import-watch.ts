import { sql } from 'kysely';
import type { ResourceKind } from '#shared/contract.js';
import { buildFirstImportCard } from '../cards/user-cards.js';
import type { Logger } from '../logging/logger.js';
import {
  importPhase,
  startedWithoutError,
  type ImportFacts,
  type ImportRun,
} from '../sync-health/first-import.js';
import { claimOnce } from '../store/claim-once.js';
import type { Store } from '../store/store.js';
import type { Owner } from '../cards/card-factory.js';
import type { Notifier } from '../teams/notifier.js';

/**
 * Follows a user's first import after activation: posts one card in their chat and updates it in place
 * as the worker (in this process or another) records its runs, until it says what was copied and what
 * was left out, or what went wrong and what to do. The confirmation e-mail is sent once the import has
 * started without error; an audit entry with a key derived from the activation claims it, so several
 * bot processes send it once. What is followed lives in this process: after a restart the tab still
 * shows the import's progress, the chat card stops moving.
 */

export interface FirstImportWatchDeps {
  store: Store;
  logger: Logger;
  notifier: Notifier;
  sendConfirmation(owner: Owner): Promise<void>;
  mailFolders: readonly string[];
  tabUrl: string;
  pollMs?: number;
  now?: () => Date;
}

export interface FirstImportWatch {
  /** Starts following the account's import (the activation_succeeded step has been committed). */
  follow(owner: Owner): Promise<void>;
  /** One look at every followed import now (tests; also every `pollMs`). */
  poll(): Promise<void>;
  following(): string[];
  start(): void;
  stop(): Promise<void>;
}

interface Followed {
  owner: Owner;
  /** When activation committed: the import's runs and skips are the ones since. */
  since: string;
  card?: { referenceKey: string; activityId: string };
  shown?: string;
  confirmed: boolean;
}

export function createFirstImportWatch(deps: FirstImportWatchDeps): FirstImportWatch {
  const now = deps.now ?? (() => new Date());
  const db = deps.store.db;
  const followed = new Map<string, Followed>();
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const expected = [...deps.mailFolders.map((f) => `mail:${f}`), 'diary'];

  async function activatedAt(accountId: string): Promise<string> {
    const entry = await db
      .selectFrom('audit_log')
      .select('at')
      .where('subject', '=', accountId)
      .where('action', '=', 'activation_succeeded')
      .orderBy('at', 'desc')
      .executeTakeFirst();
    return entry?.at ?? now().toISOString();
  }

  async function facts(accountId: string, since: string): Promise<ImportFacts | undefined> {
    const account = await db
      .selectFrom('sync_accounts')
      .select(['state', 'mail_enabled', 'diary_enabled'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!account) return undefined;
    const [runs, mail, diary, skips] = await Promise.all([
      db
        .selectFrom('sync_runs')
        .select(['resource', 'status', 'progress_done', 'progress_estimate', 'error_code', 'error_message'])
        .where('account_id', '=', accountId)
        .where('started_at', '>=', since)
        .orderBy('started_at', 'asc')
        .execute(),
      db
        .selectFrom('mail_item_owners')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where(sql<boolean>`left_at is null`)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('diary_item_owners')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .where(sql<boolean>`removed_at is null`)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('sync_skips')
        .select(['reason', (eb) => eb.fn.countAll<number>().as('n')])
        .where('account_id', '=', accountId)
        .where('at', '>=', since)
        .groupBy('reason')
        .execute(),
    ]);
    // Later runs of a resource replace earlier ones: the latest says where it stands.
    const latest = new Map<string, ImportRun>();
    for (const r of runs)
      latest.set(r.resource, {
        resource: r.resource,
        status: r.status,
        progressDone: r.progress_done,
        progressEstimate: r.progress_estimate,
        errorCode: r.error_code,
        errorMessage: r.error_message,
      });
    const copied: Record<ResourceKind, number> = { mail: Number(mail.n), diary: Number(diary.n) };
    return {
      state: account.state,
      enabled: { mail: account.mail_enabled === 1, diary: account.diary_enabled === 1 },
      expected,
      runs: [...latest.values()],
      copied,
      skipped: Object.fromEntries(skips.map((s) => [s.reason, Number(s.n)])),
    };
  }

  /** True for the one process whose claim of this activation's confirmation e-mail wins. */
  async function claimConfirmation(f: Followed): Promise<boolean> {
    return claimOnce(db, {
      id: `confirmation-mail:${f.owner.account.id}:${f.since}`,
      tenantId: f.owner.account.tenantId,
      action: 'confirmation_mail_sent',
      subject: f.owner.account.id,
      reason: 'the first import started without error',
      at: now(),
    });
  }

  async function look(accountId: string, f: Followed): Promise<void> {
    const current = await facts(accountId, f.since);
    const phase = current ? importPhase(current) : ({ kind: 'abandoned' } as const);
    if (phase.kind === 'abandoned') {
      followed.delete(accountId);
      return;
    }
    if (!f.confirmed && startedWithoutError(phase)) {
      f.confirmed = true;
      if (await claimConfirmation(f)) {
        try {
          await deps.sendConfirmation(f.owner);
        } catch (err) {
          // The import goes on either way; the chat card still confirms it.
          deps.logger.warn({ accountId, err: (err as Error).message }, 'confirmation e-mail not sent');
        }
      }
    }
    const card = buildFirstImportCard({ phase, tabUrl: deps.tabUrl });
    const text = JSON.stringify(card);
    if (f.card && text !== f.shown) {
      await deps.notifier.update(f.card.referenceKey, f.card.activityId, card);
      f.shown = text;
    }
    if (phase.kind === 'finished') followed.delete(accountId);
  }

  async function poll(): Promise<void> {
    for (const [accountId, f] of [...followed]) {
      try {
        await look(accountId, f);
      } catch (err) {
        deps.logger.warn({ accountId, err: (err as Error).message }, 'first import not followed this time');
      }
    }
  }

  return {
    async follow(owner) {
      const since = await activatedAt(owner.account.id);
      const f: Followed = { owner, since, confirmed: false };
      const phase = { kind: 'not_started' } as const;
      const card = buildFirstImportCard({ phase, tabUrl: deps.tabUrl });
      const user = owner.user;
      f.card = user.teamsAadObjectId
        ? await deps.notifier.toUserTracked(
            owner.account.tenantId,
            { aadObjectId: user.teamsAadObjectId },
            card,
          )
        : await deps.notifier.toUserTracked(
            owner.account.tenantId,
            { aadObjectId: null, email: user.workEmail },
            card,
          );
      f.shown = JSON.stringify(card);
      followed.set(owner.account.id, f);
      polling = polling.then(() => look(owner.account.id, f)).catch(() => undefined);
    },
    poll: () => (polling = polling.then(poll)),
    following: () => [...followed.keys()],
    start() {
      timer ??= setInterval(() => void (polling = polling.then(poll)), deps.pollMs ?? 1_000);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await polling;
    },
  };
}

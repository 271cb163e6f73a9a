import { DEFAULT_WINDOW_SETTINGS, idealWindow } from '../../bot/sync/core/calendar-window.js';
import { CONTOSO } from '../../test/sync/support/accounts.js';
import {
  actualDiaryKeys,
  actualMail,
  expectedDiaryKeys,
  expectedMail,
  type MailRules,
} from '../../test/sync/support/expectation.js';
import type { SyncEnv } from './bench-env.js';

/**
 * The CRM compared item by item with the mailbox, using the sync tests' independent statement of the
 * filing rules (test/sync/support/expectation.ts):
 *
 * - lost: an item the mailbox says must be in the CRM that is not there (or is filed differently);
 * - duplicated: an item present more than once (two owner links for one message, a message both
 *   filed and skipped, or skipped twice, one diary occurrence twice);
 * - unexpected: an item in the CRM the mailbox does not have (a deleted message still filed).
 */
export interface Comparison {
  expectedItems: number;
  actualItems: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** A few differences, for a person reading a failure. */
  examples: string[];
}

export function rulesFor(contacts: ReadonlyMap<string, string>, fileWithoutContact = false): MailRules {
  return {
    folders: ['inbox', 'sentitems'],
    historyDays: 90,
    tenantDomains: [CONTOSO.domain],
    contacts,
    fileWithoutContact,
    includePrivate: true,
  };
}

export async function compareAccount(
  env: SyncEnv,
  account: { accountId: string; userId: string },
  rules: MailRules,
  options: { diary: boolean },
): Promise<Comparison> {
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < 10) examples.push(text);
  };
  const expected = expectedMail(env.emu, account.userId, rules);
  const actual = await actualMail(env.db, account.accountId);
  let lost = 0;
  let unexpected = 0;
  for (const [id, e] of Object.entries(expected.filed)) {
    const a = actual.filed[id];
    if (!a || JSON.stringify(a) !== JSON.stringify(e)) {
      lost += 1;
      note(a ? `filed differently: ${id}` : `missing: ${id}`);
    }
  }
  for (const id of Object.keys(actual.filed)) {
    if (!expected.filed[id]) {
      unexpected += 1;
      note(`unexpected: ${id}`);
    }
  }

  // Every owner link and every skip names one Graph message; a name seen twice is a duplicate.
  const owners = await env.db
    .selectFrom('mail_item_owners')
    .select(['graph_message_id', 'mail_item_id'])
    .where('account_id', '=', account.accountId)
    .where('left_at', 'is', null)
    .execute();
  const skips = await env.db
    .selectFrom('sync_skips')
    .select(['graph_id'])
    .where('account_id', '=', account.accountId)
    .where('resource', 'like', 'mail:%')
    .execute();
  let duplicated = 0;
  const seen = new Set<string>();
  for (const id of [...owners.map((o) => o.graph_message_id), ...skips.map((s) => s.graph_id)]) {
    if (seen.has(id)) {
      duplicated += 1;
      note(`twice: message ${id}`);
    }
    seen.add(id);
  }
  const itemsPerMessage = new Map<string, number>();
  for (const o of owners) itemsPerMessage.set(o.mail_item_id, (itemsPerMessage.get(o.mail_item_id) ?? 0) + 1);
  for (const [item, n] of itemsPerMessage) {
    if (n > 1) {
      duplicated += n - 1;
      note(`one CRM e-mail owned ${n} times: ${item}`);
    }
  }

  let expectedItems = Object.keys(expected.filed).length;
  let actualItems = Object.keys(actual.filed).length;
  if (options.diary) {
    const want = expectedDiary(env, account.userId, rules);
    const have = await actualDiaryKeys(env.db, account.accountId);
    const haveCount = new Map<string, number>();
    for (const k of have) haveCount.set(k, (haveCount.get(k) ?? 0) + 1);
    const wantSet = new Set(want);
    for (const k of wantSet) {
      if (!haveCount.has(k)) {
        lost += 1;
        note(`missing occurrence: ${k}`);
      }
    }
    for (const [k, n] of haveCount) {
      if (n > 1) {
        duplicated += n - 1;
        note(`occurrence ${n} times: ${k}`);
      }
      if (!wantSet.has(k)) {
        unexpected += 1;
        note(`unexpected occurrence: ${k}`);
      }
    }
    expectedItems += wantSet.size;
    actualItems += have.length;
  }
  return { expectedItems, actualItems, lost, duplicated, unexpected, examples };
}

/** The diary occurrences the CRM must hold: those with a CRM contact among their people. */
export function expectedDiary(env: SyncEnv, userId: string, rules: MailRules): string[] {
  const known = new Set(rules.contacts.keys());
  const window = idealWindow(Date.now(), DEFAULT_WINDOW_SETTINGS);
  return expectedDiaryKeys(env.emu, userId, window, (people) => people.some((p) => known.has(p)));
}

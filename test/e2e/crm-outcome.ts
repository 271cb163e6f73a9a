import type { Config } from '../../bot/config/config.js';
import { fromJsonText } from '../../bot/store/columns.js';
import type { Store } from '../../bot/store/store.js';
import type { TestEmulator } from '../support/emulator.js';
import {
  actualDiaryKeys,
  actualMail,
  expectedDiaryKeys,
  expectedMail,
  type MailExpectation,
} from '../sync/support/expectation.js';

/**
 * What the CRM must hold for a demo person after the journey: computed from the emulator's seed
 * mailbox and the CRM's contacts with the filing rules written out in test/sync/support/expectation.ts
 * (no product code), next to what the CRM does hold.
 */

export interface CrmOutcome {
  accountId: string;
  expected: { mail: MailExpectation; diary: string[] };
  actual: { mail: MailExpectation; diary: string[] };
}

const DAY_MS = 86_400_000;

export async function crmOutcome(
  emulator: TestEmulator,
  store: Store,
  config: Config,
  upn: string,
): Promise<CrmOutcome> {
  const user = emulator.ctx.directory.findUserByUpn(upn);
  if (!user) throw new Error(`${upn} is not in the emulator's directory`);
  const account = await store.db
    .selectFrom('sync_accounts as a')
    .innerJoin('crm_users as u', 'u.id', 'a.crm_user_id')
    .innerJoin('tenants as t', 't.id', 'a.tenant_id')
    .select(['a.id', 'a.tenant_id', 't.domains'])
    .where('u.work_email', '=', upn)
    .executeTakeFirstOrThrow();
  const contacts = new Map(
    (
      await store.db
        .selectFrom('crm_contact_emails')
        .select(['email', 'contact_id'])
        .where('tenant_id', '=', account.tenant_id)
        .execute()
    ).map((c) => [c.email.toLowerCase(), c.contact_id]),
  );
  const mail = expectedMail(emulator, user.id, {
    folders: config.MAIL_FOLDERS,
    historyDays: config.MAIL_HISTORY_DAYS,
    tenantDomains: fromJsonText(account.domains),
    contacts,
  });
  // The diary window: from midnight (UTC) DIARY_DAYS_BACK days ago to the end of the day DIARY_DAYS_AHEAD
  // days ahead; an appointment is filed when someone in it is a CRM contact.
  const today = Math.floor(emulator.ctx.mailboxes.now() / DAY_MS) * DAY_MS;
  const window = {
    start: new Date(today - config.DIARY_DAYS_BACK * DAY_MS).toISOString(),
    end: new Date(today + (config.DIARY_DAYS_AHEAD + 1) * DAY_MS).toISOString(),
  };
  const diary = expectedDiaryKeys(emulator, user.id, window, (people) => people.some((p) => contacts.has(p)));
  const db = store.db;
  return {
    accountId: account.id,
    expected: { mail, diary },
    actual: { mail: await actualMail(db, account.id), diary: await actualDiaryKeys(db, account.id) },
  };
}

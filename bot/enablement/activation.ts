import type { Message } from '@microsoft/microsoft-graph-types';
import { switchesOnActivation } from './core/resource-switches.js';
import { isUniqueViolation } from '../store/errors.js';
import { nowIso, toJsonText } from '../store/columns.js';
import type { Store } from '../store/store.js';
import type { Owner } from '../cards/card-factory.js';
import { formatWhen, joinWords, mailFolderName } from '../cards/format.js';
import { userGraph, type UserGraphDeps } from './user-graph.js';

/**
 * Activation, the last step of switching Cloud Sync on: the Microsoft 365 identity is recorded on the
 * account (the worker syncs that mailbox) and mail and diary sync are switched on (both by default; a
 * reconnect keeps the user's choice). The enablement service then applies activation_succeeded, which
 * makes the account due so the first import starts at once; the confirmation e-mail goes out through
 * Graph sendMail as the user once that import has started without error
 * (bot/enablement/first-import-watch.ts).
 */

export interface SignedInIdentity {
  tenantId: string;
  objectId: string;
  userPrincipalName: string;
  addresses: string[];
}

export interface ActivationDeps {
  store: Store;
  graph: UserGraphDeps;
  mailFolders: readonly string[];
  diaryDaysBack: number;
  diaryDaysAhead: number;
  tabUrl: string;
  /** The owner's zone as recorded from their chat (the card factory's), for the e-mail's times. */
  timeZoneOf(owner: Owner): Promise<string>;
}

export interface Activation {
  prepare(
    owner: Owner,
    identity: SignedInIdentity | undefined,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  sendConfirmation(owner: Owner): Promise<void>;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The confirmation e-mail: what is synced and where to see how it is doing. */
export function confirmationMessage(input: {
  to: string;
  name: string;
  mailFolders: readonly string[];
  diaryDaysBack: number;
  diaryDaysAhead: number;
  tabUrl: string;
  /** When sync was switched on, shown in the reader's zone with the zone named. */
  at: Date;
  timeZone: string;
}): Message {
  const folders = joinWords(input.mailFolders.map(mailFolderName));
  const content = [
    `<p>Hello ${escapeHtml(input.name)},</p>`,
    `<p>Cloud Sync is now active for your mailbox (switched on ${escapeHtml(formatWhen(input.at, input.timeZone))}). TriSys will receive automatically:</p>`,
    '<ul>',
    `<li>e-mail with your candidates and clients in ${escapeHtml(folders)}</li>`,
    `<li>your diary appointments from ${input.diaryDaysBack} days ago to ${input.diaryDaysAhead} days ahead</li>`,
    '</ul>',
    `<p>To see how your sync is doing, open the Sync health tab in Teams (<a href="${escapeHtml(input.tabUrl)}">${escapeHtml(input.tabUrl)}</a>) or send <b>status</b> to the Cloud Sync bot.</p>`,
  ].join('');
  return {
    subject: 'Cloud Sync is active',
    importance: 'normal',
    body: { contentType: 'html', content },
    toRecipients: [{ emailAddress: { address: input.to, name: input.name } }],
  };
}

/**
 * Records the signed-in identity on the account and switches its resources on. Shared by the bot's
 * activation step and the tests' account fixtures, so no fixture sets what the journey must set.
 */
export async function recordActivation(
  db: Store['db'],
  accountId: string,
  identity: SignedInIdentity,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const current = await db
    .selectFrom('sync_accounts')
    .select(['mail_enabled', 'diary_enabled'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!current) return { ok: false, reason: 'the Cloud Sync account no longer exists' };
  const switches = switchesOnActivation({
    mail: current.mail_enabled === 1,
    diary: current.diary_enabled === 1,
  });
  try {
    await db
      .updateTable('sync_accounts')
      .set({
        mail_enabled: switches.mail ? 1 : 0,
        diary_enabled: switches.diary ? 1 : 0,
        ms_tenant_id: identity.tenantId,
        ms_object_id: identity.objectId,
        ms_upn: identity.userPrincipalName.toLowerCase(),
        ms_addresses: toJsonText(identity.addresses),
        consecutive_failures: 0,
        updated_at: nowIso(),
      })
      .where('id', '=', accountId)
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) {
      return { ok: false, reason: 'this Microsoft 365 account already syncs for another TriSys user' };
    }
    throw err;
  }
  return { ok: true };
}

export function createActivation(deps: ActivationDeps): Activation {
  const db = deps.store.db;

  async function msIdentity(accountId: string) {
    const row = await db
      .selectFrom('sync_accounts')
      .select(['ms_tenant_id', 'ms_object_id', 'ms_upn'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    return row?.ms_tenant_id && row.ms_object_id
      ? { tenantId: row.ms_tenant_id, objectId: row.ms_object_id, upn: row.ms_upn }
      : undefined;
  }

  return {
    async prepare(owner, identity) {
      if (!identity)
        return { ok: false, reason: 'the sign-in result was not available; please sign in again' };
      return recordActivation(deps.store.db, owner.account.id, identity);
    },

    async sendConfirmation(owner) {
      const ms = await msIdentity(owner.account.id);
      if (!ms) throw new Error('the account has no Microsoft 365 identity');
      const client = userGraph(deps.graph, {
        accountId: owner.account.id,
        tenantId: ms.tenantId,
        objectId: ms.objectId,
      });
      const message = confirmationMessage({
        to: owner.user.workEmail,
        name: owner.user.displayName,
        mailFolders: deps.mailFolders,
        diaryDaysBack: deps.diaryDaysBack,
        diaryDaysAhead: deps.diaryDaysAhead,
        tabUrl: deps.tabUrl,
        at: new Date(),
        timeZone: await deps.timeZoneOf(owner),
      });
      await client.api('/me/sendMail').post({ message, saveToSentItems: false });
    },
  };
}

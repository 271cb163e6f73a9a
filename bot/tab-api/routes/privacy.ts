import { z } from 'zod';
import { compileBlocklist } from '../../sync/core/blocklist.js';
import { MAX_ENTRIES } from '../../privacy/personal-blocklist.js';
import { fromJsonText, nowIso, toJsonText } from '../../store/columns.js';
import type { PrivateMailPolicy } from '../../store/schema.js';
import { crmUserById, ensureAccount } from '../../crm/crm-directory.js';
import { countCopiedFrom, removeCopiedFrom } from '../../privacy/personal-blocklist.js';
import type { PrivacySaveResult, PrivacySettings } from '#shared/contract.js';
import { ApiHttpError, conflict } from '../http-errors.js';
import { readJson } from '../json-body.js';
import { requireCrmUser, type RouteKit } from './context.js';
import { recordAudit } from '../../store/audit-log.js';

/** Each entry is an address (`hr@example.com`) or a domain (`@example.com`), as the sync filters read it. */
const blocklistEntry = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'must not be empty')
  .max(254, 'is too long for an e-mail address or domain')
  .refine((v) => compileBlocklist([v]).invalid.length === 0, {
    message: 'must be an e-mail address (name@example.com) or a domain (@example.com)',
  });

const privacyBody = z
  .object({
    blocklist: z
      .array(blocklistEntry)
      .max(MAX_ENTRIES, `may hold at most ${MAX_ENTRIES} entries`)
      .transform((entries) => [...new Set(entries)]),
    privateMail: z.enum(['skip', 'metadata'], {
      errorMap: () => ({ message: 'must be "skip" or "metadata"' }),
    }),
  })
  .strict();

/**
 * The tab speaks of what happens to private mail ("skip" it, or file its "metadata": headers only,
 * since the CRM never keeps bodies); the store keeps the sync filter's exclude/include.
 */
const toPolicy = (choice: PrivacySettings['privateMail']): PrivateMailPolicy =>
  choice === 'skip' ? 'exclude' : 'include';
const fromPolicy = (policy: PrivateMailPolicy): PrivacySettings['privateMail'] =>
  policy === 'exclude' ? 'skip' : 'metadata';

/** The entries whose already-copied items to remove: each must now be on the user's blocklist. */
const removeBody = z
  .object({ entries: z.array(blocklistEntry).min(1, 'name at least one entry').max(MAX_ENTRIES) })
  .strict();

export function registerPrivacyRoutes(kit: RouteKit): void {
  const db = kit.deps.store.db;

  const existing = (tenantId: string, crmUserId: string) =>
    db
      .selectFrom('sync_accounts')
      .select(['id', 'state', 'personal_blocklist', 'private_mail_policy'])
      .where('tenant_id', '=', tenantId)
      .where('crm_user_id', '=', crmUserId)
      .executeTakeFirst();

  const notYet = () =>
    conflict(
      'privacy_not_available',
      'Privacy settings are available once your TriSys administrator has made Cloud Sync available to you.',
    );

  /** From `ready` on the settings exist, before the first import; the account is made on first save. */
  const accountOf = async (tenantId: string, crmUserId: string, create: boolean) => {
    const found = await existing(tenantId, crmUserId);
    if (found) {
      if (found.state === 'not_visible') throw notYet();
      return found;
    }
    const user = await crmUserById(db, crmUserId);
    if (!user || user.tenantId !== tenantId || !user.visible) throw notYet();
    if (!create) return undefined;
    await ensureAccount(db, user);
    return (await existing(tenantId, crmUserId))!;
  };

  kit.get('/api/me/privacy', async (p) => {
    const account = await accountOf(p.tenantId, requireCrmUser(p).id, false);
    const body: PrivacySettings = {
      blocklist: account ? fromJsonText(account.personal_blocklist) : [],
      privateMail: account ? fromPolicy(account.private_mail_policy) : 'skip',
    };
    return { json: body };
  });

  kit.put('/api/me/privacy', async (p, req) => {
    const crmUser = requireCrmUser(p);
    const body = await readJson(req, privacyBody);
    const account = (await accountOf(p.tenantId, crmUser.id, true))!;
    const before = fromJsonText(account.personal_blocklist);
    const added = body.blocklist.filter((e) => !before.includes(e));
    const at = nowIso();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('sync_accounts')
        .set({
          personal_blocklist: toJsonText(body.blocklist),
          private_mail_policy: toPolicy(body.privateMail),
          updated_at: at,
        })
        .where('id', '=', account.id)
        .where('tenant_id', '=', p.tenantId)
        .execute();
      const removed = before.filter((e) => !body.blocklist.includes(e)).length;
      await recordAudit(trx, {
        tenant_id: p.tenantId,
        actor: crmUser.id,
        action: 'privacy_updated',
        subject: account.id,
        reason: `blocklist ${body.blocklist.length} entries (+${added.length}, -${removed}); private mail: ${body.privateMail}`,
        at,
      });
    });
    // What was copied before these entries were added: offered for removal, never removed unasked.
    const copied = await countCopiedFrom(db, account.id, added);
    const result: PrivacySaveResult = { ...body, alreadyCopied: { entries: added, ...copied } };
    return { json: result };
  });

  kit.post('/api/me/privacy/remove-copied', async (p, req) => {
    const crmUser = requireCrmUser(p);
    const body = await readJson(req, removeBody);
    const account = await existing(p.tenantId, crmUser.id);
    const listed = account ? fromJsonText(account.personal_blocklist) : [];
    const unlisted = body.entries.filter((e) => !listed.includes(e));
    if (!account || unlisted.length > 0) {
      throw new ApiHttpError(
        400,
        'not_on_blocklist',
        `Only what comes from addresses on your blocklist can be removed this way; add ${unlisted.join(', ') || 'them'} first. Nothing was changed.`,
      );
    }
    const removed = await removeCopiedFrom(
      db,
      { id: account.id, tenantId: p.tenantId },
      body.entries,
      crmUser.id,
    );
    return { json: { removed } };
  });
}

import { z } from 'zod';
import { compileBlocklist } from '../../sync/core/blocklist.js';
import { fromJsonText, newId, nowIso, toJsonText } from '../../store/columns.js';
import type { PrivateMailPolicy } from '../../store/schema.js';
import type { PrivacySettings } from '../contract.js';
import { conflict } from '../http-errors.js';
import { readJson } from '../json-body.js';
import { requireCrmUser, type RouteKit } from './context.js';

const MAX_ENTRIES = 500;

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

export function registerPrivacyRoutes(kit: RouteKit): void {
  const db = kit.deps.store.db;

  const accountOf = async (tenantId: string, crmUserId: string) => {
    const account = await db
      .selectFrom('sync_accounts')
      .select(['id', 'personal_blocklist', 'private_mail_policy'])
      .where('tenant_id', '=', tenantId)
      .where('crm_user_id', '=', crmUserId)
      .executeTakeFirst();
    if (!account) {
      throw conflict(
        'no_sync_account',
        'Privacy settings apply once Cloud Sync has been switched on for you.',
      );
    }
    return account;
  };

  kit.get('/api/me/privacy', async (p) => {
    const account = await accountOf(p.tenantId, requireCrmUser(p).id);
    const body: PrivacySettings = {
      blocklist: fromJsonText(account.personal_blocklist),
      privateMail: fromPolicy(account.private_mail_policy),
    };
    return { json: body };
  });

  kit.put('/api/me/privacy', async (p, req) => {
    const crmUser = requireCrmUser(p);
    const body = await readJson(req, privacyBody);
    const account = await accountOf(p.tenantId, crmUser.id);
    const before = fromJsonText(account.personal_blocklist);
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
      const added = body.blocklist.filter((e) => !before.includes(e)).length;
      const removed = before.filter((e) => !body.blocklist.includes(e)).length;
      await trx
        .insertInto('audit_log')
        .values({
          id: newId(),
          tenant_id: p.tenantId,
          actor: crmUser.id,
          action: 'privacy_updated',
          subject: account.id,
          from_state: null,
          to_state: null,
          reason: `blocklist ${body.blocklist.length} entries (+${added}, -${removed}); private mail: ${body.privateMail}`,
          at,
        })
        .execute();
    });
    return { json: body satisfies PrivacySettings };
  });
}

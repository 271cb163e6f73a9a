import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId, nowIso } from '../store/columns.js';
import type { Database } from '../store/schema.js';
import { recordAudit } from '../store/audit-log.js';

/**
 * Per-tenant credentials the CRM presents to the CRM API. A key is 32 random bytes, so a plain SHA-256
 * is enough to keep it unguessable at rest (no slow hash needed: there is no low-entropy password to
 * protect); the key itself is returned once and never stored or logged. Rotation issues a new key and,
 * unless asked to keep them for a handover, revokes the tenant's older ones in the same transaction.
 */

type Db = Kysely<Database>;

const PREFIX = 'crmk_';

export function hashServiceKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export interface IssuedServiceKey {
  id: string;
  /** The secret, shown once. */
  key: string;
  hint: string;
  revoked: number;
}

export async function issueServiceKey(
  db: Db,
  tenantId: string,
  options: { keepPrevious?: boolean } = {},
): Promise<IssuedServiceKey | 'unknown_tenant'> {
  const key = PREFIX + randomBytes(32).toString('base64url');
  const hint = key.slice(-4);
  const id = newId();
  return db.transaction().execute(async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (!tenant) return 'unknown_tenant';
    const at = nowIso();
    const revoked = options.keepPrevious
      ? 0
      : Number(
          (
            await trx
              .updateTable('crm_service_keys')
              .set({ revoked_at: at })
              .where('tenant_id', '=', tenantId)
              .where('revoked_at', 'is', null)
              .executeTakeFirst()
          ).numUpdatedRows,
        );
    await trx
      .insertInto('crm_service_keys')
      .values({ id, tenant_id: tenantId, key_hash: hashServiceKey(key), key_hint: hint, created_at: at })
      .execute();
    await recordAudit(trx, {
      tenant_id: tenantId,
      actor: 'crm-key',
      action: 'crm_service_key_issued',
      subject: id,
      reason: revoked ? `${revoked} older key(s) revoked` : null,
      at,
    });
    return { id, key, hint, revoked };
  });
}

/** Revokes every live key of a tenant; returns how many. */
export async function revokeServiceKeys(db: Db, tenantId: string): Promise<number> {
  const result = await db
    .updateTable('crm_service_keys')
    .set({ revoked_at: nowIso() })
    .where('tenant_id', '=', tenantId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The tenant a presented key belongs to, if it is a live key. */
export async function tenantOfServiceKey(db: Db, key: string): Promise<string | undefined> {
  if (!key.startsWith(PREFIX)) return undefined;
  const row = await db
    .selectFrom('crm_service_keys')
    .select('tenant_id')
    .where('key_hash', '=', hashServiceKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row?.tenant_id;
}

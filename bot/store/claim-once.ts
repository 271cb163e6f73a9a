import type { Kysely } from 'kysely';
import { isUniqueViolation } from './errors.js';
import type { Database } from './schema.js';
import { recordAudit } from './audit-log.js';

/**
 * Records that something was done, once across every process: the audit row's id is the claim, so
 * of several bot processes racing to send the same notice only the one whose insert wins sends it.
 */
export async function claimOnce(
  db: Kysely<Database>,
  claim: {
    id: string;
    tenantId: string | null;
    action: string;
    subject: string | null;
    reason: string;
    at: Date;
  },
): Promise<boolean> {
  try {
    await recordAudit(db, {
      id: claim.id,
      tenant_id: claim.tenantId,
      actor: 'bot',
      action: claim.action,
      subject: claim.subject,
      reason: claim.reason,
      at: claim.at.toISOString(),
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

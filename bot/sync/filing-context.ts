import type { Kysely } from 'kysely';
import { fromJsonText } from '../store/columns.js';
import { normalizeAddress } from './core/addresses.js';
import { compileBlocklist } from './core/blocklist.js';
import type { ContactDirectory } from './core/filing.js';
import type { FilingContext } from './core/filters.js';
import type { Database } from '../store/schema.js';

/**
 * What the pure filing rules need about one account, read from the store: its own addresses, the
 * tenant's CRM contact directory, and the privacy policy (tenant domains and blocklist, personal
 * blocklist, private-mail policy, whether mail without a CRM contact is kept).
 */

export interface AccountFilingContext extends FilingContext {
  tenantId: string;
  accountId: string;
}

export async function loadFilingContext(
  db: Kysely<Database>,
  accountId: string,
  options: { fileWithoutContact: boolean },
): Promise<AccountFilingContext> {
  const account = await db
    .selectFrom('sync_accounts as a')
    .innerJoin('tenants as t', 't.id', 'a.tenant_id')
    .select([
      'a.tenant_id',
      'a.ms_upn',
      'a.ms_addresses',
      'a.personal_blocklist',
      'a.private_mail_policy',
      't.domains',
      't.tenant_blocklist',
    ])
    .where('a.id', '=', accountId)
    .executeTakeFirstOrThrow();
  const own = new Set<string>();
  for (const raw of [account.ms_upn, ...fromJsonText(account.ms_addresses)]) {
    const address = normalizeAddress(raw);
    if (address) own.add(address);
  }
  const rows = await db
    .selectFrom('crm_contact_emails')
    .select(['email', 'contact_id'])
    .where('tenant_id', '=', account.tenant_id)
    .execute();
  const directory = new Map<string, string[]>();
  for (const row of rows) {
    const address = normalizeAddress(row.email);
    if (!address) continue;
    const ids = directory.get(address) ?? [];
    ids.push(row.contact_id);
    directory.set(address, ids);
  }
  return {
    tenantId: account.tenant_id,
    accountId,
    own,
    directory: directory as ContactDirectory,
    policy: {
      tenantDomains: fromJsonText(account.domains).map((d) => d.trim().toLowerCase().replace(/^@/, '')),
      tenantBlocklist: compileBlocklist(fromJsonText(account.tenant_blocklist)),
      personalBlocklist: compileBlocklist(fromJsonText(account.personal_blocklist)),
      privateItems: account.private_mail_policy,
      fileWithoutContact: options.fileWithoutContact,
    },
  };
}

import { runCli, withConfiguredStore } from './cli-run.js';
import { issueServiceKey, revokeServiceKeys } from './service-keys.js';

/**
 * `npm run crm:key -- TENANT_ID [--keep-previous]`: issues the tenant's CRM service key (printed once,
 * on stdout only) and revokes its older keys; `--keep-previous` keeps them working for a handover.
 * `npm run crm:key -- TENANT_ID --revoke` revokes every key of the tenant.
 * Exit codes: 0 done, 1 unknown tenant, 2 wrong usage.
 */

const USAGE = 'usage: npm run crm:key -- TENANT_ID [--keep-previous | --revoke]';

type Args = { tenantId: string; action: 'issue' | 'issue_keep' | 'revoke' };

function parseArgs(argv: string[]): Args | string {
  const positional = argv.filter((a) => !a.startsWith('-'));
  const flags = argv.filter((a) => a.startsWith('-'));
  const unknown = flags.find((f) => f !== '--keep-previous' && f !== '--revoke');
  if (unknown) return `unknown option ${unknown}`;
  if (flags.length > 1) return 'give at most one of --keep-previous and --revoke';
  if (positional.length !== 1) return 'give exactly one tenant id';
  const action = flags[0] === '--revoke' ? 'revoke' : flags[0] === '--keep-previous' ? 'issue_keep' : 'issue';
  return { tenantId: positional[0]!.toLowerCase(), action };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  return withConfiguredStore('crm-key', async (store) => {
    if (args.action === 'revoke') {
      const n = await revokeServiceKeys(store.db, args.tenantId);
      console.error(`Revoked ${n} CRM service key(s) of tenant ${args.tenantId}.`);
      return 0;
    }
    const issued = await issueServiceKey(store.db, args.tenantId, {
      keepPrevious: args.action === 'issue_keep',
    });
    if (issued === 'unknown_tenant') {
      console.error(`No tenant ${args.tenantId} in the store: import it first (npm run crm:import).`);
      return 1;
    }
    // The key alone on stdout, so it can be piped into a secret store; the explanation on stderr.
    console.log(issued.key);
    console.error(
      `New CRM service key for tenant ${args.tenantId} (ends …${issued.hint}); it is not shown again.` +
        (issued.revoked ? ` ${issued.revoked} older key(s) revoked.` : ''),
    );
    return 0;
  });
}

runCli(main);

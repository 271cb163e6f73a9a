import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, withConfiguredStore } from './cli-run.js';
import { createSyncRequester } from '../sync/sync-requests.js';
import { CrmInputError } from './crm-rows.js';
import { ownerAccountOf } from './diary/store-crm-diary.js';
import { importCrm, type CrmImportFormat } from './import.js';
import { formatCrmImportReport } from './report.js';

/**
 * `npm run crm:import -- FILE [--format json|csv]`: imports CRM data into the configured store.
 * Exit codes: 0 all rows imported, 1 some rows rejected or the file unreadable, 2 wrong usage.
 */

const USAGE = 'usage: npm run crm:import -- FILE [--format json|csv]';

function parseArgs(argv: string[]): { file: string; format: CrmImportFormat } | string {
  const files: string[] = [];
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--format') format = argv[++i];
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length !== 1) return 'give exactly one file';
  const file = files[0]!;
  format ??= path.extname(file).slice(1).toLowerCase();
  if (format !== 'json' && format !== 'csv')
    return `cannot tell the format of ${file}: use --format json or --format csv`;
  return { file, format };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  let input: string;
  try {
    input = await readFile(args.file, 'utf8');
  } catch (err) {
    console.error(`Cannot read ${args.file}: ${(err as Error).message}`);
    return 1;
  }
  return withConfiguredStore('crm-import', async (store) => {
    // As the CRM API does: a changed appointment makes its owner's account due now, and whichever
    // worker holds it writes the change to Outlook on its next claim.
    const requests = createSyncRequester({
      db: store.db,
      onError: (err) =>
        console.error(`The sync workers were not told: ${err instanceof Error ? err.message : String(err)}`),
    });
    try {
      const report = await importCrm(store, input, {
        format: args.format,
        onAppointmentChanged: async ({ tenantId, crmId }) => {
          const accountId = await ownerAccountOf(store.db, tenantId, crmId);
          if (accountId) requests.request(accountId);
        },
      }).finally(() => requests.flush());
      console.log(formatCrmImportReport(report));
      return report.rejected.length > 0 ? 1 : 0;
    } catch (err) {
      if (err instanceof CrmInputError) {
        console.error(`${args.file}: ${err.message}\nNothing was imported.`);
        return 1;
      }
      throw err;
    }
  });
}

runCli(main);

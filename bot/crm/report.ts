import type { CrmImportReport, EntityCounts } from './import.js';

/** The import report as the command prints it. */
export function formatCrmImportReport(report: CrmImportReport): string {
  const line = (name: string, c: EntityCounts) =>
    `${name.padEnd(12)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`;
  const out = [
    line('tenants', report.tenants),
    line('users', report.users),
    line('contacts', report.contacts),
    line('appointments', report.appointments),
  ];
  if (report.demotions.length > 0) {
    out.push('', `Access taken away (${report.demotions.length}):`);
    for (const d of report.demotions) {
      const what = d.field === 'is_admin' ? 'CRM administrator role' : 'Cloud Sync visibility';
      out.push(`  ${d.where}: ${d.workEmail} no longer has ${what}`);
    }
  }
  if (report.rejected.length > 0) {
    out.push('', `Rejected rows (${report.rejected.length}):`);
    for (const r of report.rejected) out.push(`  ${r.where}: ${r.reasons.join('; ')}`);
  } else {
    out.push('', 'No rows rejected.');
  }
  return out.join('\n');
}

import assert from 'node:assert/strict';
import { formatCrmImportReport } from '../../bot/crm/report.js';

const zero = { created: 0, updated: 0, unchanged: 0, rejected: 0 };

describe('CRM import report', function () {
  it('prints counts, access taken away and every rejected row with its reasons', function () {
    const text = formatCrmImportReport({
      tenants: { created: 1, updated: 0, unchanged: 0, rejected: 0 },
      users: { created: 2, updated: 1, unchanged: 3, rejected: 1 },
      contacts: zero,
      appointments: { created: 4, updated: 1, unchanged: 2, rejected: 1 },
      demotions: [
        {
          where: 'line 4',
          tenantId: 't',
          workEmail: 'dan@contoso.com',
          field: 'is_admin',
          from: true,
          to: false,
        },
      ],
      rejected: [
        {
          type: 'user',
          where: 'line 7',
          line: 7,
          reasons: ['email is not an e-mail address', 'name is missing'],
        },
        { type: 'appointment', where: 'line 9', line: 9, reasons: ['end must be after start'] },
      ],
    });
    assert.match(text, /^tenants\s+1 created, 0 updated, 0 unchanged, 0 rejected$/m);
    assert.match(text, /^users\s+2 created, 1 updated, 3 unchanged, 1 rejected$/m);
    assert.match(text, /^appointments\s+4 created, 1 updated, 2 unchanged, 1 rejected$/m);
    assert.match(text, /line 4: dan@contoso.com no longer has CRM administrator role/);
    assert.match(
      text,
      /Rejected rows \(2\):\n {2}line 7: email is not an e-mail address; name is missing\n {2}line 9: end must be after start/,
    );
  });

  it('says so when no row was rejected', function () {
    const text = formatCrmImportReport({
      tenants: zero,
      users: zero,
      contacts: zero,
      appointments: zero,
      demotions: [],
      rejected: [],
    });
    assert.match(text, /No rows rejected\./);
    assert.doesNotMatch(text, /Access taken away/);
  });
});

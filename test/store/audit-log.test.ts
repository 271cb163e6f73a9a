import assert from 'node:assert/strict';
import { recordAudit } from '../../bot/store/audit-log.js';
import { forEachDialect } from '../support/postgres.js';

forEachDialect('audit entries', (suite) => {
  const db = () => suite.store.db;
  const entry = {
    tenant_id: 'tenant-a',
    actor: 'crm-user-1',
    action: 'visibility_granted',
    subject: 'crm-user-2',
    reason: 'granted by an administrator',
    at: '2026-12-06T09:00:00.000Z',
  };

  it('gives each entry its own id and no states unless a state changed', async () => {
    await recordAudit(db(), entry);
    await recordAudit(db(), entry);
    const rows = await db().selectFrom('audit_log').selectAll().where('subject', '=', 'crm-user-2').execute();
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0]?.id, rows[1]?.id);
    assert.deepEqual(
      rows.map((r) => [r.from_state, r.to_state, r.actor, r.reason]),
      [
        [null, null, 'crm-user-1', 'granted by an administrator'],
        [null, null, 'crm-user-1', 'granted by an administrator'],
      ],
    );
  });

  it('keeps a given id, so a second entry under it is refused and the first stays', async () => {
    const claim = { ...entry, id: 'claim-1', subject: 'claimed', from_state: 'ready', to_state: 'active' };
    await recordAudit(db(), claim);
    await assert.rejects(recordAudit(db(), { ...claim, reason: 'again' }));
    const rows = await db().selectFrom('audit_log').selectAll().where('id', '=', 'claim-1').execute();
    assert.deepEqual(
      rows.map((r) => [r.reason, r.from_state, r.to_state]),
      [['granted by an administrator', 'ready', 'active']],
    );
  });
});

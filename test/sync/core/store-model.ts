import type { StoreOp } from '../../../bot/sync/core/store-ops.js';

/**
 * A tiny in-memory store that applies ops with the semantics store-ops.ts documents (version-guarded
 * upserts, add-only links, conditional left_folder), so tests can check the state pages converge to.
 */
export class StoreModel {
  readonly mailItems = new Map<string, { version: string; fields: unknown }>();
  readonly mailOwners = new Map<
    string,
    { mailKey: string; folder: string; direction: string; version: string; leftFolder: boolean }
  >();
  readonly mailContacts = new Set<string>();
  readonly diaryItems = new Map<string, { version: string; fields: unknown }>();
  readonly diaryOwners = new Map<
    string,
    { diaryKey: string; role: string; version: string; removed: boolean }
  >();
  readonly diaryContacts = new Set<string>();
  readonly skips = new Map<string, string>();

  apply(ops: readonly StoreOp[]): this {
    for (const op of ops) this.applyOne(op);
    return this;
  }

  snapshot(): string {
    const sorted = (m: Map<string, unknown> | Set<string>) =>
      [...(m instanceof Set ? m : m.entries())].map((e) => JSON.stringify(e)).sort();
    return JSON.stringify({
      mailItems: sorted(this.mailItems),
      mailOwners: sorted(this.mailOwners),
      mailContacts: sorted(this.mailContacts),
      diaryItems: sorted(this.diaryItems),
      diaryOwners: sorted(this.diaryOwners),
      diaryContacts: sorted(this.diaryContacts),
      skips: sorted(this.skips),
    });
  }

  private applyOne(op: StoreOp): void {
    switch (op.kind) {
      case 'mail_item.upsert': {
        const key = `${op.tenantId}|${op.internetMessageId}`;
        const row = this.mailItems.get(key);
        if (!row || op.version > row.version)
          this.mailItems.set(key, { version: op.version, fields: op.fields });
        return;
      }
      case 'mail_item_owner.upsert': {
        const key = `${op.accountId}|${op.graphMessageId}`;
        const row = this.mailOwners.get(key);
        if (!row || op.version > row.version) {
          const mailKey = `${op.tenantId}|${op.internetMessageId}`;
          this.mailOwners.set(key, {
            mailKey,
            folder: op.folder,
            direction: op.direction,
            version: op.version,
            leftFolder: false,
          });
        }
        return;
      }
      case 'mail_item_owner.left_folder': {
        const row = this.mailOwners.get(`${op.accountId}|${op.graphMessageId}`);
        if (row && row.folder === op.folder) row.leftFolder = true;
        return;
      }
      case 'mail_item_contact.link':
        this.mailContacts.add(`${op.tenantId}|${op.internetMessageId}|${op.contactId}`);
        return;
      case 'diary_item.upsert': {
        const key = `${op.tenantId}|${op.iCalUId}|${op.occurrenceStart}`;
        const row = this.diaryItems.get(key);
        if (!row || op.version > row.version)
          this.diaryItems.set(key, { version: op.version, fields: op.fields });
        return;
      }
      case 'diary_item_owner.upsert': {
        const key = `${op.accountId}|${op.graphEventId}`;
        const row = this.diaryOwners.get(key);
        if (!row || op.version > row.version) {
          const diaryKey = `${op.tenantId}|${op.iCalUId}|${op.occurrenceStart}`;
          this.diaryOwners.set(key, { diaryKey, role: op.role, version: op.version, removed: false });
        }
        return;
      }
      case 'diary_item_owner.removed': {
        const row = this.diaryOwners.get(`${op.accountId}|${op.graphEventId}`);
        if (row && this.inWindow(row.diaryKey, op.window)) row.removed = true;
        return;
      }
      case 'diary_series.retain': {
        for (const [key, row] of this.diaryOwners) {
          const [accountId = '', graphEventId = ''] = key.split('|');
          if (accountId !== op.accountId || op.graphEventIds.includes(graphEventId)) continue;
          if (!row.diaryKey.startsWith(`${op.tenantId}|${op.iCalUId}|`)) continue;
          if (this.inWindow(row.diaryKey, op.window)) row.removed = true;
        }
        return;
      }
      case 'diary_item_contact.link':
        this.diaryContacts.add(`${op.tenantId}|${op.iCalUId}|${op.occurrenceStart}|${op.contactId}`);
        return;
      case 'sync_skip.record':
        this.skips.set(`${op.accountId}|${op.resource}|${op.graphId}`, op.reason);
        return;
      case 'sync_skip.clear':
        this.skips.delete(`${op.accountId}|${op.resource}|${op.graphId}`);
        return;
    }
  }

  /** Whether the stored entry overlaps the window (the store's rule for removals, apply-ops.ts). */
  private inWindow(diaryKey: string, window: { start: string; end: string }): boolean {
    const fields = this.diaryItems.get(diaryKey)?.fields as { startAt: string; endAt: string } | undefined;
    return fields !== undefined && fields.startAt < window.end && fields.endAt > window.start;
  }
}

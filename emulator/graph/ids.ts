import { createHash } from 'node:crypto';

/**
 * Outlook item ids. Regular ids embed the item's folder generation, so they change when a message moves,
 * as Exchange's do; immutable ids (Prefer: IdType="ImmutableId") never change. Both kinds decode back to
 * the mailbox tag and item key, so the store can resolve either without keeping an index of old ids.
 */
export type IdKind = 'message' | 'event' | 'occurrence' | 'folder';

const PREFIX: Record<IdKind, { regular: string; immutable: string }> = {
  message: { regular: 'AAMkAGM', immutable: 'AAkALgM' },
  event: { regular: 'AAMkAGE', immutable: 'AAkALgE' },
  occurrence: { regular: 'AAMkAGO', immutable: 'AAkALgO' },
  folder: { regular: 'AAMkAGF', immutable: 'AAMkAGF' },
};

export interface DecodedId {
  kind: IdKind;
  immutable: boolean;
  tag: string;
  key: number;
  /** Move generation for regular message ids; occurrence start (epoch ms) for occurrences. */
  extra: number;
  name?: string;
}

export function mailboxTag(userId: string): string {
  return createHash('sha256').update(userId.toLowerCase()).digest('hex').slice(0, 10);
}

export function encodeId(kind: IdKind, immutable: boolean, tag: string, key: number, extra = 0): string {
  const prefix = immutable ? PREFIX[kind].immutable : PREFIX[kind].regular;
  return prefix + Buffer.from(`${tag}|${key}|${extra}`).toString('base64url');
}

export function folderId(tag: string, wellKnownName: string): string {
  return PREFIX.folder.regular + Buffer.from(`${tag}|f|${wellKnownName}`).toString('base64url');
}

export function decodeId(id: string): DecodedId | undefined {
  for (const kind of Object.keys(PREFIX) as IdKind[]) {
    for (const immutable of [true, false]) {
      const prefix = immutable ? PREFIX[kind].immutable : PREFIX[kind].regular;
      if (!id.startsWith(prefix)) continue;
      const parts = Buffer.from(id.slice(prefix.length), 'base64url').toString('utf8').split('|');
      if (parts.length !== 3) continue;
      const [tag, key, extra] = parts as [string, string, string];
      if (kind === 'folder') {
        if (key !== 'f') continue;
        return { kind, immutable: false, tag, key: 0, extra: 0, name: extra };
      }
      if (!/^\d+$/.test(key) || !/^-?\d+$/.test(extra)) continue;
      return { kind, immutable, tag, key: Number(key), extra: Number(extra) };
    }
  }
  return undefined;
}

import { z } from 'zod/v4';

/**
 * One page of a Graph delta response, parsed without trusting it. The envelope must be sound (a
 * `value` array and exactly one of nextLink/deltaLink) or the whole page is refused, since its
 * cursor cannot be committed. Inside a sound page each entry is judged alone: a removal, a live
 * item that matches the item schema, an item with an id but a bad shape (recorded as an `invalid`
 * skip under that id), or an entry with no usable id (rejected, since nothing can key it).
 */

export type RemovalReason = 'deleted' | 'changed';

export type DeltaEntry<T> =
  | { kind: 'item'; id: string; item: T }
  | { kind: 'removed'; id: string; reason: RemovalReason }
  | { kind: 'invalid'; id: string; problem: string };

export interface RejectedEntry {
  index: number;
  problem: string;
}

export interface DeltaPage<T> {
  entries: DeltaEntry<T>[];
  rejected: RejectedEntry[];
  nextLink: string | null;
  deltaLink: string | null;
}

export class DeltaPageError extends Error {
  override name = 'DeltaPageError';
}

const envelopeSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().min(1).optional(),
  '@odata.deltaLink': z.string().min(1).optional(),
});

const removalSchema = z.object({
  id: z.string().min(1),
  '@removed': z.object({ reason: z.string().optional() }),
});

export function parseDeltaPage<T>(raw: unknown, itemSchema: z.ZodType<T, unknown>): DeltaPage<T> {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new DeltaPageError(
      `delta page is malformed: ${envelope.error.issues[0]?.message ?? 'not an object'}`,
    );
  }
  const nextLink = envelope.data['@odata.nextLink'] ?? null;
  const deltaLink = envelope.data['@odata.deltaLink'] ?? null;
  if ((nextLink === null) === (deltaLink === null)) {
    throw new DeltaPageError('delta page must carry exactly one of @odata.nextLink and @odata.deltaLink');
  }
  const entries: DeltaEntry<T>[] = [];
  const rejected: RejectedEntry[] = [];
  envelope.data.value.forEach((value, index) => {
    const id = isRecord(value) && typeof value.id === 'string' && value.id.trim() !== '' ? value.id : null;
    if (id === null) {
      rejected.push({ index, problem: 'entry has no id' });
    } else if (isRecord(value) && '@removed' in value) {
      const removal = removalSchema.safeParse(value);
      if (removal.success) {
        // Graph documents `changed` (left the collection, e.g. moved) and `deleted`; anything else is
        // handled as the stronger `deleted`, which for the CRM only ever detaches an owner.
        const reason = removal.data['@removed'].reason === 'changed' ? 'changed' : 'deleted';
        entries.push({ kind: 'removed', id, reason });
      } else {
        entries.push({ kind: 'invalid', id, problem: 'malformed @removed annotation' });
      }
    } else {
      const item = itemSchema.safeParse(value);
      if (item.success) entries.push({ kind: 'item', id, item: item.data });
      else entries.push({ kind: 'invalid', id, problem: describe(item.error) });
    }
  });
  return { entries, rejected, nextLink, deltaLink };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue
    ? `${issue.path.join('.') || 'item'}: ${issue.message}`
    : 'item does not match the expected shape';
}

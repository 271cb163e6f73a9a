import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod/v4';
import type { DeltaPage } from './core/delta-page.js';
import { type DeltaMessage, MESSAGE_EXPAND, messageSensitivity } from './core/graph-items.js';

/**
 * Reads PidTagSensitivity for the messages of a delta page that came without it (Graph refused or
 * dropped the $expand on the delta request). The documented way to read an extended property is a GET
 * of the item with `$expand=singleValueExtendedProperties($filter=id eq '…')` ("Get
 * singleValueLegacyExtendedProperty"); those GETs go 20 to a JSON batch, Graph's limit ("Combine
 * multiple HTTP requests using JSON batching"). An answer without the property means it is not set,
 * so the message is normal; a message whose answer was an error stays unknown and is not filed
 * (filters.ts). Throttling or an outage fails the page instead, so it is retried rather than skipped.
 */

export const BATCH_LIMIT = 20;

const batchAnswerSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number().int(),
      body: z.unknown().optional(),
    }),
  ),
});

const messageAnswerSchema = z.object({
  singleValueExtendedProperties: z.array(z.object({ id: z.string(), value: z.string().nullish() })).nullish(),
});

/** The page with the property list filled in for each message whose sensitivity Graph could tell. */
export async function withSensitivity(
  client: Client,
  page: DeltaPage<DeltaMessage>,
  needsFiling: (message: DeltaMessage) => boolean,
): Promise<DeltaPage<DeltaMessage>> {
  const unknown = page.entries.flatMap((e) =>
    e.kind === 'item' && messageSensitivity(e.item) === null && needsFiling(e.item) ? [e.id] : [],
  );
  if (unknown.length === 0) return page;
  const found = new Map<string, { id: string; value?: string | null }[]>();
  for (let i = 0; i < unknown.length; i += BATCH_LIMIT) {
    const ids = unknown.slice(i, i + BATCH_LIMIT);
    const answer = batchAnswerSchema.parse(
      await client.api('/$batch').post({
        requests: ids.map((id, n) => ({
          id: String(n),
          method: 'GET',
          url: `/me/messages/${encodeURIComponent(id)}?$select=id&$expand=${encodeURIComponent(MESSAGE_EXPAND)}`,
          // The delta round keys messages by immutable id; Graph resolves one only when asked to.
          headers: { Prefer: 'IdType="ImmutableId"' },
        })),
      }),
    );
    for (const response of answer.responses) {
      const id = ids[Number(response.id)];
      if (id === undefined) continue;
      if (response.status === 429 || response.status >= 500) {
        throw new GraphError(response.status, 'Microsoft Graph could not read message sensitivity now');
      }
      if (response.status !== 200) continue;
      const message = messageAnswerSchema.safeParse(response.body);
      if (message.success) found.set(id, message.data.singleValueExtendedProperties ?? []);
    }
  }
  return {
    ...page,
    entries: page.entries.map((e) => {
      const properties = e.kind === 'item' ? found.get(e.id) : undefined;
      return properties === undefined || e.kind !== 'item'
        ? e
        : { ...e, item: { ...e.item, singleValueExtendedProperties: properties } };
    }),
  };
}

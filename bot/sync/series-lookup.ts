import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod/v4';
import type { CalendarWindow } from './core/calendar-window.js';
import type { DeltaPage } from './core/delta-page.js';
import type { SeriesFacts } from './core/diary-reconcile.js';
import {
  SERIES_MASTER_SELECT,
  seriesMasterSchema,
  type DeltaEvent,
  type SeriesMaster,
} from './core/graph-items.js';
import { graphFailure } from './graph-client.js';

/**
 * What a calendarView delta page does not say about recurring meetings, asked of Graph:
 *
 * - the series master of every occurrence or exception on the page (GET /me/events/{id}?$select=...),
 *   since Graph strips occurrences to id, type, seriesMasterId, start and end. A master the round
 *   lists (some tenants do) is used as is; each master is fetched once per round.
 * - in an incremental round, each series the page touches is re-listed over the window ("List
 *   instances", /me/events/{id}/instances): Graph may report a cancelled occurrence by nothing at all
 *   (microsoftgraph/microsoft-graph-docs#4501), so the occurrences still there are what counts.
 *
 * Ids must be the delta's own (immutable), and times UTC, hence the same Prefer as the delta request.
 */

const PREFER = 'IdType="ImmutableId", outlook.timezone="UTC"';
const INSTANCES_PAGE = 1000;

const instancesPageSchema = z.object({
  value: z.array(z.object({ id: z.string().min(1) })),
  '@odata.nextLink': z.string().optional(),
});

export interface SeriesLookupOptions {
  client: Client;
  window: CalendarWindow;
  /** Masters already fetched this round (a baseline spans many pages); null when Graph had none. */
  cache: Map<string, SeriesMaster | null>;
}

export async function lookUpSeries(
  page: DeltaPage<DeltaEvent>,
  options: SeriesLookupOptions,
  relist: boolean,
): Promise<SeriesFacts> {
  const { cache } = options;
  const touched = new Set<string>();
  for (const entry of page.entries) {
    if (entry.kind !== 'item') continue;
    const item = entry.item;
    if (item.type === 'seriesMaster') {
      const master = seriesMasterSchema.safeParse(item);
      if (master.success) cache.set(item.id, master.data);
      touched.add(item.id);
    } else if ((item.type === 'occurrence' || item.type === 'exception') && item.seriesMasterId?.trim()) {
      touched.add(item.seriesMasterId.trim());
    }
  }
  await Promise.all(
    [...touched]
      .filter((id) => !cache.has(id))
      .map(async (id) => {
        cache.set(id, await fetchMaster(options.client, id));
      }),
  );
  const masters = new Map([...touched].map((id) => [id, cache.get(id) ?? null]));
  const instances = new Map<string, string[]>();
  if (relist) {
    await Promise.all(
      [...touched]
        .filter((id) => masters.get(id))
        .map(async (id) => {
          const ids = await listInstanceIds(options.client, id, options.window);
          if (ids !== null) instances.set(id, ids);
        }),
    );
  }
  return { masters, instances };
}

async function fetchMaster(client: Client, id: string): Promise<SeriesMaster | null> {
  const raw = await notFoundAsNull(
    client
      .api(`/me/events/${encodeURIComponent(id)}`)
      .header('Prefer', PREFER)
      .select([...SERIES_MASTER_SELECT])
      .get() as Promise<unknown>,
  );
  if (raw === null) return null;
  const master = seriesMasterSchema.safeParse(raw);
  return master.success && master.data.type === 'seriesMaster' ? master.data : null;
}

/** The series' occurrence and exception ids in the window; null when the series is gone. */
async function listInstanceIds(client: Client, id: string, window: CalendarWindow): Promise<string[] | null> {
  const ids: string[] = [];
  const query = new URLSearchParams({
    startDateTime: window.start,
    endDateTime: window.end,
    $select: 'id',
    $top: String(INSTANCES_PAGE),
  });
  let url: string | undefined = `/me/events/${encodeURIComponent(id)}/instances?${query.toString()}`;
  while (url !== undefined) {
    const raw = await notFoundAsNull(client.api(url).header('Prefer', PREFER).get() as Promise<unknown>);
    if (raw === null) return null;
    const page = instancesPageSchema.parse(raw);
    ids.push(...page.value.map((i) => i.id));
    url = page['@odata.nextLink'];
  }
  return ids;
}

async function notFoundAsNull(request: Promise<unknown>): Promise<unknown> {
  try {
    return await request;
  } catch (err) {
    if (graphFailure(err)?.status === 404) return null;
    throw err;
  }
}

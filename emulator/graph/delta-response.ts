import { json, type EmuResponse } from '../http.js';
import { encodeState, type DeltaState } from './delta-token.js';
import { link } from './graph-query.js';
import { userOf, type GraphRequest } from './graph-request.js';
import type { DeltaOptions, DeltaResult } from './message-delta.js';
import { pageSize, preferenceApplied } from './prefer.js';

/** Outlook's delta pages default to 10 items and honour `odata.maxpagesize` up to 1000. */
const DEFAULT_PAGE = { size: 10, max: 1000 };

/**
 * One page of a mail or calendar delta round as Graph answers it: the page size and id type it
 * applied, the nextLink or deltaLink carrying the encoded state, and the injected faults (an empty
 * page, replayed items) that make clients prove they tolerate them.
 */
export function deltaResponse<S extends DeltaState>(
  req: GraphRequest,
  entity: 'message' | 'event',
  state: S,
  pageOf: (options: DeltaOptions) => DeltaResult<S>,
): EmuResponse {
  const userId = userOf(req).id;
  const { faults } = req.runtime;
  const size = pageSize(req.prefs, DEFAULT_PAGE);
  const headers = preferenceApplied([
    size.applied,
    req.prefs.immutableIds ? 'IdType="ImmutableId"' : undefined,
  ]);
  const context = `${req.ctx.origin}/v1.0/$metadata#Collection(${entity})`;
  if (faults.takeEmptyPage(userId)) {
    return json(
      200,
      {
        '@odata.context': context,
        '@odata.nextLink': link(req, '$skiptoken', encodeState(state)),
        value: [],
      },
      headers,
    );
  }
  const page = pageOf({
    pageSize: size.size,
    immutable: req.prefs.immutableIds,
    replayItems: faults.get(userId).replayItems,
  });
  req.itemCount = page.value.length;
  const links = page.next
    ? { '@odata.nextLink': link(req, '$skiptoken', encodeState(page.next)) }
    : { '@odata.deltaLink': link(req, '$deltatoken', encodeState(page.delta!)) };
  return json(200, { '@odata.context': context, ...links, value: page.value }, headers);
}

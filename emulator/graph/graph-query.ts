import { graphError, type EmuResponse } from '../http.js';
import type { DeltaState } from './delta-token.js';
import { decodeState } from './delta-token.js';
import type { GraphRequest } from './graph-request.js';
import { syncStateNotFound } from './faults.js';
import type { Mailbox } from './mailbox.js';

/** Query helpers shared by the delta routes: state tokens, links and Graph's date parsing. */
export function stateToken(req: GraphRequest): string | undefined {
  return req.url.searchParams.get('$skiptoken') ?? req.url.searchParams.get('$deltatoken') ?? undefined;
}

/** Decodes and checks a state token against the mailbox; a token from before a reset is a 410. */
export function checkState<K extends DeltaState['kind']>(
  token: string,
  kind: K,
  mailbox: Mailbox,
): Extract<DeltaState, { kind: K }> | EmuResponse {
  const state = decodeState(token);
  if (!state || state.kind !== kind || state.userId !== mailbox.userId) {
    return graphError(400, 'ErrorInvalidUrlQuery', 'The state token in the request is not valid.');
  }
  if (state.epoch !== mailbox.epoch) return syncStateNotFound();
  return state as Extract<DeltaState, { kind: K }>;
}

export function link(req: GraphRequest, param: '$skiptoken' | '$deltatoken', token: string): string {
  return `${req.ctx.origin}/v1.0${req.graphPath}?${param}=${token}`;
}

/** Graph reads a date-time without an offset as UTC. */
export function parseGraphDateTime(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const value = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

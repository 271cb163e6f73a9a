import { z } from 'zod';
import { graphError, json, parseJson, type EmuResponse } from '../http.js';
import type { GraphHandler } from './graph-request.js';
import type { GraphPipeline } from './pipeline.js';

/**
 * POST /$batch: up to 20 sub-requests, each through the full pipeline (auth, throttling, faults), run
 * concurrently unless ordered by dependsOn; a sub-request whose dependency failed gets 424.
 */
export const MAX_BATCH_REQUESTS = 20;

const batchSchema = z.object({
  requests: z
    .array(
      z.object({
        id: z.string().min(1),
        method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
        url: z.string().min(1),
        headers: z.record(z.string()).optional(),
        body: z.unknown().optional(),
        dependsOn: z.array(z.string()).optional(),
      }),
    )
    .min(1),
});
type BatchItem = z.infer<typeof batchSchema>['requests'][number];

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function toBatchResponse(id: string, response: EmuResponse): BatchResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(response.headers ?? {}))
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  let body: unknown = response.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString();
    body = headers['content-type']?.includes('json') ? (parseJson(Buffer.from(text)) ?? text) : text;
  }
  return { id, status: response.status, headers, ...(body !== undefined && body !== '' ? { body } : {}) };
}

function orderProblem(requests: BatchItem[]): string | undefined {
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.id)) return `Duplicate request id '${r.id}'.`;
    for (const d of r.dependsOn ?? []) {
      if (!seen.has(d))
        return `Request '${r.id}' depends on '${d}', which is not an earlier request in the batch.`;
    }
    seen.add(r.id);
  }
  return undefined;
}

const batch: GraphHandler = async (req) => {
  const raw = parseJson<{ requests?: unknown[] }>(req.body);
  if (Array.isArray(raw?.requests) && raw.requests.length > MAX_BATCH_REQUESTS) {
    return graphError(400, 'BadRequest', `Number of requests exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  }
  const parsed = batchSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return graphError(400, 'BadRequest', `Invalid batch request: ${issue.path.join('.')}: ${issue.message}`);
  }
  const requests = parsed.data.requests;
  const problem = orderProblem(requests);
  if (problem) return graphError(400, 'BadRequest', problem);

  const results = new Map<string, Promise<BatchResponse>>();
  for (const item of requests) {
    results.set(
      item.id,
      (async () => {
        const deps = await Promise.all((item.dependsOn ?? []).map((d) => results.get(d)!));
        if (deps.some((d) => d.status >= 400)) {
          return toBatchResponse(
            item.id,
            graphError(424, 'FailedDependency', 'A request this one depends on failed.'),
          );
        }
        const headers: Record<string, string> = { ...(item.headers ?? {}) };
        if (req.headers['authorization']) headers['authorization'] = String(req.headers['authorization']);
        const body =
          item.body === undefined
            ? Buffer.alloc(0)
            : Buffer.from(typeof item.body === 'string' ? item.body : JSON.stringify(item.body));
        const response = await req.dispatch({ method: item.method, url: item.url, headers, body });
        return toBatchResponse(item.id, response);
      })(),
    );
  }
  const responses = await Promise.all(requests.map((r) => results.get(r.id)!));
  return json(200, { responses });
};

export function registerBatchRoutes(pipeline: GraphPipeline): void {
  pipeline.root('POST', '/$batch', batch);
}

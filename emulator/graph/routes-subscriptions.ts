import { graphError, json, parseJson, type EmuResponse } from '../http.js';
import type { GraphHandler, GraphRequest } from './graph-request.js';
import type { GraphPipeline } from './pipeline.js';

/** POST/GET/PATCH/DELETE /subscriptions. */
function entity(req: GraphRequest, body: object, status = 200): EmuResponse {
  return json(status, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#subscriptions/$entity`,
    ...body,
  });
}

function bodyOf(req: GraphRequest): unknown {
  const body = parseJson(req.body);
  return body === undefined ? null : body;
}

const create: GraphHandler = async (req) => {
  const body = bodyOf(req);
  if (body === null) return graphError(400, 'BadRequest', 'The request body must be a JSON subscription.');
  const result = await req.runtime.subscriptions.create(body, req.caller, req.prefs.immutableIds);
  return 'status' in result ? (result as EmuResponse) : entity(req, result, 201);
};

const list: GraphHandler = (req) =>
  json(200, {
    '@odata.context': `${req.ctx.origin}/v1.0/$metadata#subscriptions`,
    value: req.runtime.subscriptions.list(req.caller),
  });

const get: GraphHandler = (req) => {
  const result = req.runtime.subscriptions.get(req.params['id']!, req.caller);
  return 'status' in result ? (result as EmuResponse) : entity(req, result);
};

const update: GraphHandler = (req) => {
  const body = bodyOf(req);
  if (body === null) return graphError(400, 'BadRequest', 'The request body must be JSON.');
  const result = req.runtime.subscriptions.update(req.params['id']!, body, req.caller);
  return 'status' in result ? (result as EmuResponse) : entity(req, result);
};

const reauthorize: GraphHandler = (req) =>
  req.runtime.subscriptions.reauthorize(req.params['id']!, req.caller) ?? { status: 204 };

const remove: GraphHandler = (req) =>
  req.runtime.subscriptions.delete(req.params['id']!, req.caller) ?? { status: 204 };

export function registerSubscriptionRoutes(pipeline: GraphPipeline): void {
  pipeline
    .root('POST', '/subscriptions', create)
    .root('GET', '/subscriptions', list)
    .root('GET', '/subscriptions/{id}', get)
    .root('PATCH', '/subscriptions/{id}', update)
    .root('POST', '/subscriptions/{id}/reauthorize', reauthorize)
    .root('DELETE', '/subscriptions/{id}', remove);
}

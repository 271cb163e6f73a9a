import type { z } from 'zod';
import { DirectoryError, formatIssues } from '../directory.js';
import { isLoopbackAddress } from '../../bot/server/loopback.js';
import { json, parseJson, type EmuRequest, type EmuResponse, type Handler } from '../http.js';

/**
 * Shared plumbing of the `/_emulator/` control API: loopback callers only, JSON bodies validated by a
 * zod schema, and `{ "error": { "code", "message" } }` with 400 for anything that does not fit.
 */
export function controlError(status: number, code: string, message: string): EmuResponse {
  return json(status, { error: { code, message } });
}

export function controlRoute(handler: (req: EmuRequest) => EmuResponse | Promise<EmuResponse>): Handler {
  return async (req) => {
    if (!isLoopbackAddress(req.remoteAddress)) {
      return controlError(403, 'Forbidden', 'The control API only answers callers on this machine.');
    }
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof ControlInputError || err instanceof DirectoryError) {
        return controlError(400, 'BadRequest', err.message);
      }
      throw err;
    }
  };
}

export class ControlInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlInputError';
  }
}

export function parseBody<S extends z.ZodTypeAny>(schema: S, req: EmuRequest): z.output<S> {
  const raw = req.body.length === 0 ? {} : parseJson(req.body);
  if (raw === undefined) throw new ControlInputError('the request body is not valid JSON');
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ControlInputError(`invalid request body: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

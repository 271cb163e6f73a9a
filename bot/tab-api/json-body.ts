import type { Request } from 'restify';
import type { ZodTypeAny, output } from 'zod';
import { ApiHttpError, badRequest } from './http-errors.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads and validates a JSON body. Another route's body parser may already have consumed the stream
 * (restify plugins are global), so a parsed `req.body` is used when present.
 */
export async function readJson<S extends ZodTypeAny>(req: Request, schema: S): Promise<output<S>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiHttpError(415, 'unsupported_media_type', 'Send the request body as application/json.');
  }
  let value: unknown = (req as { body?: unknown }).body;
  if (value === undefined) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES)
        throw new ApiHttpError(413, 'body_too_large', 'The request body is too large.');
      chunks.push(chunk as Buffer);
    }
    try {
      value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new ApiHttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
  } else if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString());
    } catch {
      throw new ApiHttpError(400, 'invalid_json', 'The request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}

/** Validates the query string the same way (restify's queryParser has filled `req.query`). */
export function readQuery<S extends ZodTypeAny>(req: Request, schema: S): output<S> {
  const parsed = schema.safeParse((req.query as unknown) ?? {});
  if (!parsed.success) throw badRequest(parsed.error);
  return parsed.data;
}

import type { Request } from 'restify';

/**
 * Entra's `response_mode=form_post` answer: the browser posts the authorisation code, state and any
 * error as an HTML form, so none of them appears in a URL (browser history, proxy and Application
 * Insights request telemetry all record URLs with their query strings). The fields become the
 * request's `body`, where `stringParam` finds them.
 */

/** A code, a state and an error description fit in a few KiB; anything larger is not Entra's answer. */
export const MAX_FORM_POST_BYTES = 64 * 1024;

export class FormPostTooLarge extends Error {}

export async function readFormPost(req: Request): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_POST_BYTES) throw new FormPostTooLarge();
    chunks.push(chunk);
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
    fields[name] = value;
  (req as { body?: unknown }).body = fields;
}

import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import { RetryAfterLedger } from './retry-after-witness.js';

/**
 * Loaded (through retry-after-witness-preload.mjs) into a worker process a test or benchmark spawns:
 * keeps the Retry-After ledger (retry-after-witness.ts) of that process's Graph requests from undici's
 * diagnostics channels, where a request is handed to the connection pool and where its answer's
 * headers arrive, and writes each throttled answer and each breach as a JSON line to
 * RETRY_AFTER_WITNESS_FILE. Nothing in the worker changes; requests that name no mailbox (tokens,
 * discovery) are left out.
 */
const file = process.env.RETRY_AFTER_WITNESS_FILE;
if (!file) throw new Error('RETRY_AFTER_WITNESS_FILE must name the file the witness writes');

const MAILBOX_PATH = /\/(me|users\/[^/?]+)(\/|\?|$)/;
const ledger = new RetryAfterLedger();

interface UndiciRequest {
  origin: string;
  path: string;
}

function headerValue(headers: readonly (Buffer | string)[], name: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
  }
  return undefined;
}

subscribe('undici:request:create', (message) => {
  const { request } = message as { request: UndiciRequest };
  if (!MAILBOX_PATH.test(request.path)) return;
  for (const breach of ledger.sent(`${request.origin}${request.path}`, performance.now()))
    appendFileSync(file, `${JSON.stringify({ breach })}\n`);
});

subscribe('undici:request:headers', (message) => {
  const { request, response } = message as {
    request: UndiciRequest;
    response: { statusCode: number; headers: (Buffer | string)[] };
  };
  if (!MAILBOX_PATH.test(request.path)) return;
  if (ledger.answered(response.statusCode, headerValue(response.headers, 'retry-after'), performance.now()))
    appendFileSync(file, `${JSON.stringify({ wait: response.statusCode })}\n`);
});

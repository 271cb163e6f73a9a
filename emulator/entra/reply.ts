import { redirect, type EmuResponse } from '../http.js';
import type { ReplyTarget } from './authorize-request.js';
import { errorRedirectParams, newTrace, type EntraError } from './errors.js';
import { formPostPage } from './pages.js';

/** Sends the browser back to the app's redirect URI with a response, in the response mode it asked for. */
export function reply(target: ReplyTarget, params: Record<string, string | undefined>): EmuResponse {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  if (target.responseMode === 'form_post')
    return formPostPage(target.redirectUri, Object.fromEntries(entries));
  const url = new URL(target.redirectUri);
  if (target.responseMode === 'fragment') {
    url.hash = new URLSearchParams(entries).toString();
  } else {
    for (const [k, v] of entries) url.searchParams.append(k, v);
  }
  return redirect(url.toString());
}

export function errorReply(
  origin: string,
  target: ReplyTarget,
  err: EntraError,
  nowMs: number,
  correlationId?: string,
  extra: Record<string, string> = {},
): EmuResponse {
  return reply(target, {
    ...errorRedirectParams(err, origin, newTrace(correlationId, nowMs)),
    ...extra,
    state: target.state,
  });
}

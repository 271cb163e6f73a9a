import type { DirectoryUser } from '../directory.js';
import type { EmulatorContext } from '../context.js';
import type { EmuRequest, EmuResponse } from '../http.js';
import type { Caller } from './auth.js';
import type { Preferences } from './prefer.js';
import type { GraphRuntime } from './runtime.js';

/** A Graph request after authentication and principal resolution, as route handlers receive it. */
export interface GraphRequest extends EmuRequest {
  ctx: EmulatorContext;
  runtime: GraphRuntime;
  caller: Caller;
  prefs: Preferences;
  /** The user named by /me or /users/{id}; absent for /subscriptions and /$batch. */
  user?: DirectoryUser;
  /** The path as the client wrote it after /v1.0, without the query: the base of next/delta links. */
  graphPath: string;
  /** Handlers set this to the number of items returned, for per-item latency. */
  itemCount?: number;
  /** Runs a sub-request through the whole pipeline ($batch). */
  dispatch: (sub: SubRequest) => Promise<EmuResponse>;
}

export interface SubRequest {
  method: string;
  /** Relative to /v1.0, with its query, e.g. `/me/messages/{id}?$select=subject`. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type GraphHandler = (req: GraphRequest) => Promise<EmuResponse> | EmuResponse;

export function userOf(req: GraphRequest): DirectoryUser {
  if (!req.user) throw new Error('this route needs /me or /users/{id}');
  return req.user;
}

import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { trustedFetch, type FetchLike } from '../../../bot/net/tls-trust.js';
import { startTestEmulator, type TestEmulator } from '../../support/emulator.js';

/**
 * Graph test plumbing: a demo-seeded emulator, Graph access tokens with the claims Entra puts in them,
 * the real Graph client (auth and retry middleware) over a fetch that trusts the emulator's CA, and a
 * small control-API caller.
 */
export const GRAPH_AUD = '00000003-0000-0000-c000-000000000000';
export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const ALICE = 'a1000000-0000-4000-8000-000000000001';
export const DAN = 'a1000000-0000-4000-8000-000000000004';
export const ERIN = 'b2000000-0000-4000-8000-000000000001';
export const CONTOSO = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';

export interface GraphEmulator extends TestEmulator {
  fetch: FetchLike;
}

export async function startGraphEmulator(): Promise<GraphEmulator> {
  const emu = await startTestEmulator();
  return { ...emu, fetch: trustedFetch(emu.caPem) };
}

export interface TokenOptions {
  scp?: string;
  roles?: string[];
  aud?: string;
  tid?: string;
  lifetimeSeconds?: number;
}

/** A delegated token for a demo user (scp) or, with `roles`, an app-only token for the tenant. */
export function graphToken(
  emu: TestEmulator,
  userId: string | undefined,
  options: TokenOptions = {},
): Promise<string> {
  const user = userId ? emu.ctx.directory.findUserById(userId) : undefined;
  const claims: Record<string, unknown> = {
    aud: options.aud ?? GRAPH_AUD,
    iss: `${emu.origin}/${options.tid ?? user?.tenantId ?? CONTOSO}/`,
    tid: options.tid ?? user?.tenantId ?? CONTOSO,
    azp: CLIENT_ID,
    appid: CLIENT_ID,
    ver: '1.0',
  };
  if (options.roles) claims['roles'] = options.roles;
  else {
    claims['oid'] = userId;
    claims['scp'] = options.scp ?? 'User.Read Mail.Read Mail.Send Calendars.Read';
  }
  return emu.ctx.keys.sign(claims, options.lifetimeSeconds ?? 3600);
}

/** The terminal middleware: hands the request to a fetch that trusts the emulator CA. */
class TrustedFetchHandler implements Middleware {
  constructor(private readonly fetchImpl: FetchLike) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchImpl(context.request as string | Request, context.options);
  }
}

export function graphClient(
  emu: GraphEmulator,
  token: string | (() => Promise<string>),
  maxRetries = 3,
): Client {
  const chain: Middleware[] = [
    new AuthenticationHandler({ getAccessToken: typeof token === 'string' ? async () => token : token }),
    new RetryHandler(new RetryHandlerOptions(1, maxRetries)),
    new TrustedFetchHandler(emu.fetch),
  ];
  for (let i = 0; i < chain.length - 1; i++) chain[i]!.setNext?.(chain[i + 1]!);
  return Client.initWithMiddleware({
    baseUrl: emu.origin,
    defaultVersion: 'v1.0',
    middleware: chain[0]!,
    customHosts: new Set([new URL(emu.origin).hostname]),
  });
}

export async function control<T = unknown>(
  emu: GraphEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await emu.fetch(`${emu.origin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Calls Graph without the client, for checking raw statuses and headers. */
export function rawGraph(emu: GraphEmulator, path: string, init: RequestInit = {}): Promise<Response> {
  return emu.fetch(`${emu.origin}/v1.0${path}`, init);
}

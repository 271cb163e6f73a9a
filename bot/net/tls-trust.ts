import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';

/**
 * Outbound HTTPS that trusts a given CA explicitly (the Microsoft 365 emulator's `ca.pem`) instead of
 * weakening certificate checks, and the system CAs when no CA is given (real Microsoft endpoints): undici's
 * `fetch` over an undici `Agent` whose TLS connector is given the CA. Every outbound call (Graph client,
 * sign-in, consent check, bot authentication, msal-node's network client) goes through `trustedFetch`.
 */

export class TrustedCaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustedCaError';
  }
}

/** Reads and checks a PEM CA certificate; the message says what to do when it is missing or broken. */
export function loadTrustedCa(path: string): string {
  if (!existsSync(path)) {
    throw new TrustedCaError(
      `CA certificate not found at ${path}. Start the emulator once (npm run emulator) to create it, or set EMULATOR_CA_CERT.`,
    );
  }
  const pem = readFileSync(path, 'utf8');
  try {
    const cert = new X509Certificate(pem);
    if (!cert.ca) throw new TrustedCaError(`${path} is a certificate but not a CA certificate`);
  } catch (err) {
    if (err instanceof TrustedCaError) throw err;
    throw new TrustedCaError(`${path} is not a PEM certificate: ${(err as Error).message}`);
  }
  return pem;
}

/** With a CA: certificate chains must end at that CA. Without: Node's bundled root CAs. */
function trustedAgent(caPem?: string): Agent {
  return new Agent(caPem ? { connect: { ca: caPem } } : {});
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function trustedFetch(caPem?: string): FetchLike {
  const dispatcher = trustedAgent(caPem);
  return async (input, init = {}) => {
    // undici's fetch reads only its own Request class; a global Request is passed on as its parts.
    const [url, fromRequest] = input instanceof Request ? [input.url, await requestInit(input)] : [input, {}];
    const merged = { ...fromRequest, ...init, dispatcher } as UndiciRequestInit;
    // The installed undici and Node's bundled one implement the same fetch standard; callers keep the
    // global Response type.
    return (await undiciFetch(url, merged)) as unknown as Response;
  };
}

async function requestInit(request: Request): Promise<RequestInit> {
  const hasBody = request.body !== null && !['GET', 'HEAD'].includes(request.method);
  return {
    method: request.method,
    headers: request.headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    redirect: request.redirect,
    signal: request.signal,
  };
}

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { trustedFetch, type FetchLike } from './tls-trust.js';

/**
 * msal-node's network module over `trustedFetch`, so msal-node talks to the emulator with its CA trusted
 * explicitly (`system: { networkClient }`), and to Microsoft with the system CAs when no CA is given.
 */
export class TrustedNetworkClient implements INetworkModule {
  private readonly fetch: FetchLike;

  constructor(caPem?: string) {
    this.fetch = trustedFetch(caPem);
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: string,
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const res = await this.fetch(url, {
      method,
      headers: options?.headers,
      body: options?.body,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { headers, body: parseBody(await res.text(), res.status) as T, status: res.status };
  }
}

/** msal-node reads `error`/`error_description` from any body; a non-JSON answer becomes one. */
function parseBody(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const error = status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'unknown_error';
    return { error, error_description: `The server answered HTTP ${status} with a body that is not JSON.` };
  }
}

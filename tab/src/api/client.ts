import type { ApiError } from '#shared/contract.js';
import type { Host } from '../host/host.js';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** Thrown when there is no usable token: the app shows its sign-in screen. */
export class SignInRequiredError extends Error {
  constructor() {
    super('Sign in to see your Cloud Sync health.');
    this.name = 'SignInRequiredError';
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
  download(path: string): Promise<Blob>;
}

export function createApiClient(host: Host): ApiClient {
  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    const token = await host.token();
    if (!token) throw new SignInRequiredError();
    const response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      host.tokenRejected();
      if (host.kind === 'browser') throw new SignInRequiredError();
    }
    if (!response.ok) {
      const error = (await response.json().catch(() => null)) as ApiError | null;
      throw new ApiRequestError(
        response.status,
        error?.error ?? 'http_error',
        error?.message ?? `The server answered ${response.status}.`,
      );
    }
    return response;
  }

  return {
    get: async (path) => (await request('GET', path)).json(),
    send: async (method, path, body) => (await request(method, path, body ?? {})).json(),
    download: async (path) => (await request('GET', path)).blob(),
  };
}

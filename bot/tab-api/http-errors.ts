import type { ZodError } from 'zod';
import type { ApiError } from '#shared/contract.js';

/** An answer the API gives on purpose (401, 403, 400, 404, 409), with a body a person can read. */
export class ApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ApiError['issues'],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiHttpError';
  }

  body(): ApiError {
    return { error: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

export function badRequest(error: ZodError): ApiHttpError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
  return new ApiHttpError(
    400,
    'invalid_request',
    `The request was not accepted: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    issues,
  );
}

export const forbidden = (code: string, message: string) => new ApiHttpError(403, code, message);
export const conflict = (code: string, message: string) => new ApiHttpError(409, code, message);

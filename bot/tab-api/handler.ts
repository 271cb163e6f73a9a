import type { Request, Response } from 'restify';
import type { Logger } from '../logging/logger.js';
import { ApiHttpError } from './http-errors.js';

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; text: string; contentType: string; headers?: Record<string, string> };

/**
 * Runs one API handler and writes its answer. Every answer is `no-store`: it is one user's live data
 * behind a bearer token, which no shared cache may keep.
 */
export function handle(logger: Logger, fn: (req: Request) => Promise<Reply>) {
  return async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    try {
      const reply = await fn(req);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if ('json' in reply) {
        res.json(reply.status ?? 200, reply.json);
        return;
      }
      res.setHeader('Content-Type', reply.contentType);
      res.sendRaw(reply.status ?? 200, reply.text);
    } catch (err) {
      if (err instanceof ApiHttpError) {
        for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
        res.json(err.status, err.body());
        return;
      }
      // Path only: the query string and headers may carry tokens.
      logger.error(
        { err: { message: (err as Error).message, stack: (err as Error).stack }, path: req.getPath() },
        'tab API failed',
      );
      res.json(500, {
        error: 'internal',
        message: 'Something went wrong on our side. Try again in a moment.',
      });
    }
  };
}

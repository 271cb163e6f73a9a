import restify, { type Request, type Response, type Server } from 'restify';
import { AuthenticationError } from 'botframework-connector';
import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import { isLoopbackAddress } from '../server/loopback.js';
import type { TeamsBot } from './teams-bot.js';

/**
 * POST /api/messages. With a bot id every request must carry a valid channel token (checked inside the
 * adapter, bot-auth.ts); without one (Agents Playground) only loopback callers are served at all.
 */

export const MESSAGES_PATH = '/api/messages';

const channelAccount = z.object({
  id: z.string().min(1).max(1024),
  name: z.string().max(1024).optional(),
  aadObjectId: z.string().max(128).optional(),
});

/**
 * The fields the bot and botbuilder rely on, checked before the adapter sees the activity: a malformed
 * one is the sender's error (400), not a failed turn (500). Other fields are allowed; only the verdict
 * is used (the adapter gets the body as sent), so the parse does not copy the fields it does not check.
 */
export const activityShape = z.object({
  type: z.string().min(1).max(64),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.string().url().max(2048),
  from: channelAccount,
  recipient: channelAccount,
  conversation: z.object({
    // Replies go to /v3/conversations/{id}/...: an id that is a dot segment would be normalised
    // into another path of the channel service (encodeURIComponent leaves dots alone).
    id: z
      .string()
      .min(1)
      .max(2048)
      .refine((id) => id !== '.' && id !== '..', 'a conversation id cannot be a dot segment'),
    conversationType: z.string().max(64).optional(),
    tenantId: z.string().max(128).optional(),
  }),
  channelData: z.record(z.unknown()).optional(),
  text: z.string().max(28_000).optional(),
  name: z.string().max(256).optional(),
});
const MAX_ACTIVITY_BYTES = 256 * 1024;

export function registerMessagesRoute(
  server: Server,
  deps: { teamsBot: TeamsBot; authenticated: boolean; logger: Logger },
): void {
  // Clients such as the Agents Playground probe the endpoint before posting.
  server.head(MESSAGES_PATH, async (_req: Request, res: Response) => {
    res.send(200);
  });
  server.post(
    MESSAGES_PATH,
    restify.plugins.bodyParser({ mapParams: false, maxBodySize: MAX_ACTIVITY_BYTES, rejectUnknown: true }),
    async (req: Request, res: Response) => {
      // A tunnel or proxy on this machine connects from loopback but forwards someone else's request.
      const forwarded = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
      if (!deps.authenticated && (forwarded || !isLoopbackAddress(req.socket.remoteAddress))) {
        deps.logger.warn(
          { path: MESSAGES_PATH },
          'unauthenticated bot request from a remote address refused',
        );
        res.send(401, { error: 'BOT_ID is not set, so only this machine may talk to the bot.' });
        return;
      }
      if (!activityShape.safeParse(req.body).success) {
        res.send(400, { error: 'The request body must be a Bot Framework activity.' });
        return;
      }
      const authorization = req.headers.authorization ?? '';
      let answer: { status: number; body?: unknown };
      try {
        answer = await deps.teamsBot.process(authorization, req.body as Record<string, unknown>);
      } catch (err) {
        // The message only: it names what was wrong with the token, never the token itself.
        const refused = err instanceof AuthenticationError;
        deps.logger.warn(
          { err: (err as Error).message },
          refused ? 'channel token refused' : 'bot turn failed',
        );
        res.send(refused ? 401 : 500, { error: refused ? (err as Error).message : 'The turn failed.' });
        return;
      }
      res.send(answer.status, answer.body);
    },
  );
}

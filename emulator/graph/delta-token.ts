import { z } from 'zod';

/**
 * State tokens ($skiptoken / $deltatoken). Like Graph's they carry the whole query (folder or window,
 * $select, $filter), so a client only ever follows links. They are opaque base64url JSON; the mailbox
 * epoch inside makes a token from before a reset answer 410, as an expired sync state does.
 */
const common = {
  /** Mailbox owner (object id) and the mailbox's epoch, which a reset changes. */
  userId: z.string(),
  epoch: z.string(),
  /** 'init': enumerating what existed at `cur`; 'inc': changes in (cur, upTo]. */
  mode: z.enum(['init', 'inc']),
  cur: z.number().int().min(0),
  upTo: z.number().int().min(0).nullable(),
  /** $select, null for the default properties. */
  select: z.array(z.string()).nullable(),
};

export const messageDeltaState = z.object({
  kind: z.literal('messages'),
  ...common,
  /** Folder key: a well-known name or a created folder's key. */
  folder: z.string().min(1),
  /** receivedDateTime filter (epoch ms) and whether it is inclusive. */
  since: z.number().nullable(),
  sinceInclusive: z.boolean(),
  /** Whether the client asked for the sensitivity extended property. */
  expandSensitivity: z.boolean(),
  /** Last key a filtered initial round may list (its 5,000th match); null when uncapped. */
  cap: z.number().int().min(0).nullable().default(null),
  pos: z.number().int().min(0),
});
export type MessageDeltaState = z.infer<typeof messageDeltaState>;

export const calendarDeltaState = z.object({
  kind: z.literal('events'),
  ...common,
  /** The calendarView window (epoch ms). */
  windowStart: z.number(),
  windowEnd: z.number(),
  /** Position: event key and occurrence slot (init) or change sequence (inc, in `pos[0]`). */
  pos: z.tuple([z.number().int().min(0), z.number()]),
});
export type CalendarDeltaState = z.infer<typeof calendarDeltaState>;

const anyState = z.discriminatedUnion('kind', [messageDeltaState, calendarDeltaState]);
export type DeltaState = z.infer<typeof anyState>;

export function encodeState(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function decodeState(token: string): DeltaState | undefined {
  try {
    const parsed = anyState.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

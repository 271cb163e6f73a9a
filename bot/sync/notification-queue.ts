/**
 * Accepted notification bodies waiting to be handled. Graph wants an answer within seconds and
 * recommends answering 202 and queueing; handling each body as its own database work would hold the
 * request (and its in-flight slot) for as long as the database takes under load. Here a body is
 * queued and answered at once; one loop takes everything queued so far as a batch, so a burst from
 * many mailboxes costs a few statements per batch rather than a few per body.
 *
 * The queue is bounded by items, so a flood cannot grow memory: a body that does not fit is refused
 * (the route answers 503 and Graph delivers it again later).
 */

export interface QueuedBody<T> {
  kind: 'change' | 'lifecycle';
  items: readonly T[];
}

export interface NotificationQueueOptions<T> {
  /** Items queued at most, counting those of the batch being handled. */
  maxItems: number;
  /** Handles a batch (bodies in arrival order); a rejection is given to `onError` and the loop goes on. */
  handle(batch: readonly QueuedBody<T>[]): Promise<void>;
  onError(err: unknown): void;
}

export interface NotificationQueue<T> {
  /** Queues the body; false (nothing queued) when its items do not fit. */
  offer(body: QueuedBody<T>): boolean;
  /** Items queued or being handled. */
  size(): number;
  /** Resolves once everything queued so far has been handled (shutdown, tests). */
  drained(): Promise<void>;
}

/** Above this many items a batch is cut, so one statement's `in (...)` list stays a sensible size. */
const MAX_BATCH_ITEMS = 1000;

export function createNotificationQueue<T>(options: NotificationQueueOptions<T>): NotificationQueue<T> {
  const waiting: QueuedBody<T>[] = [];
  let size = 0;
  let loop: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      let items = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || items + waiting[take]!.items.length <= MAX_BATCH_ITEMS))
        items += waiting[take++]!.items.length;
      const batch = waiting.splice(0, take);
      try {
        await options.handle(batch);
      } catch (err) {
        options.onError(err);
      }
      size -= items;
    }
  }

  return {
    offer(body) {
      if (size + body.items.length > options.maxItems) return false;
      waiting.push(body);
      size += body.items.length;
      loop ??= drain().finally(() => {
        loop = null;
      });
      return true;
    },
    size: () => size,
    drained: () => loop ?? Promise.resolve(),
  };
}

/**
 * Accepted notification bodies waiting to be handled. Graph wants an answer within seconds and
 * recommends answering 202 and queueing; handling each body as its own database work would hold the
 * request (and its in-flight slot) for as long as the database takes under load. Here a body is
 * queued and answered at once; one loop takes everything queued so far as a batch, so a burst from
 * many mailboxes costs a few statements per batch rather than a few per body.
 *
 * The queue is bounded by items, so a flood cannot grow memory: a body that does not fit is refused
 * (the route answers 503 and Graph delivers it again later).
 *
 * Graph has had its 202, so it will not deliver a queued body again: a batch that fails (the database
 * briefly away) is tried again a few times before it is given up. What is given up, or lost with the
 * process, is caught by the account's safety read (`NOTIFIED_POLL_INTERVAL_SECONDS`); a queue in
 * memory holds milliseconds' worth of posts, so that is rare.
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
  /** Waits before each further try of a failed batch; the batch is given up after the last. */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [100, 400, 1600] as const;

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

  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;

  async function handleWithRetries(batch: readonly QueuedBody<T>[]): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await options.handle(batch);
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined) {
          options.onError(err);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      let items = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || items + waiting[take]!.items.length <= MAX_BATCH_ITEMS))
        items += waiting[take++]!.items.length;
      const batch = waiting.splice(0, take);
      await handleWithRetries(batch);
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

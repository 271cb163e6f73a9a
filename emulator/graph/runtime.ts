import type { EmulatorContext } from '../context.js';
import { Faults } from './faults.js';
import { Latency } from './latency.js';
import { SubscriptionService } from './subscriptions.js';
import { Throttle } from './throttle.js';

/**
 * The Graph half's runtime state beside the mailboxes: throttling, faults, latency and subscriptions. One per
 * emulator (keyed by its MailboxStore) so the Graph routes and the control API share it; a mailbox
 * reset clears it too.
 */
export interface GraphRuntime {
  throttle: Throttle;
  faults: Faults;
  /** The emulator-wide latency model (off unless set). */
  latency: Latency;
  subscriptions: SubscriptionService;
}

const runtimes = new WeakMap<object, GraphRuntime>();

export function graphRuntime(ctx: EmulatorContext): GraphRuntime {
  let runtime = runtimes.get(ctx.mailboxes);
  if (!runtime) {
    const created: GraphRuntime = {
      throttle: new Throttle(),
      faults: new Faults(),
      latency: new Latency(),
      subscriptions: new SubscriptionService(ctx),
    };
    ctx.mailboxes.onReset(() => {
      created.throttle.reset();
      created.faults.reset();
      created.latency.reset();
      created.subscriptions.reset();
    });
    runtimes.set(ctx.mailboxes, created);
    runtime = created;
  }
  return runtime;
}

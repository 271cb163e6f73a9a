import { z } from 'zod';
import { prng } from './generator.js';

/**
 * An emulator-wide latency model for Graph mailbox requests, so benchmarks measure the sync worker
 * against something shaped like Graph rather than against a loopback server that answers in
 * microseconds. A request costs `requestMs` (Graph's fixed cost: front door, auth, mailbox lookup)
 * plus `perItemMs` for each item it returns (the mailbox store reading and serialising them), each
 * scaled by a uniform factor in [1 - jitter, 1 + jitter]. Off (all zero) by default; per-mailbox
 * fault latency (faults.ts) adds to it.
 */
export const latencyModelSchema = z
  .object({
    requestMs: z.number().min(0).max(60_000).default(0),
    perItemMs: z.number().min(0).max(1000).default(0),
    jitter: z.number().min(0).max(1).default(0),
    /** Seed for the jitter, so a run is repeatable. */
    seed: z.number().int().default(1),
  })
  .strict();
export type LatencyModel = z.output<typeof latencyModelSchema>;

/**
 * The model benchmarks use (`PUT /_emulator/latency {"preset":"graph"}`). Chosen to resemble what
 * Graph's messages/delta typically shows from an Azure region near the tenant: around 100–150 ms for
 * a small or empty page and well under a second for a 1,000-item page with `$select`. These are
 * assumptions stated in emulator/README.md, not measurements of Graph.
 */
export const GRAPH_LIKE_LATENCY: LatencyModel = { requestMs: 120, perItemMs: 0.6, jitter: 0.25, seed: 1 };

export const NO_LATENCY: LatencyModel = latencyModelSchema.parse({});

export class Latency {
  private model: LatencyModel = NO_LATENCY;
  private random: () => number = prng(1);

  get(): LatencyModel {
    return this.model;
  }

  set(model: LatencyModel): void {
    this.model = { ...model };
    this.random = prng(model.seed);
  }

  reset(): void {
    this.set(NO_LATENCY);
  }

  /** The fixed cost of one request, jittered. */
  requestDelayMs(): number {
    return this.jittered(this.model.requestMs);
  }

  /** The cost of returning `items` items, jittered. */
  itemDelayMs(items: number): number {
    return this.jittered(this.model.perItemMs * items);
  }

  private jittered(ms: number): number {
    if (ms <= 0) return 0;
    const { jitter } = this.model;
    return jitter > 0 ? ms * (1 - jitter + 2 * jitter * this.random()) : ms;
  }
}

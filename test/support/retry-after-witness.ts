import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FetchLike } from '../../bot/net/tls-trust.js';

/**
 * Judges from the client's own side whether it honoured Graph's Retry-After
 * (https://learn.microsoft.com/graph/throttling, "Best practices to handle throttling": wait the
 * seconds the failed response names before sending again). A request breaks a Retry-After when the
 * client sent it after the throttled answer reached it and before those seconds had passed. One sent
 * before the answer reached it crossed the answer: Graph may throttle it too, but the client could not
 * have held it back. The emulator can only guess which is which (a request on another connection may
 * have left in the instant before the client read the answer); the witness knows, since it stands
 * where the client hands its requests to the network.
 */
export interface RetryAfterBreach {
  url: string;
  /** How long after the throttled answer reached the client it sent this request. */
  msAfterAnswer: number;
  /** The seconds that answer asked for. */
  retryAfterSeconds: number;
}

/** The throttled answers one client received from one mailbox, and the requests it sent inside them. */
export class RetryAfterLedger {
  private readonly waits: { from: number; seconds: number }[] = [];
  readonly breaches: RetryAfterBreach[] = [];

  get waitsGiven(): number {
    return this.waits.length;
  }

  /** Notes an answer that reached the client at `at`; true when it asked the client to wait. */
  answered(status: number, retryAfter: string | null | undefined, at: number): boolean {
    const seconds = Number(retryAfter);
    if ((status !== 429 && status !== 503) || !retryAfter || !Number.isInteger(seconds)) return false;
    this.waits.push({ from: at, seconds });
    return true;
  }

  /** Notes a request the client sent at `at`; returns the waits it broke. */
  sent(url: string, at: number): RetryAfterBreach[] {
    const broken = this.waits
      .filter((w) => at >= w.from && at < w.from + w.seconds * 1000)
      .map((w) => ({ url, msAfterAnswer: at - w.from, retryAfterSeconds: w.seconds }));
    this.breaches.push(...broken);
    return broken;
  }
}

/** A fetch for one mailbox's client that keeps a ledger of its requests and throttled answers. */
export function retryAfterWitness(inner: FetchLike, now: () => number = () => performance.now()) {
  const ledger = new RetryAfterLedger();
  const fetch: FetchLike = async (input, init) => {
    ledger.sent(String(input instanceof Request ? input.url : input), now());
    const response = await inner(input, init);
    ledger.answered(response.status, response.headers.get('retry-after'), now());
    return response;
  };
  return { fetch, ledger };
}

/** What a witness loaded into a spawned process saw (retry-after-witness-process.ts). */
export interface ProcessWitness {
  /** Node options for the process: tsx, then the witness. */
  nodeArgs: string[];
  environment: Record<string, string>;
  read(): { waitsGiven: number; breaches: RetryAfterBreach[] };
}

export function processWitness(): ProcessWitness {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'retry-after-witness-')), 'ledger.jsonl');
  const preload = pathToFileURL(fileURLToPath(new URL('./retry-after-witness-preload.mjs', import.meta.url)));
  return {
    nodeArgs: ['--import', 'tsx', '--import', preload.href],
    environment: { RETRY_AFTER_WITNESS_FILE: file },
    read() {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
      const entries = lines.map((l) => JSON.parse(l) as { wait?: number; breach?: RetryAfterBreach });
      return {
        waitsGiven: entries.filter((e) => e.wait !== undefined).length,
        breaches: entries.flatMap((e) => (e.breach ? [e.breach] : [])),
      };
    },
  };
}

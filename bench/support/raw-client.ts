/**
 * The bare client of the initial-sync comparison, run as its own process (as the worker is) so the
 * two are measured alike: it pages the same delta queries with the same page size and the same
 * concurrency (the resources side by side, each one page request at a time, as Graph's delta links
 * follow one another), parses each page to find the next link, and stores nothing. What the worker achieves relative to this is the cost of
 * doing the work (filtering, filing, committing) instead of throwing the items away.
 *
 * Input: RAW_CLIENT_INPUT (JSON: caPem, token, resources: [{url, headers}]). Output: one JSON line
 * (items, requests, ms, and cpuMs: the process's CPU over the paging).
 */
import { trustedFetch } from '../../bot/net/tls-trust.js';

interface Input {
  caPem: string;
  token: string;
  resources: { url: string; headers: Record<string, string> }[];
}

interface Page {
  value?: unknown[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env.RAW_CLIENT_INPUT ?? '') as Input;
  const fetch = trustedFetch(input.caPem);
  let items = 0;
  let requests = 0;
  const page = async (resource: Input['resources'][number], link: string): Promise<Page> => {
    for (;;) {
      requests += 1;
      const res = await fetch(link, {
        headers: { ...resource.headers, authorization: `Bearer ${input.token}` },
      });
      if (res.status === 429 || res.status === 503) {
        // Same courtesy as the worker: wait what Graph asks, then ask again.
        const seconds = Number(res.headers.get('retry-after') ?? '1');
        await res.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      if (!res.ok) throw new Error(`raw client: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Page;
    }
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    input.resources.map(async (resource) => {
      for (let link: string | undefined = resource.url; link;) {
        const body = await page(resource, link);
        items += body.value?.length ?? 0;
        link = body['@odata.nextLink'];
      }
    }),
  );
  const ms = performance.now() - started;
  // All of the process's threads, as the worker's CPU is counted: reading alone, for comparison.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(`${JSON.stringify({ items, requests, ms, cpuMs })}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One item the Azure Monitor exporter sends: a request, a dependency, a metric… */
export interface Envelope {
  name: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
}

export interface Ingestion {
  /** An Application Insights connection string whose ingestion endpoint is this server. */
  connectionString: string;
  envelopes: Envelope[];
  /** A proxy that refuses every tunnel: the exporter's calls to Microsoft's other endpoints stop here. */
  proxyUrl: string;
  refusedHosts: string[];
  close(): Promise<void>;
}

/**
 * A loopback stand-in for Application Insights' ingestion endpoint: it takes `POST /v2.1/track` (a
 * JSON array of envelopes, gzip-compressed when the exporter chooses), keeps every envelope and
 * answers as the service does (`itemsReceived`, `itemsAccepted`, `errors`). The exporter only sends
 * over https, so it serves the given certificate.
 */
export async function startIngestion(tls: { certPem: string; keyPem: string }): Promise<Ingestion> {
  const envelopes: Envelope[] = [];
  const ingestion = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/track')) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      const items = JSON.parse(text) as Envelope[];
      envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  const refusedHosts: string[] = [];
  const proxy = http.createServer((req, res) => {
    refusedHosts.push(req.headers.host ?? '');
    res.writeHead(403).end();
  });
  proxy.on('connect', (req: http.IncomingMessage, socket) => {
    refusedHosts.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  const listen = (server: http.Server | https.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  const [ingestionPort, proxyPort] = [await listen(ingestion), await listen(proxy)];
  const close = (server: http.Server | https.Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    connectionString: `InstrumentationKey=0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e;IngestionEndpoint=https://localhost:${ingestionPort}/`,
    envelopes,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    refusedHosts,
    close: async () => {
      await Promise.all([close(ingestion), close(proxy)]);
    },
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * The Teams channel's side of the Bot Connector API, hosted by the test on loopback: it records every
 * activity the bot sends or updates (with the Authorization header it came with) and answers member
 * look-ups from a roster, as Teams would for TeamsInfo.getMember.
 */

export interface RecordedActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The id the recorder gave it, or the one updated. */
  activityId: string;
  authorization: string | undefined;
  activity: {
    type?: string;
    text?: string;
    attachments?: Array<{ contentType: string; content: Record<string, unknown> }>;
    [key: string]: unknown;
  };
}

export interface RosterMember {
  id: string;
  name: string;
  aadObjectId: string;
  email: string;
  userPrincipalName: string;
}

export interface ChannelRecorder {
  url: string;
  activities: RecordedActivity[];
  roster: Map<string, RosterMember>;
  /** TCP connections the bot opened to the channel service so far (a client that keeps them alive opens few). */
  readonly connections: number;
  /** Requests of any kind (replies, updates, member look-ups) received so far. */
  readonly requests: number;
  /**
   * Until the returned release is called, activities are recorded on arrival but answered only then: a
   * slow Teams channel, so a bot turn stays in flight while it waits for its reply to be accepted.
   */
  hold(): () => void;
  close(): Promise<void>;
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

export async function startChannelRecorder(): Promise<ChannelRecorder> {
  const activities: RecordedActivity[] = [];
  const roster = new Map<string, RosterMember>();
  let held: Promise<void> = Promise.resolve();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      // /v3/conversations/{id}/members/{userId}
      if (
        req.method === 'GET' &&
        parts[0] === 'v3' &&
        parts[1] === 'conversations' &&
        parts[3] === 'members'
      ) {
        const member = roster.get(parts[4] ?? '');
        return member
          ? send(200, member)
          : send(404, { error: { code: 'MemberNotFoundInConversation', message: 'no such member' } });
      }
      if (
        parts[0] === 'v3' &&
        parts[1] === 'conversations' &&
        parts[3] === 'activities' &&
        (req.method === 'POST' || req.method === 'PUT')
      ) {
        const activity = (await readJson(req)) as RecordedActivity['activity'];
        const activityId = req.method === 'PUT' ? parts[4]! : randomUUID();
        activities.push({
          method: req.method,
          conversationId: parts[2]!,
          activityId,
          authorization: req.headers.authorization,
          activity,
        });
        await held;
        return send(req.method === 'PUT' ? 200 : 201, { id: activityId });
      }
      send(404, { error: { code: 'NotFound', message: url.pathname } });
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    activities,
    roster,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    hold() {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The Adaptive Card of a recorded activity, if it carries one. */
export function cardOf(a: RecordedActivity): Record<string, unknown> | undefined {
  return a.activity.attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive')
    ?.content;
}

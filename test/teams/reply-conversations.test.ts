import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestError } from '@azure/core-rest-pipeline';
import { ConnectorClient } from 'botframework-connector';
import type { Activity } from 'botbuilder';
import { ReplyConversations } from '../../bot/teams/reply-conversations.js';

/**
 * The lean send path must put on the wire exactly what botframework-connector's generated client puts
 * there, and keep that client's pipeline (signing, retries). Both clients send to one recording server;
 * the generated one is the reference.
 */

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

/** Answers are taken from the queue in order; an empty queue answers 200 with a resource id. */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

async function recordingServer() {
  const recorded: Recorded[] = [];
  const answers: Answer[] = [];
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      recorded.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      const answer = answers.shift() ?? { status: 200, body: { id: `reply-${(next += 1)}` } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    recorded,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Stands in for the bot's AppCredentials: what they do to a request is sign it. */
const credentials = {
  signRequest: async (request: { headers: { set(name: string, value: string): void } }) => {
    request.headers.set('authorization', 'Bearer channel-token');
    return request;
  },
};

function clients(serviceUrl: string) {
  const generated = new ConnectorClient(credentials as never, { baseUri: serviceUrl });
  const lean = new ConnectorClient(credentials as never, { baseUri: serviceUrl });
  lean.conversations = new ReplyConversations(lean, serviceUrl);
  return { generated, lean };
}

// What a reply to a Teams message looks like once TurnContext has addressed it: a card with text
// outside ASCII, a mention, channel data, a timestamp.
function reply(conversationId: string): Partial<Activity> {
  return {
    type: 'message',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    channelId: 'msteams',
    from: { id: '28:bot-app-id', name: 'Cloud Sync' },
    recipient: { id: '29:1user', name: 'Zoë Ångström', aadObjectId: '6f1c7e55-0000-4000-8000-000000000001' },
    conversation: {
      id: conversationId,
      conversationType: 'personal',
      tenantId: 'tenant-1',
      isGroup: false,
    } as Activity['conversation'],
    replyToId: '1733491200000',
    locale: 'en-GB',
    inputHint: 'acceptingInput',
    timestamp: new Date('2026-12-06T10:00:00.000Z'),
    entities: [
      { type: 'mention', text: '<at>Zoë</at>', mentioned: { id: '29:1user', name: 'Zoë Ångström' } },
    ],
    channelData: { tenant: { id: 'tenant-1' }, notification: { alert: true } },
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          type: 'AdaptiveCard',
          version: '1.5',
          body: [{ type: 'TextBlock', text: 'Mail — 1,204 filed · diary ✓', wrap: true }],
          actions: [{ type: 'Action.Execute', title: 'Enable sync', verb: 'enable', data: { step: 1 } }],
        },
      },
    ],
  };
}

describe('ReplyConversations (the lean Bot Connector send)', function () {
  let server: Awaited<ReturnType<typeof recordingServer>>;
  beforeEach(async () => {
    server = await recordingServer();
  });
  afterEach(() => server.close());

  const conversations = [
    'a:1hZ8kP_personal-chat-id',
    '19:3f7a9c@thread.tacv2;messageid=1733491200000',
    '19:meeting_Y2Q5@thread.v2',
  ];

  for (const conversationId of conversations) {
    it(`replies to an activity as the generated client does (conversation ${conversationId})`, async () => {
      const { generated, lean } = clients(`${server.base}/emea/`);
      const a = reply(conversationId);
      const ours = await lean.conversations.replyToActivity(conversationId, a.replyToId!, a);
      const theirs = await generated.conversations.replyToActivity(conversationId, a.replyToId!, a);

      assert.equal(server.recorded.length, 2);
      const [mine, reference] = server.recorded;
      assert.deepEqual(mine, reference);
      assert.equal(mine!.method, 'POST');
      assert.equal(
        mine!.url,
        `/emea/v3/conversations/${encodeURIComponent(conversationId)}/activities/1733491200000`,
      );
      assert.equal(mine!.authorization, 'Bearer channel-token');
      assert.equal(ours.id, 'reply-1');
      assert.equal(theirs.id, 'reply-2');
    });
  }

  it('sends to a conversation as the generated client does, with a service URL without a trailing slash', async () => {
    const { generated, lean } = clients(`${server.base}/amer`);
    const { replyToId: _none, ...proactive } = reply(conversations[1]!);
    await lean.conversations.sendToConversation(conversations[1]!, proactive);
    await generated.conversations.sendToConversation(conversations[1]!, proactive);

    const [mine, reference] = server.recorded;
    assert.deepEqual(mine, reference);
    assert.equal(mine!.url, `/amer/v3/conversations/${encodeURIComponent(conversations[1]!)}/activities`);
    assert.equal((mine!.body as { text?: string; attachments: unknown[] }).attachments.length, 1);
  });

  it("throws the connector's error as the generated client does, with its status and code", async () => {
    const { generated, lean } = clients(`${server.base}/`);
    const refused = {
      status: 403,
      body: {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      },
    };
    server.answers.push(refused, refused);
    const a = reply(conversations[0]!);
    const ours = await lean.conversations.replyToActivity(conversations[0]!, a.replyToId!, a).then(
      () => assert.fail('the lean send resolved'),
      (err: unknown) => err,
    );
    const theirs = await generated.conversations.replyToActivity(conversations[0]!, a.replyToId!, a).then(
      () => assert.fail('the generated send resolved'),
      (err: unknown) => err,
    );
    assert.ok(ours instanceof RestError);
    assert.ok(theirs instanceof RestError);
    assert.equal(ours.statusCode, 403);
    assert.equal(ours.statusCode, theirs.statusCode);
    assert.equal(ours.code, 'BotNotInConversationRoster');
    assert.equal(ours.code, theirs.code);
    assert.equal(ours.message, 'The bot is not part of the conversation roster.');
    // Nothing of the request (the bearer token) travels with the error.
    assert.doesNotMatch(JSON.stringify(ours) + String(ours.stack), /channel-token/);
    assert.equal(ours.request, undefined);
  });

  it("keeps the client's retry of a throttled send, after the Retry-After it names", async () => {
    const { lean } = clients(`${server.base}/`);
    server.answers.push({ status: 429, headers: { 'retry-after': '0' } });
    const a = reply(conversations[0]!);
    const sent = await lean.conversations.replyToActivity(conversations[0]!, a.replyToId!, a);
    assert.equal(server.recorded.length, 2, 'refused once, then sent');
    assert.deepEqual(server.recorded[1], server.recorded[0]);
    assert.equal(sent.id, 'reply-1');
  });

  it('keeps every field of an entity, where the generated model kept only type, text and mentioned', async () => {
    const { generated, lean } = clients(`${server.base}/`);
    const a = {
      ...reply(conversations[0]!),
      entities: [{ type: 'clientInfo', locale: 'en-GB', timezone: 'Europe/London' }],
    };
    await lean.conversations.replyToActivity(conversations[0]!, a.replyToId!, a);
    await generated.conversations.replyToActivity(conversations[0]!, a.replyToId!, a);
    const [mine, reference] = server.recorded.map((r) => (r.body as { entities: unknown[] }).entities);
    assert.deepEqual(mine, [{ type: 'clientInfo', locale: 'en-GB', timezone: 'Europe/London' }]);
    assert.deepEqual(reference, [{ type: 'clientInfo' }]);
  });

  it('answers 201 without a body with an empty resource, as a send that returned no id', async () => {
    const { lean } = clients(`${server.base}/`);
    server.answers.push({ status: 201 });
    const a = reply(conversations[0]!);
    const sent = await lean.conversations.replyToActivity(conversations[0]!, a.replyToId!, a);
    assert.equal(sent.id, undefined);
    assert.equal(sent._response.status, 201);
  });
});

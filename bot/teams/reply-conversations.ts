import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { ConnectorClient } from 'botframework-connector';
import type { Activity } from 'botbuilder';
import type {
  ConversationsReplyToActivityResponse,
  ConversationsSendToConversationResponse,
} from 'botframework-connector/lib/connectorApi/models/index.js';
// Not re-exported by botframework-connector's index: the operations class its ConnectorClient builds.
import { Conversations } from 'botframework-connector/lib/connectorApi/operations/conversations.js';

/**
 * The Bot Connector operations every reply and every proactive message goes through (CloudAdapter's
 * `sendActivities` calls `replyToActivity` when the activity answers another, else `sendToConversation`),
 * sent without the generated client's per-call model serialiser and response deserialiser. Those walk
 * botframework-schema's Activity model field by field on every send and cost about as much CPU as the
 * rest of the request: 317 against 165 µs of client CPU per reply, measured in a loop (after 3,000 warm-up
 * sends) against a loopback server in another process, on Node.js 24.
 *
 * The request still runs through the client's own pipeline (its credentials sign it with the bot's token;
 * 429 and 5xx are retried, Retry-After honoured; redirects and user agent as before), to the same URL with
 * the same body: the Activity model names each field as its JSON name, so `JSON.stringify` writes what the
 * serialiser wrote (test/teams/reply-conversations.test.ts compares the two on the wire). One difference:
 * an entity keeps all its fields, where the generated Entity model keeps only `type`, `text` and
 * `mentioned` (the Bot Connector's Entity is open: its fields depend on its type). Cloud Sync's replies
 * carry no entities. A call with request options or a callback takes the generated path.
 */
export class ReplyConversations extends Conversations {
  private readonly base: string;

  /** `serviceUrl`: the channel's, as the connector was built with it. */
  constructor(
    private readonly connector: ConnectorClient,
    serviceUrl: string,
  ) {
    super(connector);
    this.base = serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`;
  }

  override replyToActivity(
    conversationId: string,
    activityId: string,
    activity: Partial<Activity>,
    ...rest: unknown[]
  ): Promise<ConversationsReplyToActivityResponse> {
    if (rest.length > 0) {
      return (super.replyToActivity as (...args: unknown[]) => never)(
        conversationId,
        activityId,
        activity,
        ...rest,
      );
    }
    return this.post(
      `v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activityId)}`,
      activity,
    );
  }

  override sendToConversation(
    conversationId: string,
    activity: Partial<Activity>,
    ...rest: unknown[]
  ): Promise<ConversationsSendToConversationResponse> {
    if (rest.length > 0) {
      return (super.sendToConversation as (...args: unknown[]) => never)(conversationId, activity, ...rest);
    }
    return this.post(`v3/conversations/${encodeURIComponent(conversationId)}/activities`, activity);
  }

  private async post(path: string, activity: Partial<Activity>) {
    const request = createPipelineRequest({
      url: new URL(path, this.base).href,
      method: 'POST',
      body: JSON.stringify(activity),
      allowInsecureConnection: this.base.toLowerCase().startsWith('http:'),
    });
    request.headers.set('Content-Type', 'application/json; charset=utf-8');
    const response = await this.connector.sendRequest(request);
    const text = response.bodyAsText ?? '';
    const body = parseJson(text);
    if (response.status < 200 || response.status >= 300) {
      // What the generated client throws for the connector's ErrorResponse; no request or headers on it.
      const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === 'string' ? error.code : undefined;
      const message =
        typeof error?.message === 'string' ? error.message : `Unexpected status code: ${response.status}`;
      throw new RestError(message, { statusCode: response.status, code });
    }
    const result = (body && typeof body === 'object' ? body : {}) as { id?: string };
    Object.defineProperty(result, '_response', {
      value: { ...response, bodyAsText: text, parsedBody: result },
    });
    return result as ConversationsReplyToActivityResponse & ConversationsSendToConversationResponse;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

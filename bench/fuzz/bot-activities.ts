import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { PEOPLE, type BotStack } from '../../test/teams/support/bot-stack.js';
import { storeDigest } from './tab-api.js';
import { newTally, note, outcome, type FuzzTally } from './tally.js';

/**
 * Activities posted to /api/messages with a genuine channel token (so they reach the bot's handlers):
 * mostly well-formed envelopes with hostile content, and a share of arbitrary types and fields, messages from people the CRM does not know, card invokes with arbitrary
 * or tampered payloads, mismatched tenants and service URLs. Any 5xx is a crash; the enablement state
 * (every table but the conversation references the bot keeps for replying) must not change.
 */

/** Written on any turn from a real conversation, by design: where to reply later. */
const BOOKKEEPING = ['conversation_refs'];

export async function fuzzBotActivities(stack: BotStack, cases: number, seed: number): Promise<FuzzTally> {
  const tally = newTally();
  const authorization = `Bearer ${await stack.channelToken({ lifetimeSeconds: 3600 })}`;
  const people = Object.values(PEOPLE);
  const stranger = fc.record({
    id: fc.string(),
    name: fc.string(),
    aadObjectId: fc.oneof(fc.uuid(), fc.string()),
  });
  const knownPerson = fc
    .constantFrom(...people)
    .map((p) => ({ id: `29:${p.key}`, name: p.name, aadObjectId: p.aadObjectId }));
  const activity = fc.record(
    {
      type: fc.oneof(
        { arbitrary: fc.constantFrom('message', 'invoke'), weight: 7 },
        { arbitrary: fc.constantFrom('conversationUpdate', 'installationUpdate', 'event'), weight: 2 },
        { arbitrary: fc.string(), weight: 1 },
      ),
      id: fc.oneof(fc.uuid(), fc.string()),
      channelId: fc.oneof(
        { arbitrary: fc.constant('msteams'), weight: 9 },
        { arbitrary: fc.string(), weight: 1 },
      ),
      serviceUrl: fc.oneof(
        { arbitrary: fc.constant(stack.channel.url), weight: 9 },
        { arbitrary: fc.oneof(fc.webUrl(), fc.string()), weight: 1 },
      ),
      from: fc.oneof(
        { arbitrary: knownPerson, weight: 5 },
        { arbitrary: stranger, weight: 3 },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      recipient: fc.oneof(
        { arbitrary: fc.constant({ id: `28:${stack.botId}` }), weight: 8 },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      conversation: fc.oneof(
        {
          arbitrary: fc.record({
            id: fc.oneof(fc.constant('a:fuzz'), fc.string()),
            conversationType: fc.constantFrom('personal', 'channel', 'groupChat', 'x'),
            tenantId: fc.oneof(fc.constantFrom(PEOPLE.alice.tenantId, PEOPLE.erin.tenantId), fc.uuid()),
          }),
          weight: 8,
        },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      channelData: fc.oneof(
        {
          arbitrary: fc.record({
            tenant: fc.record({
              id: fc.oneof(
                fc.constantFrom(PEOPLE.alice.tenantId, PEOPLE.erin.tenantId),
                fc.uuid(),
                fc.string(),
              ),
            }),
          }),
          weight: 8,
        },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      text: fc.oneof(
        { arbitrary: fc.string({ maxLength: 300 }), weight: 4 },
        { arbitrary: fc.constantFrom('help', 'status', '<at>Cloud Sync</at> help'), weight: 4 },
        { arbitrary: fc.anything(), weight: 1 },
      ),
      name: fc.oneof(fc.constant('adaptiveCard/action'), fc.string()),
      value: fc.oneof(
        fc.record({
          action: fc.record({ type: fc.constant('Action.Execute'), verb: fc.string(), data: fc.anything() }),
        }),
        fc.record({
          action: fc.record({
            type: fc.constant('Action.Execute'),
            verb: fc.constantFrom('enable', 'confirm_disable', 'consent_granted', 'grant_visibility'),
            data: fc.record({ ref: fc.string() }),
          }),
        }),
        fc.anything(),
      ),
    },
    { requiredKeys: ['type', 'channelId', 'serviceUrl', 'from', 'recipient', 'conversation'] },
  );
  const body = fc.oneof(
    { arbitrary: activity.map((a) => JSON.stringify(a)), weight: 8 },
    { arbitrary: fc.string(), weight: 1 },
    { arbitrary: fc.json(), weight: 1 },
  );

  let before = await storeDigest(stack.store, BOOKKEEPING);
  for (const raw of fc.sample(body, { numRuns: cases, seed })) {
    tally.cases += 1;
    try {
      const res = await fetch(`${stack.baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: raw,
      });
      outcome(tally, res.status);
      await res.arrayBuffer();
      // 501 is botbuilder's deliberate answer to an invoke it has no handler for; other 5xx are failures.
      if (res.status >= 500 && res.status !== 501) note(tally, 'crash', `${res.status} for ${raw}`);
      const after = await storeDigest(stack.store, BOOKKEEPING);
      if (after !== before) note(tally, 'state', `the enablement state changed after ${raw}`);
      before = after;
    } catch (err) {
      note(tally, 'crash', `request failed: ${(err as Error).message} (${randomUUID()})`);
    }
  }
  return tally;
}

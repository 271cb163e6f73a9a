import assert from 'node:assert/strict';
import { TurnContext, type BotAdapter } from 'botbuilder';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { createLogger } from '../../bot/logging/logger.js';
import { createMemberCache, lookupTeamsPerson, type MemberCache } from '../../bot/teams/member-lookup.js';
import { startChannelRecorder, type ChannelRecorder } from './support/channel-recorder.js';

/**
 * Who is speaking, by the member details Teams gives (TeamsInfo.getMember against the channel service,
 * played here by the loopback recorder): kept for a short time, so a person's turns in a row ask Teams
 * once, and a change to their Teams profile is seen once the kept details expire.
 */

const TENANT = 'b2000000-0000-4000-8000-000000000001';
const ALICE = { id: '29:alice', name: 'Alice Smith', aadObjectId: 'a1000000-0000-4000-8000-000000000001' };
const TTL_MS = 60_000;

describe('Teams member look-up (bot/teams/member-lookup.ts)', function () {
  let channel: ChannelRecorder;
  let clock: number;
  let cache: MemberCache;
  const logger = createLogger({ level: 'silent' });

  beforeEach(async () => {
    channel = await startChannelRecorder();
    channel.roster.set(ALICE.id, {
      ...ALICE,
      email: 'Alice@Contoso.com',
      userPrincipalName: 'alice@contoso.onmicrosoft.com',
    });
    clock = 1_000_000;
    cache = createMemberCache({ ttlMs: TTL_MS, maxEntries: 100, now: () => clock });
  });
  afterEach(() => channel.close());

  /** A turn's context whose adapter reaches the recorder as the Bot Connector service. */
  function turn(from: { id: string; name: string; aadObjectId: string }, conversationId = 'a:alice-chat') {
    const adapter = {
      createConnectorClient: (serviceUrl: string) =>
        new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: serviceUrl }),
    } as unknown as BotAdapter;
    return new TurnContext(adapter, {
      type: 'message',
      channelId: 'msteams',
      serviceUrl: channel.url,
      from,
      recipient: { id: '28:bot', name: 'Cloud Sync' },
      conversation: {
        id: conversationId,
        conversationType: 'personal',
        tenantId: TENANT,
        isGroup: false,
        name: '',
      },
      text: 'status',
    });
  }

  const lookups = () => channel.requests;

  it('reads e-mail and UPN from Teams, lowercased, e-mail first', async () => {
    const person = await lookupTeamsPerson(turn(ALICE), logger, cache);
    assert.deepEqual(person, {
      tenantId: TENANT,
      aadObjectId: ALICE.aadObjectId,
      name: ALICE.name,
      addresses: ['alice@contoso.com', 'alice@contoso.onmicrosoft.com'],
      email: 'alice@contoso.com',
      upn: 'alice@contoso.onmicrosoft.com',
    });
  });

  it("asks Teams once for a person's turns in a row, and sees a changed profile once the details expire", async () => {
    await lookupTeamsPerson(turn(ALICE), logger, cache);
    assert.equal(lookups(), 1);
    channel.roster.set(ALICE.id, {
      ...ALICE,
      email: 'alice@renamed.example',
      userPrincipalName: 'alice@renamed.example',
    });

    clock += TTL_MS - 1;
    const kept = await lookupTeamsPerson(turn(ALICE), logger, cache);
    assert.equal(lookups(), 1, 'a turn within the kept time does not ask Teams');
    assert.deepEqual(kept?.addresses, ['alice@contoso.com', 'alice@contoso.onmicrosoft.com']);

    clock += 1;
    const renewed = await lookupTeamsPerson(turn(ALICE), logger, cache);
    assert.equal(lookups(), 2);
    assert.deepEqual(renewed?.addresses, ['alice@renamed.example']);
  });

  it("never answers for another person, chat or object id from someone else's details", async () => {
    await lookupTeamsPerson(turn(ALICE), logger, cache);
    // The same Teams id claiming another object id is asked about afresh, and so is another chat.
    channel.roster.set(ALICE.id, {
      ...ALICE,
      email: 'other@contoso.com',
      userPrincipalName: 'other@contoso.com',
    });
    const other = await lookupTeamsPerson(
      turn({ ...ALICE, aadObjectId: 'a1000000-0000-4000-8000-0000000000aa' }),
      logger,
      cache,
    );
    assert.deepEqual(other?.addresses, ['other@contoso.com']);
    await lookupTeamsPerson(turn(ALICE, 'a:another-chat'), logger, cache);
    assert.equal(lookups(), 3);
  });

  it('keeps no failed look-up: someone Teams did not know is found on their next turn', async () => {
    const grace = { id: '29:grace', name: 'Grace Hall', aadObjectId: 'a1000000-0000-4000-8000-000000000007' };
    const unknown = await lookupTeamsPerson(turn(grace, 'a:grace-chat'), logger, cache);
    assert.deepEqual(unknown?.addresses, []);
    channel.roster.set(grace.id, {
      ...grace,
      email: 'grace@contoso.com',
      userPrincipalName: 'grace@contoso.com',
    });
    const found = await lookupTeamsPerson(turn(grace, 'a:grace-chat'), logger, cache);
    assert.deepEqual(found?.addresses, ['grace@contoso.com']);
  });

  it('holds at most its bound, letting the oldest go first', async () => {
    const small = createMemberCache({ ttlMs: TTL_MS, maxEntries: 2, now: () => clock });
    for (const chat of ['a:one', 'a:two', 'a:three'])
      await lookupTeamsPerson(turn(ALICE, chat), logger, small);
    assert.equal(small.size, 2);
    await lookupTeamsPerson(turn(ALICE, 'a:three'), logger, small);
    assert.equal(lookups(), 3, 'the newest is still kept');
    await lookupTeamsPerson(turn(ALICE, 'a:one'), logger, small);
    assert.equal(lookups(), 4, 'the oldest was let go');
  });

  it('with no kept time (TEAMS_MEMBER_CACHE_SECONDS=0) asks Teams every turn', async () => {
    const none = createMemberCache({ ttlMs: 0, maxEntries: 100, now: () => clock });
    await lookupTeamsPerson(turn(ALICE), logger, none);
    await lookupTeamsPerson(turn(ALICE), logger, none);
    assert.equal(lookups(), 2);
    assert.equal(none.size, 0);
  });
});

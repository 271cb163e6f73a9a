import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SYNC_HEALTH_ENTITY_ID, syncHealthLink } from '../../bot/cards/tab-link.js';
import { personalChat, PEOPLE, startBotStack } from '../teams/support/bot-stack.js';
import { activate } from '../teams/support/journeys.js';

const APP_ID = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

/** The URL of the card's "Open Sync health" button. */
function openSyncHealth(card: unknown): string | undefined {
  const actions = (card as { actions?: Array<{ title?: string; url?: string }> }).actions ?? [];
  return actions.find((a) => a.title === 'Open Sync health')?.url;
}

describe('"Open Sync health" link (bot/cards/tab-link.ts)', function () {
  // Microsoft Learn, "Deep link to an application" (Teams platform): a bot card's deep link to a tab is
  // https://teams.microsoft.com/l/entity/<appId>/<entityId>?webUrl=<entityWebUrl>&label=<entityLabel>,
  // every query parameter URI-encoded; appId is the manifest id for an uploaded custom app.
  it('in Teams, deep-links to the personal tab with the web address as fallback, URI-encoded', function () {
    const link = syncHealthLink({ publicUrl: 'https://sync.example.com', teamsAppId: APP_ID });
    assert.equal(
      link,
      `https://teams.microsoft.com/l/entity/${APP_ID}/sync-health?webUrl=https%3A%2F%2Fsync.example.com%2Ftab%2F&label=Sync%20health`,
    );
    const url = new URL(link);
    assert.equal(url.searchParams.get('webUrl'), 'https://sync.example.com/tab/');
    assert.equal(url.searchParams.get('label'), 'Sync health');
  });

  it('names the entity id the manifest gives the Sync health tab', async function () {
    const manifest = JSON.parse(await readFile('appPackage/manifest.json', 'utf8')) as {
      staticTabs: Array<{ entityId: string; name?: string; contentUrl?: string }>;
    };
    const tab = manifest.staticTabs.find((t) => t.entityId === SYNC_HEALTH_ENTITY_ID);
    assert.equal(tab?.name, 'Sync health');
    assert.match(tab?.contentUrl ?? '', /\/tab\/$/);
  });

  it('outside Teams (no Teams app id, the Agents Playground) is the tab’s web address', function () {
    assert.equal(syncHealthLink({ publicUrl: 'http://localhost:3978' }), 'http://localhost:3978/tab/');
  });

  const cases: Array<[string, Record<string, string>, (publicUrl: string) => string]> = [
    [
      'a Teams deployment',
      { TEAMS_APP_ID: APP_ID },
      (publicUrl) =>
        `https://teams.microsoft.com/l/entity/${APP_ID}/sync-health?webUrl=${encodeURIComponent(`${publicUrl}/tab/`)}&label=Sync%20health`,
    ],
    ['the Playground', {}, (publicUrl) => `${publicUrl}/tab/`],
  ];
  for (const [where, env, expected] of cases) {
    it(`the status card Alice asks for once sync is on links the tab for ${where}`, async function () {
      const stack = await startBotStack({ env });
      try {
        await activate(stack, PEOPLE.alice);
        await stack.say(PEOPLE.alice, 'status');
        const card = stack.cardsIn(personalChat(PEOPLE.alice)).at(-1);
        assert.equal(openSyncHealth(card), expected(stack.config.PUBLIC_URL));
      } finally {
        await stack.close();
      }
    });
  }
});

import { strict as assert } from 'node:assert';
import { parseCommand, type Command } from '../../bot/enablement/core/commands.js';
import { fillPlaceholders, placeholdersIn, schemaErrors } from '../../scripts/package-app.js';
import { read } from '../env/project-files.js';
import { SAMPLE_ENV } from './sample-env.js';

interface Manifest {
  manifestVersion: string;
  description: { short: string; full: string };
  bots: {
    botId: string;
    scopes: string[];
    commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
  }[];
  staticTabs: { entityId: string; name?: string; contentUrl?: string; scopes: string[] }[];
  validDomains: string[];
  webApplicationInfo: { id: string; resource: string };
}

type CommandKind = Exclude<Command['kind'], 'invalid'>;
// Where each bot command belongs. Typed over the bot's own Command union, so a new command kind does not
// compile until it is placed here (and, through the tests below, in the manifest).
const COMMAND_SCOPES: Record<CommandKind, 'personal' | 'team'> = {
  enable_sync: 'personal',
  status: 'personal',
  disable_sync: 'personal',
  switch_resource: 'personal',
  help: 'personal',
  set_it_channel: 'team',
  list_users: 'team',
  grant_visibility: 'team',
  revoke_visibility: 'team',
};

/** What the bot makes of a menu entry; commands that take an address get the one their description shows. */
function kindOfMenuEntry(title: string, description: string): string {
  const example = /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(description)?.[0];
  let command = parseCommand(title);
  if (command.kind === 'invalid') command = parseCommand(`${title} ${example ?? ''}`);
  // Unknown text is answered with help too, so only a recognised "help" counts as the help command.
  return command.kind === 'help' && !command.recognised ? 'unrecognised' : command.kind;
}

describe('appPackage/manifest.json', () => {
  const template = read('appPackage/manifest.json');
  const manifest = JSON.parse(template) as Manifest;
  const filled = JSON.parse(fillPlaceholders(template, SAMPLE_ENV)) as Record<string, unknown>;

  it('passes the official Teams schema bundled with @microsoft/app-manifest, on 1.24 or later', async () => {
    assert.ok(
      Number(manifest.manifestVersion.split('.')[1]) >= 24 && manifest.manifestVersion.startsWith('1.'),
    );
    assert.deepEqual(await schemaErrors(filled), []);
  });

  it('is rejected by that schema when it breaks a rule (the check is real)', async () => {
    const broken = { ...filled, description: { short: 'x'.repeat(81), full: 'y' } };
    const errors = await schemaErrors(broken);
    assert.ok(
      errors.some((e) => e.startsWith('/description/short')),
      errors.join('\n'),
    );
  });

  it('uses Teams Toolkit placeholders for every per-environment value', () => {
    assert.deepEqual(placeholdersIn(template).sort(), Object.keys(SAMPLE_ENV).sort());
    assert.match(template, /"id": "\$\{\{TEAMS_APP_ID\}\}"/);
    assert.equal(manifest.bots[0]?.botId, '${{BOT_ID}}');
  });

  it('offers the bot in personal chat and in teams, with a command list per scope', () => {
    const bot = manifest.bots[0];
    assert.deepEqual(bot?.scopes.sort(), ['personal', 'team']);
    assert.deepEqual(
      bot?.commandLists.map((l) => l.scopes),
      [['personal'], ['team']],
    );
  });

  it('lists exactly the commands the bot understands, each in its scope', () => {
    const listed = new Map<string, string>();
    for (const list of manifest.bots[0]?.commandLists ?? []) {
      for (const command of list.commands) {
        const kind = kindOfMenuEntry(command.title, command.description);
        assert.ok(
          kind in COMMAND_SCOPES,
          `"${command.title}" is not a command the bot understands (${kind})`,
        );
        assert.equal(list.scopes[0], COMMAND_SCOPES[kind as CommandKind], command.title);
        assert.ok(!listed.has(kind), `"${command.title}" is listed twice`);
        listed.set(kind, command.title);
      }
    }
    assert.deepEqual([...listed.keys()].sort(), Object.keys(COMMAND_SCOPES).sort());
  });

  it('pins the Sync health tab served by our server, next to the chat', () => {
    const tab = manifest.staticTabs.find((t) => t.entityId === 'sync-health');
    assert.equal(tab?.name, 'Sync health');
    assert.equal(tab?.contentUrl, '${{PUBLIC_URL}}/tab/');
    assert.deepEqual(tab?.scopes, ['personal']);
    assert.ok(manifest.staticTabs.some((t) => t.entityId === 'conversations'));
  });

  it('declares tab SSO for our Entra app and the server domain as valid', () => {
    assert.deepEqual(manifest.webApplicationInfo, {
      id: '${{AAD_APP_CLIENT_ID}}',
      resource: 'api://${{PUBLIC_HOSTNAME}}/${{AAD_APP_CLIENT_ID}}',
    });
    assert.deepEqual(manifest.validDomains, ['${{PUBLIC_HOSTNAME}}']);
  });

  it('describes what the app does, including the commands and the permissions it uses', () => {
    const full = manifest.description.full;
    for (const command of manifest.bots[0]?.commandLists.flatMap((l) => l.commands) ?? []) {
      assert.ok(full.includes(`"${command.title}"`), `the description should mention "${command.title}"`);
    }
    assert.match(full, /Sync health/);
    assert.match(full, /delegated Microsoft Graph permissions/);
  });
});

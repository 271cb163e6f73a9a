import assert from 'node:assert/strict';
import {
  ADMIN_COMMANDS,
  USER_COMMANDS,
  notUnderstood,
  shortCommandList,
} from '../../../bot/enablement/core/command-help.js';
import { parseCommand } from '../../../bot/enablement/core/commands.js';

/** A usage as someone types it: placeholders filled with an address, the @mention dropped by Teams. */
const typed = (usage: string) =>
  usage.replace('<work e-mail>', 'ben.jones@contoso.com').replace('@Cloud Sync ', '<at>Cloud Sync</at> ');

describe('command help (bot/enablement/core/command-help.ts)', () => {
  it('explains only commands the parser understands, each alternative of a pair included', () => {
    for (const c of [...USER_COMMANDS, ...ADMIN_COMMANDS]) {
      for (const alternative of c.usage.split(' / ')) {
        const command = parseCommand(typed(alternative));
        assert.ok(
          command.kind !== 'invalid' && !(command.kind === 'help' && !command.recognised),
          `"${alternative}" is listed but not understood`,
        );
      }
      assert.match(c.explanation, /^[A-Z].*\.$/, `${c.usage}: one sentence`);
    }
  });

  it('lists the admin commands to CRM administrators only', () => {
    assert.doesNotMatch(shortCommandList(false, 'card'), /list users|grant|revoke/);
    assert.match(
      shortCommandList(true, 'card'),
      /\*\*list users\*\*, and \*\*grant\*\* or \*\*revoke\*\* followed by a work e-mail\./,
    );
    assert.match(notUnderstood(false), /^I didn't catch that\. You can type "enable sync"/);
    assert.match(notUnderstood(true), /"list users"/);
  });
});

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCommand } from '../../../bot/enablement/core/commands.js';

describe('parseCommand', () => {
  const cases: Array<[string, ReturnType<typeof parseCommand>]> = [
    ['enable sync', { kind: 'enable_sync' }],
    ['  Enable   Sync! ', { kind: 'enable_sync' }],
    ['<at>Cloud Sync</at> enable sync', { kind: 'enable_sync' }],
    ['STATUS?', { kind: 'status' }],
    ['disable sync.', { kind: 'disable_sync' }],
    ['help', { kind: 'help', recognised: true }],
    ['<at>Cloud Sync</at>&nbsp;set IT channel', { kind: 'set_it_channel' }],
    ['list users', { kind: 'list_users' }],
    ['grant Alice.Smith@contoso.com', { kind: 'grant_visibility', email: 'alice.smith@contoso.com' }],
    [
      'revoke <a href="mailto:ben.jones@contoso.com">ben.jones@contoso.com</a>.',
      { kind: 'revoke_visibility', email: 'ben.jones@contoso.com' },
    ],
    ['mail off', { kind: 'switch_resource', resource: 'mail', on: false }],
    ['E-mail ON', { kind: 'switch_resource', resource: 'mail', on: true }],
    ['diary sync off.', { kind: 'switch_resource', resource: 'diary', on: false }],
    ['turn calendar on', { kind: 'switch_resource', resource: 'diary', on: true }],
    ['mail', { kind: 'help', recognised: false }],
    ['what is this', { kind: 'help', recognised: false }],
    ['', { kind: 'help', recognised: false }],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseCommand(text), expected));
  }

  it('explains grant and revoke without a valid address', () => {
    for (const text of ['grant', 'grant bob', 'revoke a@b.com c@d.com']) {
      const result = parseCommand(text);
      assert.equal(result.kind, 'invalid', text);
      assert.match(result.kind === 'invalid' ? result.message : '', /needs one e-mail address/);
    }
  });

  it('never throws and always returns a command for any text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        assert.equal(typeof parseCommand(text).kind, 'string');
      }),
    );
  });
});

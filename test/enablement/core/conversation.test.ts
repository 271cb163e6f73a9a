import assert from 'node:assert/strict';
import { parseCommand } from '../../../bot/enablement/core/commands.js';
import { type ConversationContext, decideCommand } from '../../../bot/enablement/core/conversation.js';
import type { EnablementState } from '../../../bot/enablement/core/states.js';

const personal = (state: EnablementState | undefined, admin = false): ConversationContext => ({
  conversation: 'personal',
  crmUser: state ? { state } : undefined,
  isCrmAdmin: admin,
  isItAdmin: false,
});
const decide = (text: string, ctx: ConversationContext) => decideCommand(parseCommand(text), ctx);

describe('decideCommand', () => {
  it('tells an unmapped Teams user so and offers nothing else', () => {
    for (const text of ['enable sync', 'status', 'help']) {
      assert.deepEqual(decide(text, personal(undefined)), {
        kind: 'show_card',
        card: 'not_mapped',
        recognised: true,
      });
    }
  });

  it('enable sync follows the state', () => {
    assert.deepEqual(decide('enable sync', personal('not_visible')), {
      kind: 'show_card',
      card: 'not_visible',
      recognised: true,
    });
    for (const s of [
      'ready',
      'disabled',
      'signing_in',
      'identity_mismatch',
      'awaiting_admin_consent',
    ] as const) {
      assert.deepEqual(
        decide('enable sync', personal(s)),
        { kind: 'transition', event: { type: 'start_requested' } },
        s,
      );
    }
    assert.deepEqual(decide('enable sync', personal('reconnect_required')), {
      kind: 'transition',
      event: { type: 'reconnect_requested' },
    });
    assert.deepEqual(decide('enable sync', personal('active')), {
      kind: 'show_card',
      card: 'status',
      recognised: true,
    });
  });

  it('disable sync asks to confirm when sync is on, cancels a half-finished enablement, and explains otherwise', () => {
    assert.deepEqual(decide('disable sync', personal('active')), {
      kind: 'show_card',
      card: 'disable_confirmation',
      recognised: true,
    });
    assert.deepEqual(decide('disable sync', personal('awaiting_admin_consent')), {
      kind: 'transition',
      event: { type: 'enablement_cancelled' },
    });
    assert.equal(decide('disable sync', personal('ready')).kind, 'message');
  });

  it('answers unknown text with "I didn\'t catch that" and the short list, not a whole card', () => {
    const user = decide('make coffee', personal('ready'));
    assert.equal(user.kind, 'message');
    const text = user.kind === 'message' ? user.text : '';
    assert.match(text, /^I didn't catch that\. You can type "enable sync", "status", /);
    assert.match(text, /"mail off" \/ "mail on"/);
    assert.doesNotMatch(text, /list users/);
    const admin = decide('make coffee', personal('active', true));
    assert.match(
      admin.kind === 'message' ? admin.text : '',
      /CRM administrator also "list users", and "grant"/,
    );
  });

  it('answers "help" (and hello) with the help card', () => {
    for (const text of ['help', 'Hello!']) {
      assert.deepEqual(decide(text, personal('active')), {
        kind: 'show_card',
        card: 'help',
        recognised: true,
      });
    }
  });

  it('keeps administration to CRM administrators', () => {
    assert.deepEqual(decide('grant ben.jones@contoso.com', personal('active', true)), {
      kind: 'set_visibility',
      email: 'ben.jones@contoso.com',
      grant: true,
    });
    assert.equal(decide('list users', personal('active', true)).kind, 'list_users');
    const refused = decide('revoke ben.jones@contoso.com', personal('active'));
    assert.equal(refused.kind, 'message');
    assert.match(refused.kind === 'message' ? refused.text : '', /Only a CRM administrator/);
  });

  // The user list names everyone of the tenant; a channel or group chat is
  // seen by people who are not administrators.
  it('answers "list users" and visibility commands in a personal chat only', () => {
    for (const conversation of ['channel', 'group_chat'] as const) {
      const ctx: ConversationContext = {
        conversation,
        crmUser: { state: 'active' },
        isCrmAdmin: true,
        isItAdmin: true,
      };
      for (const text of ['list users', 'grant ben.jones@contoso.com']) {
        const d = decide(text, ctx);
        assert.equal(d.kind, 'message', `${text} in ${conversation}`);
        assert.match(d.kind === 'message' ? d.text : '', /personal chat/);
      }
    }
  });

  it('registers an IT channel only in a channel and only for CRM or IT administrators', () => {
    const channel = (crm: boolean, it: boolean): ConversationContext => ({
      conversation: 'channel',
      crmUser: undefined,
      isCrmAdmin: crm,
      isItAdmin: it,
    });
    assert.deepEqual(decide('<at>Cloud Sync</at> set it channel', channel(false, true)), {
      kind: 'register_it_channel',
    });
    assert.deepEqual(decide('set it channel', channel(true, false)), { kind: 'register_it_channel' });
    assert.equal(decide('set it channel', channel(false, false)).kind, 'message');
    assert.equal(decide('set it channel', personal('active', true)).kind, 'message');
  });

  it('keeps personal enablement out of channels', () => {
    const result = decide('enable sync', { ...personal('ready'), conversation: 'channel' });
    assert.equal(result.kind, 'message');
  });
});

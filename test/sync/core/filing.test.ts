import assert from 'node:assert/strict';
import {
  diaryRole,
  eventParticipants,
  linkedContacts,
  messageDirection,
  messageParticipants,
} from '../../../bot/sync/core/filing.js';
import { CONTACTS, message, to } from './fixtures.js';

describe('sync/core/filing', () => {
  it('files against every contact among from/to/cc/bcc/replyTo, via any of their addresses, once each', () => {
    const m = message({
      id: 'm1',
      from: to('alice.smith@contoso.com'),
      toRecipients: [to('PRIYA.P@example.net')],
      ccRecipients: [to('priya.patel@example.com'), to('tom.becker@northwind.example')],
      bccRecipients: [to('sofia.rossi@example.org')],
      replyTo: [to('nobody@else.example')],
    });
    const participants = messageParticipants(m);
    assert.equal(participants.author, 'alice.smith@contoso.com');
    assert.deepEqual(linkedContacts(participants.all, CONTACTS), ['c-priya', 'c-sofia', 'c-tom']);
  });

  it('ignores recipients without a usable address and falls back to sender for the author', () => {
    const m = message({
      id: 'm2',
      from: { emailAddress: { address: 'not-an-address' } },
      sender: to('tom.becker@northwind.example'),
      toRecipients: [{ emailAddress: null }, to('alice.smith@contoso.com')],
    });
    const participants = messageParticipants(m);
    assert.equal(participants.author, 'tom.becker@northwind.example');
    assert.deepEqual(participants.all, ['tom.becker@northwind.example', 'alice.smith@contoso.com']);
  });

  it('is sent when the author is one of the account addresses (aliases, any case), else received', () => {
    const own = new Set(['alice.smith@contoso.com', 'asmith@contoso-recruitment.com']);
    assert.equal(messageDirection({ from: to('ASmith@Contoso-Recruitment.com') }, own), 'sent');
    assert.equal(
      messageDirection({ from: to('boss@contoso.com'), sender: to('alice.smith@contoso.com') }, own),
      'sent',
    );
    assert.equal(messageDirection({ from: to('priya.patel@example.com') }, own), 'received');
    assert.equal(messageDirection({}, own), 'received');
  });

  it('reads event participants and the account role', () => {
    const own = new Set(['alice.smith@contoso.com']);
    const e = { organizer: to('tom.becker@northwind.example'), attendees: [to('alice.smith@contoso.com')] };
    assert.deepEqual(eventParticipants(e).all, ['tom.becker@northwind.example', 'alice.smith@contoso.com']);
    assert.equal(diaryRole(e, own), 'attendee');
    assert.equal(diaryRole({ organizer: to('Alice.Smith@contoso.com') }, own), 'organizer');
    assert.equal(diaryRole({ organizer: null, isOrganizer: true }, own), 'organizer');
  });
});

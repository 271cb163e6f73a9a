import assert from 'node:assert/strict';
import { compileBlocklist } from '../../../bot/sync/core/blocklist.js';
import { decideEvent, decideMessage } from '../../../bot/sync/core/filters.js';
import { event, filingContext, message, to } from './fixtures.js';

const sensitivity = (value: string) => ({ singleValueExtendedProperties: [{ id: 'Integer 0x36', value }] });

describe('sync/core/filters', () => {
  const ctx = filingContext();

  it('files a received message with its contacts and direction', () => {
    assert.deepEqual(decideMessage(message({ id: 'm' }), ctx), {
      action: 'file',
      contacts: ['c-priya'],
      direction: 'received',
    });
  });

  it('judges each page context by its own mailbox addresses, even when contexts share one policy', () => {
    // One policy object, two sets of own addresses: a verdict for one must not carry over to the other.
    const shared = filingContext();
    const priyasOwn = { ...shared, own: new Set(['priya.patel@example.com']) };
    const fromPriya = message({ id: 'p' });
    assert.equal(decideMessage(fromPriya, shared).action, 'file');
    const asPriya = decideMessage(fromPriya, priyasOwn);
    assert.equal(asPriya.action === 'skip' && asPriya.reason, 'internal');
    assert.equal(decideMessage(fromPriya, shared).action, 'file');
  });

  it('skips with each reason', () => {
    const cases: [string, ReturnType<typeof message>, ReturnType<typeof filingContext>][] = [
      ['invalid', message({ id: 'a', internetMessageId: '  ' }), ctx],
      ['invalid', message({ id: 'b', from: null, sender: null }), ctx],
      ['invalid', message({ id: 'c', isDraft: true }), ctx],
      ['sensitivity_unknown', message({ id: 'u', singleValueExtendedProperties: undefined }), ctx],
      ['private', message({ id: 'd', ...sensitivity('2') }), ctx],
      ['confidential', message({ id: 'e', ...sensitivity('3') }), ctx],
      [
        'blocklisted',
        message({ id: 'f' }),
        filingContext(undefined, { tenantBlocklist: compileBlocklist(['@example.com']) }),
      ],
      [
        'blocklisted',
        message({ id: 'g' }),
        filingContext(undefined, { personalBlocklist: compileBlocklist(['priya.patel@example.com']) }),
      ],
      [
        'internal',
        message({
          id: 'h',
          from: to('dan.morgan@contoso.com'),
          toRecipients: [to('alice.smith@contoso.com')],
        }),
        ctx,
      ],
      ['no_crm_contact', message({ id: 'i', from: to('stranger@example.biz') }), ctx],
    ];
    for (const [reason, m, c] of cases) {
      const decision = decideMessage(m, c);
      assert.equal(
        decision.action === 'skip' && decision.reason,
        reason,
        `${m.id}: ${JSON.stringify(decision)}`,
      );
    }
  });

  it('applies the reasons in precedence: private, tenant then personal blocklist, internal, no contact', () => {
    const reasonOf = (m: ReturnType<typeof message>, c: ReturnType<typeof filingContext>) => {
      const d = decideMessage(m, c);
      return d.action === 'skip' ? `${d.reason}: ${d.detail}` : 'filed';
    };
    const internal = { from: to('dan.morgan@contoso.com') };
    const both = {
      tenantBlocklist: compileBlocklist(['@contoso.com']),
      personalBlocklist: compileBlocklist(['@contoso.com']),
    };
    assert.match(
      reasonOf(message({ id: 'p', ...internal, ...sensitivity('2') }), filingContext(undefined, both)),
      /^private/,
    );
    assert.match(
      reasonOf(message({ id: 'q', ...internal }), filingContext(undefined, both)),
      /^blocklisted: .*tenant/,
    );
    const personalOnly = { personalBlocklist: compileBlocklist(['dan.morgan@contoso.com']) };
    assert.match(
      reasonOf(message({ id: 'r', ...internal }), filingContext(undefined, personalOnly)),
      /^blocklisted: .*personal/,
    );
    assert.match(reasonOf(message({ id: 's', ...internal }), ctx), /^internal/);
  });

  it('files private mail when the user chose to include it', () => {
    const included = decideMessage(
      message({ id: 'r', ...sensitivity('2') }),
      filingContext(undefined, { privateItems: 'include' }),
    );
    assert.equal(included.action, 'file');
  });

  it('counts subdomains of tenant domains and own aliases as internal', () => {
    const c = filingContext('asmith@contoso-recruitment.com');
    const m = message({
      id: 's',
      from: to('ops@uk.contoso.com'),
      toRecipients: [to('asmith@contoso-recruitment.com')],
    });
    const decision = decideMessage(m, c);
    assert.ok(decision.action === 'skip' && decision.reason === 'internal');
  });

  it('files mail without a contact only when configured to', () => {
    const decision = decideMessage(
      message({ id: 't', from: to('stranger@example.biz') }),
      filingContext(undefined, { fileWithoutContact: true }),
    );
    assert.deepEqual(decision, { action: 'file', contacts: [], direction: 'received' });
  });

  it('decides events on organizer and attendees, with the same reasons', () => {
    assert.deepEqual(decideEvent(event({ id: 'e1' }), ctx), {
      action: 'file',
      contacts: ['c-tom'],
      direction: 'organizer',
    });
    const skipReason = (e: ReturnType<typeof event>) => {
      const d = decideEvent(e, ctx);
      return d.action === 'skip' ? d.reason : 'filed';
    };
    assert.equal(skipReason(event({ id: 'e2', sensitivity: 'private' })), 'private');
    assert.equal(skipReason(event({ id: 'e3', attendees: [] })), 'internal');
    assert.equal(skipReason(event({ id: 'e4', attendees: [to('x@example.biz')] })), 'no_crm_contact');
    assert.equal(skipReason(event({ id: 'e5', organizer: null })), 'invalid');
    assert.equal(skipReason(event({ id: 'e6', isDraft: true })), 'invalid');
  });
});

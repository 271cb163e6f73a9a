import assert from 'node:assert/strict';
import {
  domainCovers,
  normalizeAddress,
  ownAddresses,
  recipientAddress,
} from '../../../bot/sync/core/addresses.js';

describe('sync/core/addresses', () => {
  it('normalises case and whitespace and refuses what is not an SMTP address', () => {
    assert.equal(normalizeAddress('  Priya.Patel@Example.COM '), 'priya.patel@example.com');
    for (const junk of [
      '',
      'no-at-sign',
      'a@b',
      '@example.com',
      'x@-bad-.com',
      'Priya <p@example.com>',
      null,
      42,
    ]) {
      assert.equal(normalizeAddress(junk), null, String(junk));
    }
    assert.equal(
      normalizeAddress('/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=alice'),
      null,
    );
  });

  it('answers the same for an address seen before, junk included (the answers are remembered)', () => {
    for (let i = 0; i < 2; i += 1) {
      assert.equal(normalizeAddress(' Dan.Morgan@Contoso.com'), 'dan.morgan@contoso.com');
      assert.equal(normalizeAddress('dan.morgan@'), null);
    }
  });

  it('reads a recipient without trusting its shape', () => {
    assert.equal(
      recipientAddress({ emailAddress: { address: 'TOM.BECKER@northwind.example' } }),
      'tom.becker@northwind.example',
    );
    assert.equal(recipientAddress({ emailAddress: null }), null);
    assert.equal(recipientAddress(undefined), null);
  });

  it('a listed domain covers its subdomains but not look-alikes', () => {
    assert.ok(domainCovers('contoso.com', 'contoso.com'));
    assert.ok(domainCovers('contoso.com', 'mail.contoso.com'));
    assert.ok(!domainCovers('contoso.com', 'notcontoso.com'));
    assert.ok(!domainCovers('mail.contoso.com', 'contoso.com'));
  });

  it("collects the mailbox's own addresses from mail, UPN and SMTP proxy addresses only", () => {
    const own = ownAddresses({
      mail: 'Alice.Smith@contoso.com',
      userPrincipalName: 'alice@contoso.onmicrosoft.com',
      proxyAddresses: [
        'SMTP:alice.smith@contoso.com',
        'smtp:asmith@contoso-recruitment.com',
        'X500:/o=Org/cn=alice',
      ],
    });
    assert.deepEqual([...own].sort(), [
      'alice.smith@contoso.com',
      'alice@contoso.onmicrosoft.com',
      'asmith@contoso-recruitment.com',
    ]);
  });
});

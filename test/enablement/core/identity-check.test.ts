import assert from 'node:assert/strict';
import { addressesOf, checkIdentity } from '../../../bot/enablement/core/identity-check.js';

const contoso = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const alice = {
  teams: {
    aadObjectId: 'a1000000-0000-4000-8000-000000000001',
    tenantId: contoso,
    email: 'alice.smith@contoso.com',
  },
  account: {
    tid: contoso,
    oid: 'a1000000-0000-4000-8000-000000000001',
    mail: 'Alice.Smith@contoso.com',
    userPrincipalName: 'alice.smith@contoso.com',
    proxyAddresses: [
      'SMTP:Alice.Smith@contoso.com',
      'smtp:asmith@contoso-recruitment.com',
      'X500:/o=Contoso/cn=alice',
    ],
  },
};

describe('checkIdentity', () => {
  it('accepts the same directory user whose mail matches the CRM work e-mail, ignoring case', () => {
    const result = checkIdentity(alice.teams, alice.account, { workEmail: 'ALICE.SMITH@contoso.com' });
    assert.deepEqual(result, { outcome: 'ok', matchedAddress: 'alice.smith@contoso.com' });
  });

  it('accepts a match on an SMTP proxy address with its prefix stripped', () => {
    const result = checkIdentity(alice.teams, alice.account, { workEmail: 'asmith@contoso-recruitment.com' });
    assert.deepEqual(result, { outcome: 'ok', matchedAddress: 'asmith@contoso-recruitment.com' });
  });

  it('accepts a match on the UPN when the account has no mailbox address', () => {
    const result = checkIdentity(
      alice.teams,
      { ...alice.account, mail: null, proxyAddresses: [] },
      {
        workEmail: 'alice.smith@contoso.com',
      },
    );
    assert.equal(result.outcome, 'ok');
  });

  it('refuses a different object id as a different directory user, naming both addresses', () => {
    const result = checkIdentity(
      alice.teams,
      { ...alice.account, oid: 'a1000000-0000-4000-8000-000000000002', mail: 'ben.jones@contoso.com' },
      { workEmail: 'alice.smith@contoso.com' },
    );
    assert.deepEqual(result, {
      outcome: 'different_directory_user',
      signedInAddress: 'ben.jones@contoso.com',
      expectedAddress: 'alice.smith@contoso.com',
    });
  });

  it('refuses another tenant even when the object id and address match', () => {
    const result = checkIdentity(
      alice.teams,
      { ...alice.account, tid: '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62' },
      {
        workEmail: 'alice.smith@contoso.com',
      },
    );
    assert.equal(result.outcome, 'different_directory_user');
  });

  it('reports an address mismatch with both addresses (Carol’s case)', () => {
    const carol = {
      tid: contoso,
      oid: 'c3',
      mail: 'carol.white@contoso.com',
      userPrincipalName: 'carol.white@contoso.com',
      proxyAddresses: ['SMTP:carol.white@contoso.com'],
    };
    const result = checkIdentity(
      { aadObjectId: 'C3', tenantId: contoso.toUpperCase(), email: 'carol.white@contoso.com' },
      carol,
      {
        workEmail: 'cwhite@contoso-recruitment.com',
      },
    );
    assert.deepEqual(result, {
      outcome: 'address_mismatch',
      signedInAddress: 'carol.white@contoso.com',
      expectedAddress: 'cwhite@contoso-recruitment.com',
    });
  });

  it('does not treat a non-SMTP proxy as an address', () => {
    assert.deepEqual(
      addressesOf({ ...alice.account, mail: undefined, proxyAddresses: ['SIP:alice@contoso.com'] }),
      ['alice.smith@contoso.com'],
    );
  });
});

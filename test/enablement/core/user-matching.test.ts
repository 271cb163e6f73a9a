import assert from 'node:assert/strict';
import {
  accountAddresses,
  matchSignedInAccount,
  matchTeamsUser,
} from '../../../bot/enablement/core/user-matching.js';

/** The matching order (stored link, Teams e-mail, UPN, addresses after sign-in) on plain data. */
const ALICE_OID = 'a1000000-0000-4000-8000-000000000001';
const OTHER_OID = 'a1000000-0000-4000-8000-0000000000aa';
const users = [
  { id: 'alice', workEmail: 'alice.smith@contoso.com', teamsAadObjectId: null },
  { id: 'carol', workEmail: 'cwhite@contoso-recruitment.com', teamsAadObjectId: null },
  { id: 'linked', workEmail: 'ben.jones@contoso.com', teamsAadObjectId: OTHER_OID },
];

describe('Teams user → CRM user matching (pure)', () => {
  it('prefers the stored link over any address', () => {
    const linked = [
      ...users,
      { id: 'old', workEmail: 'old@contoso.com', teamsAadObjectId: ALICE_OID.toUpperCase() },
    ];
    assert.deepEqual(matchTeamsUser(linked, { aadObjectId: ALICE_OID, email: 'alice.smith@contoso.com' }), {
      user: linked[3],
      by: 'stored_link',
    });
  });

  it('then the Teams e-mail, then the UPN, case-insensitively', () => {
    assert.equal(
      matchTeamsUser(users, {
        aadObjectId: ALICE_OID,
        email: 'CWhite@Contoso-Recruitment.com',
        upn: 'alice.smith@contoso.com',
      })?.by,
      'teams_email',
    );
    const byUpn = matchTeamsUser(users, {
      aadObjectId: ALICE_OID,
      email: 'a@elsewhere.example',
      upn: ' Alice.Smith@contoso.com ',
    });
    assert.deepEqual(byUpn, { user: users[0], by: 'upn' });
  });

  it('never takes a CRM user linked to another Teams user, and nothing without an address', () => {
    assert.equal(
      matchTeamsUser(users, { aadObjectId: ALICE_OID, email: 'ben.jones@contoso.com' }),
      undefined,
    );
    assert.equal(matchTeamsUser(users, { aadObjectId: ALICE_OID }), undefined);
    assert.equal(matchTeamsUser(users, { aadObjectId: ALICE_OID, email: 'not-an-address' }), undefined);
    assert.equal(
      matchTeamsUser(users, { aadObjectId: OTHER_OID, upn: 'ben.jones@contoso.com' })?.by,
      'stored_link',
    );
  });

  it('reads every address of a signed-in account: mail, UPN and SMTP proxies only, once each', () => {
    assert.deepEqual(
      accountAddresses({
        mail: 'Grace.Hall@contoso.com',
        userPrincipalName: 'grace.hall@contoso.com',
        proxyAddresses: [
          'SMTP:grace.hall@contoso.com',
          'smtp:g.hall@contoso.com',
          'X500:/o=Contoso/cn=grace',
          'SIP:grace@contoso.com',
        ],
      }),
      ['grace.hall@contoso.com', 'g.hall@contoso.com'],
    );
    assert.deepEqual(
      accountAddresses({ mail: null, userPrincipalName: 'x@contoso.com', proxyAddresses: null }),
      ['x@contoso.com'],
    );
  });

  it('after sign-in an alias is a match; the first address in order wins; linked users are skipped', () => {
    const crm = [
      { id: 'grace', workEmail: 'g.hall@contoso.com', teamsAadObjectId: null },
      { id: 'taken', workEmail: 'grace.hall@contoso.com', teamsAadObjectId: OTHER_OID },
    ];
    assert.deepEqual(matchSignedInAccount(crm, ALICE_OID, ['grace.hall@contoso.com', 'g.hall@contoso.com']), {
      user: crm[0],
      address: 'g.hall@contoso.com',
    });
    assert.equal(matchSignedInAccount(crm, ALICE_OID, ['nobody@contoso.com']), undefined);
  });
});

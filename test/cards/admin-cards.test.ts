import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import {
  buildEmailCorrectionRequestCard,
  buildRevokeConfirmationCard,
  buildUserListCard,
  buildVisibilityRequestCard,
} from '../../bot/cards/admin-cards.js';
import { parseCardAction } from '../../bot/cards/card-actions.js';
import { signCardRef } from '../../bot/cards/card-refs.js';
import { assertValidCard, cardText, executeActions } from './card-validation.js';
import { launchChromium } from '../support/chromium.js';
import { renderCard, rgb, textColour, THEMES } from '../support/card-screenshots.js';

const key = randomBytes(32);
const now = new Date('2025-11-25T14:05:00Z');
const tenant = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const ref = await signCardRef({ kind: 'visibility_request', id: 'crm-ben', tenantId: tenant }, { key, now });
const ben = { userName: 'Ben Jones', userEmail: 'ben.jones@contoso.com', requestedAt: now, timeZone: 'UTC' };

describe('admin cards', () => {
  it('visibility request: Grant and Decline that any CRM admin of the tenant can press', async () => {
    const card = buildVisibilityRequestCard({ ref, ...ben });
    assertValidCard(card);
    assert.match(cardText(card), /Ben Jones \(ben\.jones@contoso\.com\) would like to use Cloud Sync/);
    const actions = executeActions(card);
    assert.deepEqual(
      actions.map((a) => a.verb),
      ['grant_visibility', 'decline_visibility'],
    );
    for (const a of actions) {
      const parsed = await parseCardAction(
        { verb: a.verb, data: a.data },
        { key, now, actorAadObjectId: 'a1000000-0000-4000-8000-000000000004', actorTenantId: tenant },
      );
      assert.ok(parsed.ok && parsed.action.target?.id === 'crm-ben');
    }
  });

  it('visibility request: once decided, shows who and when and has no buttons', () => {
    const card = buildVisibilityRequestCard({
      ref,
      ...ben,
      decision: { outcome: 'granted', by: 'Dan Morgan', at: now },
    });
    assertValidCard(card);
    assert.deepEqual(executeActions(card), []);
    assert.match(cardText(card), /Granted by Dan Morgan on 25 Nov 2025, 14:05 UTC\./);
    const inAuckland = buildVisibilityRequestCard({
      ref,
      ...ben,
      timeZone: 'Pacific/Auckland',
      decision: { outcome: 'granted', by: 'Dan Morgan', at: now },
    });
    assert.match(cardText(inAuckland), /Granted by Dan Morgan on 26 Nov 2025, 03:05 GMT\+13\./);
  });

  it('e-mail correction request: both addresses, and a button naming the suggested address', async () => {
    const idRef = await signCardRef(
      { kind: 'identity_request', id: 'req-carol', tenantId: tenant },
      { key, now },
    );
    const card = buildEmailCorrectionRequestCard({
      ref: idRef,
      userName: 'Carol White',
      signedInAddress: 'carol.white@contoso.com',
      crmAddress: 'cwhite@contoso-recruitment.com',
    });
    assertValidCard(card);
    assert.match(cardText(card), /Suggested work e-mail\ncarol\.white@contoso\.com/);
    assert.match(cardText(card), /TriSys work e-mail now\ncwhite@contoso-recruitment\.com/);
    const [button] = executeActions(card);
    assert.equal(button?.title, 'Set work e-mail');
    // The box holds the suggested address, for the administrator to set as it is or correct first.
    assert.match(
      JSON.stringify(card),
      /"id":"workEmail","label":"Work e-mail to set in TriSys"[^}]*"value":"carol\.white@contoso\.com"/,
    );
    const parsed = await parseCardAction(
      { verb: button!.verb, data: button!.data },
      { key, now, actorAadObjectId: 'a1000000-0000-4000-8000-000000000004', actorTenantId: tenant },
    );
    assert.ok(parsed.ok && parsed.action.target?.id === 'req-carol');
  });

  it('e-mail correction request for an unmatched user: addresses tried, a choice of CRM users, then done', async () => {
    const idRef = await signCardRef(
      { kind: 'identity_request', id: 'req-grace', tenantId: tenant },
      { key, now },
    );
    const input = {
      ref: idRef,
      userName: 'Grace Hall',
      signedInAddress: 'grace.hall@contoso.com',
      crmAddress: '',
      addressesTried: ['grace.hall@contoso.com', 'g.hall@contoso.com'],
      crmUsers: [{ id: 'crm-grace', name: 'Grace Hall', email: 'grace@old.example' }],
    };
    const card = buildEmailCorrectionRequestCard(input);
    assertValidCard(card);
    assert.match(cardText(card), /grace\.hall@contoso\.com, g\.hall@contoso\.com/);
    assert.match(JSON.stringify(card), /"title":"Grace Hall \(grace@old\.example\)","value":"crm-grace"/);
    const done = buildEmailCorrectionRequestCard({
      ...input,
      done: 'Done: Grace Hall is now grace.hall@contoso.com',
    });
    assertValidCard(done);
    assert.deepEqual(executeActions(done), []);
    assert.match(cardText(done), /Done: Grace Hall/);
    assert.doesNotMatch(JSON.stringify(done), /crmUserId/);
  });

  it('user list: each user with their state in words, and an empty list explained', () => {
    const card = buildUserListCard({
      users: [
        { name: 'Alice Smith', email: 'alice.smith@contoso.com', state: 'active', visible: true, ref: 'r1' },
        {
          name: 'Ben Jones',
          email: 'ben.jones@contoso.com',
          state: 'not_visible',
          visible: false,
          ref: 'r2',
        },
      ],
    });
    assertValidCard(card);
    assert.match(cardText(card), /Alice Smith: Sync is on\nalice\.smith@contoso\.com/);
    assert.match(cardText(card), /Ben Jones: Not available yet\nben\.jones@contoso\.com/);
    // An address is a line of its own that never wraps: a FactSet's narrow title column broke it mid-word.
    for (const email of ['alice.smith@contoso.com', 'ben.jones@contoso.com'])
      assert.ok(
        JSON.stringify(card).includes(
          JSON.stringify({ type: 'TextBlock', text: email, isSubtle: true, wrap: false }),
        ),
      );
    assert.doesNotMatch(JSON.stringify(card), /FactSet/);
    // One button per person, as they stand: Alice sees Cloud Sync (Revoke), Ben does not (Grant).
    assert.deepEqual(
      executeActions(card).map((a) => [a.title, a.verb, a.data.ref]),
      [
        ['Revoke', 'revoke_user', 'r1'],
        ['Grant', 'grant_user', 'r2'],
      ],
    );
    const empty = buildUserListCard({ users: [] });
    assertValidCard(empty);
    assert.match(cardText(empty), /No one in your organisation/);
  });
});

describe('admin cards rendered in Chromium, light and dark (screenshots in .test-output/screenshots)', function () {
  let browser: Browser;
  before(async function () {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const theme of ['light', 'dark'] as const) {
    it(`list users (${theme}): a Grant or Revoke button under each person, the address whole`, async function () {
      const page = await renderCard(
        browser,
        buildUserListCard({
          users: [
            {
              name: 'Alexandra Richardson-Smythe',
              email: 'alexandra.richardson-smythe@contoso-recruitment.com',
              state: 'active',
              visible: true,
              ref: 'r1',
            },
            {
              name: 'Ben Jones',
              email: 'ben.jones@contoso.com',
              state: 'not_visible',
              visible: false,
              ref: 'r2',
            },
          ],
          notice: 'Ben Jones can now switch on Cloud Sync; they have been told in Teams.',
          noticeTone: 'good',
        }),
        theme,
        'card-user-list-buttons',
      );
      assert.deepEqual(await page.locator('.ac-pushButton').allTextContents(), ['Revoke', 'Grant']);
      const address = page.getByText('alexandra.richardson-smythe@contoso-recruitment.com', { exact: true });
      const box = await address.evaluate((el) => ({
        height: el.getBoundingClientRect().height,
        line: parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4,
      }));
      assert.ok(box.height < box.line * 1.5, 'the address did not wrap');
      assert.equal(await textColour(page, 'can now switch on'), rgb(THEMES[theme].good));
      await page.close();
    });

    it(`e-mail correction request (${theme}): a labelled box with the suggested address, and Set work e-mail`, async function () {
      const page = await renderCard(
        browser,
        buildEmailCorrectionRequestCard({
          ref: 'r',
          userName: 'Carol White',
          signedInAddress: 'carol.white@contoso.com',
          crmAddress: 'cwhite@contoso-recruitment.com',
        }),
        theme,
        'card-email-correction',
      );
      assert.equal(
        await page.getByLabel('Work e-mail to set in TriSys').inputValue(),
        'carol.white@contoso.com',
      );
      assert.deepEqual(await page.locator('.ac-pushButton').allTextContents(), ['Set work e-mail']);
      await page.close();
    });

    it(`revoke confirmation (${theme}): says it stops their sync, with the stop button first`, async function () {
      const page = await renderCard(
        browser,
        buildRevokeConfirmationCard({
          ref: 'r',
          userName: 'Alice Smith',
          userEmail: 'alice.smith@contoso.com',
          state: 'active',
        }),
        theme,
        'card-revoke-confirmation',
      );
      await page.getByText('Revoking Cloud Sync stops their sync at once', { exact: false }).waitFor();
      assert.deepEqual(await page.locator('.ac-pushButton').allTextContents(), [
        'Revoke and stop their sync',
        'Keep it',
      ]);
      await page.close();
    });
  }
});

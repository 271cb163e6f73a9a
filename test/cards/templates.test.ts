import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildUserListCard, buildVisibilityRequestCard } from '../../bot/cards/admin-cards.js';
import { STALE_CARD_NOTE, withStaleNote } from '../../bot/cards/card-freshness.js';
import { buildApprovalRequestCard } from '../../bot/cards/approval-card.js';
import {
  buildNotVisibleCard,
  buildSignInCard,
  buildWelcomeCard,
  consentGrantedNotice,
  buildDisableConfirmationCard,
  buildDisableReceiptCard,
} from '../../bot/cards/user-cards.js';
import { recordAttempt } from '../../bot/enablement/core/approval-requests.js';
import { launchChromium } from '../support/chromium.js';
import { type Reader, renderCard, rgb, textColour, THEMES, type Theme } from '../support/card-screenshots.js';

/**
 * Every card template, read as Teams would render it: a screen reader announces an input by its label
 * and an image by its alternative text, so neither may be missing or empty anywhere in a card,
 * ShowCard sub-cards included.
 */

const DIR = 'bot/cards/templates';

type Element = { type?: unknown; id?: unknown; label?: unknown; altText?: unknown };

function elements(json: unknown): Element[] {
  if (Array.isArray(json)) return json.flatMap(elements);
  if (json === null || typeof json !== 'object') return [];
  return [json as Element, ...Object.values(json).flatMap(elements)];
}

const filled = (v: unknown) => typeof v === 'string' && v.trim() !== '';

describe('card templates are accessible (bot/cards/templates)', function () {
  it('label every input and describe every image, in every template', async function () {
    const files = (await readdir(DIR)).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 20, `only ${files.length} templates found`);
    const problems: string[] = [];
    let inputs = 0;
    for (const file of files) {
      const card = JSON.parse(await readFile(path.join(DIR, file), 'utf8')) as unknown;
      for (const e of elements(card)) {
        if (typeof e.type !== 'string') continue;
        if (e.type.startsWith('Input.')) {
          inputs += 1;
          if (!filled(e.label)) problems.push(`${file}: ${e.type} "${String(e.id)}" has no label`);
        }
        if (e.type === 'Image' && !filled(e.altText)) problems.push(`${file}: an Image has no altText`);
      }
    }
    assert.deepEqual(problems, []);
    // The check has something to check: the cards do ask for input.
    assert.ok(inputs >= 5, `${inputs} inputs`);
  });
});

describe('changed cards rendered in Chromium (bot/cards/templates)', function () {
  let browser: Browser;
  before(async function () {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  const render = (card: object, theme: Theme, name: string, reader?: Reader) =>
    renderCard(browser, card, theme, name, reader);

  for (const theme of ['light', 'dark'] as const) {
    it(`list users (${theme}): every address reads whole on one line in a narrow chat`, async function () {
      const emails = ['alexandra.richardson-smythe@contoso-recruitment.com', 'ben.jones@contoso.com'];
      const page = await render(
        buildUserListCard({
          users: [
            {
              name: 'Alexandra Richardson-Smythe',
              email: emails[0]!,
              state: 'active',
              visible: true,
              ref: 'r1',
            },
            { name: 'Ben Jones', email: emails[1]!, state: 'not_visible', visible: false, ref: 'r2' },
          ],
        }),
        theme,
        'card-user-list',
      );
      for (const email of emails) {
        const line = page.getByText(email, { exact: true });
        const box = await line.evaluate((el) => ({
          height: el.getBoundingClientRect().height,
          lineHeight:
            parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4,
        }));
        assert.ok(box.height < box.lineHeight * 1.5, `${email} takes ${box.height}px: it wrapped`);
      }
      await page.close();
    });

    it(`notices (${theme}): a withdrawal reads in the warning colour, good news in the success colour`, async function () {
      const ref = 'r';
      const withdrawn = await render(
        buildWelcomeCard({
          displayName: 'Ben',
          state: 'not_visible',
          ref,
          notice: 'Your TriSys administrator has withdrawn Cloud Sync for you.',
          noticeTone: 'warning',
        }),
        theme,
        'card-withdrawn-notice',
      );
      assert.equal(await textColour(withdrawn, 'withdrawn Cloud Sync'), rgb(THEMES[theme].warning));
      await withdrawn.close();
      const signIn = await render(
        buildSignInCard({
          signInUrl: 'https://localhost/auth/start',
          scopes: ['User.Read', 'Mail.Read'],
          notice: consentGrantedNotice,
          noticeTone: 'good',
        }),
        theme,
        'card-sign-in',
      );
      assert.equal(await textColour(signIn, 'IT team has approved'), rgb(THEMES[theme].good));
      await signIn.close();
    });

    it(`IT approval card (${theme}): "Open admin consent" is the first button`, async function () {
      const request = recordAttempt(
        undefined,
        {
          tenantId: 't',
          permissions: ['User.Read', 'Mail.Read'],
          requester: { aadObjectId: 'erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' },
          at: new Date('2026-12-05T10:00:00Z'),
        },
        'req-1',
      );
      assert.ok(request.ok);
      const page = await render(
        buildApprovalRequestCard({
          request: request.request,
          ref: 'r',
          tenantName: 'Fabrikam',
          adminConsentUrl: 'https://localhost/adminconsent',
        }),
        theme,
        'card-it-approval',
      );
      const buttons = await page.locator('.ac-pushButton').allTextContents();
      assert.equal(buttons[0], 'Open admin consent');
      await page.close();
    });

    it(`IT approval card (${theme}): each person in the channel reads its times in their own zone`, async function () {
      // Asked at 20:00 UTC on Saturday 5 December 2026: 01:30 on Sunday the 6th in Kolkata, 15:00 on
      // Saturday the 5th in New York.
      const request = recordAttempt(
        undefined,
        {
          tenantId: 't',
          permissions: ['User.Read'],
          requester: { aadObjectId: 'erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' },
          at: new Date('2026-12-05T20:00:00Z'),
        },
        'req-1',
      );
      assert.ok(request.ok);
      const card = buildApprovalRequestCard({
        request: request.request,
        ref: 'r',
        tenantName: 'Fabrikam',
        adminConsentUrl: 'https://localhost/adminconsent',
      });
      const readers = [
        {
          reader: { timezoneId: 'Asia/Kolkata', locale: 'en-GB' },
          sees: /First asked Sun,? 6 Dec 2026 at 0?1:30\n/,
        },
        {
          reader: { timezoneId: 'America/New_York', locale: 'en-US' },
          sees: /First asked Sat, Dec 5, 2026 at 3:00\sPM\n/,
        },
      ];
      for (const { reader, sees } of readers) {
        const page = await render(
          card,
          theme,
          `card-it-approval-${reader.timezoneId.replace('/', '-')}`,
          reader,
        );
        const text = await page.locator('#card').innerText();
        assert.match(text, sees);
        assert.doesNotMatch(text, /\{\{|\}\}/, 'every DATE and TIME was written out');
        await page.close();
      }
    });
    it(`switch off (${theme}): keep or remove, both offered; the receipt counts what was removed, in the reader's zone`, async function () {
      const ask = await render(
        buildDisableConfirmationCard({ ref: 'r', removeByDefault: false }),
        theme,
        'card-switch-off',
      );
      const options = await ask.locator('.ac-choiceSetInput-expanded label').allTextContents();
      assert.deepEqual(options, [
        'Keep them in TriSys',
        'Remove them from TriSys, and the CRM appointments Cloud Sync put in my Outlook calendar',
      ]);
      // A person picks "remove": the radio button takes the choice.
      await ask.getByText('Remove them from TriSys', { exact: false }).click();
      assert.equal(await ask.locator('input[type=radio][value=purge]').isChecked(), true);
      await ask.close();
      const receipt = await render(
        buildDisableReceiptCard({
          retention: 'purge',
          at: new Date('2026-12-05T22:30:00Z'),
          timeZone: 'Pacific/Auckland',
          calendarEventsRemoved: 2,
          removedFromCrm: { mail: 7, diary: 9, kept: 1 },
        }),
        theme,
        'card-switch-off-receipt',
      );
      await receipt.getByText('Switched off on 6 Dec 2026, 11:30 GMT+13.').waitFor();
      await receipt
        .getByText('Removed from TriSys: 7 e-mails and 9 appointments that Cloud Sync had copied for you.', {
          exact: false,
        })
        .waitFor();
      await receipt.getByText('The 2 CRM appointments Cloud Sync had put in your Outlook calendar').waitFor();
      await receipt.close();
    });

    it(`visibility request (${theme}): once decided, who and when in the decision's colour, and no buttons`, async function () {
      const request = (outcome: 'granted' | 'declined') =>
        buildVisibilityRequestCard({
          ref: 'r',
          userName: 'Ben Jones',
          userEmail: 'ben.jones@contoso.com',
          requestedAt: new Date('2026-12-05T09:15:00Z'),
          decision: { outcome, by: 'Dan Morgan', at: new Date('2026-12-05T09:40:00Z') },
          timeZone: 'UTC',
        });
      const granted = await render(request('granted'), theme, 'card-visibility-granted');
      assert.equal(await textColour(granted, 'Granted by Dan Morgan'), rgb(THEMES[theme].good));
      assert.equal(await granted.locator('.ac-pushButton').count(), 0);
      await granted.close();
      const declined = await render(request('declined'), theme, 'card-visibility-declined');
      assert.equal(await textColour(declined, 'Declined by Dan Morgan'), rgb(THEMES[theme].warning));
      assert.equal(await declined.locator('.ac-pushButton').count(), 0);
      await declined.close();
    });

    it(`asked, and out of date (${theme}): when and who for the asking user; the note first on an old card`, async function () {
      const asked = await render(
        buildNotVisibleCard({
          ref: 'r',
          timeZone: 'UTC',
          requested: { askedAt: new Date('2026-12-05T09:15:00Z'), admins: ['Dan Morgan', 'Alice Smith'] },
        }),
        theme,
        'card-not-visible-asked',
      );
      await asked.getByText('Asked 5 Dec 2026, 09:15 UTC, waiting for Dan Morgan and Alice Smith.').waitFor();
      assert.equal(await asked.locator('.ac-pushButton').count(), 0, 'nothing to send twice');
      await asked.close();
      const old = await render(
        withStaleNote(
          buildVisibilityRequestCard({
            ref: 'r',
            userName: 'Ben Jones',
            userEmail: 'ben.jones@contoso.com',
            requestedAt: new Date('2026-12-05T09:15:00Z'),
            decision: { outcome: 'granted', by: 'Dan Morgan', at: new Date('2026-12-05T09:40:00Z') },
            timeZone: 'UTC',
          }),
        ),
        theme,
        'card-out-of-date',
      );
      const texts = await old.locator('.ac-textBlock').allTextContents();
      assert.equal(texts[0], STALE_CARD_NOTE);
      await old.close();
    });
  }
});

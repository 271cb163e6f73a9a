import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApprovalRequestCard } from '../../bot/cards/approval-card.js';
import { signCardRef } from '../../bot/cards/card-refs.js';
import { buildEmailCorrectionRequestCard, buildVisibilityRequestCard } from '../../bot/cards/admin-cards.js';
import { buildDeclinedCard, buildItAdminCard, buildWaitingForItCard } from '../../bot/cards/user-cards.js';
import {
  declineRequest,
  recordAttempt,
  setJustification,
} from '../../bot/enablement/core/approval-requests.js';
import { assertValidCard, cardText, markdownTexts } from './card-validation.js';

/**
 * Text people type (a requester's "why", IT's decline reason, names) is shown as
 * written: it can never become a link, a list or bold text in the IT channel or a user's chat.
 */
const PHISH = '[Click here to approve](https://phish.example/consent) **urgent**\r- step 1';
const fabrikam = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const now = new Date('2025-11-25T14:05:00Z');

function assertShownVerbatim(card: object, text: string): void {
  assertValidCard(card);
  const markdown = markdownTexts(card).join('\n');
  assert.ok(!markdown.includes('phish.example'), `rendered as Markdown: ${markdown}`);
  assert.ok(!markdown.includes('**urgent**'), `rendered as Markdown: ${markdown}`);
  assert.ok(cardText(card).includes(text), 'the text is still shown, as written');
}

const ref = await signCardRef(
  { kind: 'approval_request', id: 'req-1', tenantId: fabrikam },
  { key: randomBytes(32), now },
);

describe('text people type is never Markdown in a card', () => {
  const attempt = recordAttempt(
    undefined,
    {
      tenantId: fabrikam,
      permissions: ['Mail.Read'],
      requester: { aadObjectId: 'erin', name: '[Erin](https://phish.example/n)', email: 'erin@fabrikam.com' },
      at: now,
    },
    'req-1',
  );
  assert.ok(attempt.ok);
  const justified = setJustification(attempt.request, 'erin', PHISH, now);
  assert.ok(justified.ok);

  it("shows a requester's reason and name as plain text on IT's approval card", () => {
    const card = buildApprovalRequestCard({
      request: justified.request,
      ref,
      tenantName: 'Fabrikam Staffing',
      adminConsentUrl: 'https://login.example/adminconsent',
    });
    assertShownVerbatim(card, PHISH);
    assert.ok(!markdownTexts(card).join('\n').includes('[Erin]'));
  });

  it("shows IT's decline reason as plain text on the decided card and in the user's chat", () => {
    const declined = declineRequest(justified.request, 'Frank Ortiz', PHISH, now);
    assert.ok(declined.ok);
    assertShownVerbatim(
      buildApprovalRequestCard({
        request: declined.request,
        ref,
        tenantName: 'Fabrikam Staffing',
        adminConsentUrl: 'https://login.example/adminconsent',
      }),
      PHISH,
    );
    assertShownVerbatim(buildDeclinedCard({ ref, by: 'Frank Ortiz', reason: PHISH }), PHISH);
  });

  it("shows the requester's own reason as plain text on their waiting card", () => {
    const card = buildWaitingForItCard({ ref, itChannelKnown: true, justification: PHISH });
    assertShownVerbatim(card, PHISH);
  });

  it("shows a requester's name as plain text on the CRM administrator's request cards", () => {
    const name = PHISH;
    const visibility = buildVisibilityRequestCard({
      ref,
      userName: name,
      userEmail: 'erin@fabrikam.com',
      requestedAt: now,
      decision: { outcome: 'declined', by: name, at: now },
      timeZone: 'UTC',
    });
    assertShownVerbatim(visibility, PHISH);
    for (const done of [undefined, `Done: ${name}`]) {
      assertShownVerbatim(
        buildEmailCorrectionRequestCard({
          ref,
          userName: name,
          signedInAddress: 'erin@fabrikam.com',
          crmAddress: '',
          addressesTried: ['erin@fabrikam.com'],
          crmUsers: [{ id: 'u1', name: 'Erin Lee', email: 'elee@fabrikam.com' }],
          done,
        }),
        PHISH,
      );
    }
  });

  it("shows an IT administrator's name and organisation as plain text on their welcome card", () => {
    const card = buildItAdminCard({ name: PHISH, organisation: PHISH, tabUrl: 'https://localhost/tab/' });
    assertShownVerbatim(card, PHISH);
  });
});

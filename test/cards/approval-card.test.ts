import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApprovalRequestCard } from '../../bot/cards/approval-card.js';
import { parseCardAction } from '../../bot/cards/card-actions.js';
import { signCardRef } from '../../bot/cards/card-refs.js';
import {
  type ApprovalRequest,
  declineRequest,
  grantRequest,
  recordAttempt,
  setJustification,
} from '../../bot/enablement/core/approval-requests.js';
import { assertValidCard, buttons, cardText, executeActions } from './card-validation.js';

const key = randomBytes(32);
const now = new Date('2025-11-25T14:05:00Z');
const fabrikam = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const ref = await signCardRef({ kind: 'approval_request', id: 'req-1', tenantId: fabrikam }, { key, now });
const adminConsentUrl =
  'https://localhost:4433/9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62/v2.0/adminconsent?client_id=1';

function pendingRequest(): ApprovalRequest {
  const attempt = recordAttempt(
    undefined,
    {
      tenantId: fabrikam,
      permissions: ['User.Read', 'Mail.Read', 'Calendars.ReadWrite'],
      requester: { aadObjectId: 'erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' },
      at: now,
    },
    'req-1',
  );
  assert.ok(attempt.ok);
  const justified = setJustification(attempt.request, 'erin', 'Candidate e-mails belong in TriSys', now);
  assert.ok(justified.ok);
  return justified.request;
}

const build = (request: ApprovalRequest) =>
  buildApprovalRequestCard({ request, ref, tenantName: 'Fabrikam Staffing', adminConsentUrl });

describe('IT approval request card', () => {
  it('shows who, which tenant, which permissions, why and when, with the admin consent link', () => {
    const card = build(pendingRequest());
    assertValidCard(card);
    const text = cardText(card);
    assert.match(text, /Erin Lee\n \(erin\.lee@fabrikam\.com\)\n/);
    assert.ok(
      text.includes('Asked {{DATE(2025-11-25T14:05:00Z, SHORT)}} at {{TIME(2025-11-25T14:05:00Z)}}'),
      text,
    );
    assert.ok(
      text.includes('First asked {{DATE(2025-11-25T14:05:00Z, SHORT)}} at {{TIME(2025-11-25T14:05:00Z)}}'),
      text,
    );
    assert.match(text, /Fabrikam Staffing \(9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62\)/);
    assert.match(text, /User\.Read, Mail\.Read, Calendars\.ReadWrite/);
    assert.match(text, /Why: Candidate e-mails belong in TriSys/);
    assert.ok(JSON.stringify(card.actions).includes(JSON.stringify(adminConsentUrl)));
  });

  it('makes "Open admin consent" the primary action; "Granted" and "Declined" are the fallbacks', () => {
    assert.deepEqual(buttons(build(pendingRequest())), [
      { title: 'Open admin consent', style: 'positive' },
      { title: 'Granted', style: 'default' },
      { title: 'Declined', style: 'default' },
    ]);
  });

  it('offers Granted, and Declined with a required reason, both accepted by the action validator', async () => {
    const card = build(pendingRequest());
    const actions = executeActions(card);
    assert.deepEqual(
      actions.map((a) => a.verb),
      ['consent_granted', 'consent_declined'],
    );
    assert.match(
      JSON.stringify(card),
      /"id":"declineReason","label":"[^"]+","isMultiline":true,"maxLength":1000,"isRequired":true/,
    );
    for (const a of actions) {
      const parsed = await parseCardAction(
        { verb: a.verb, data: { ...a.data, declineReason: 'Not yet' } },
        { key, now, actorAadObjectId: 'frank', actorTenantId: fabrikam },
      );
      assert.ok(parsed.ok && parsed.action.target?.id === 'req-1', JSON.stringify(parsed));
    }
  });

  it('once granted, shows who and when to everyone and has no buttons', () => {
    const granted = grantRequest(pendingRequest(), 'Frank Ortiz', new Date('2025-11-25T15:00:00Z'));
    assert.ok(granted.ok);
    const card = build(granted.request);
    assertValidCard(card);
    assert.deepEqual(card.actions, []);
    const text = cardText(card);
    assert.match(text, /Granted by Frank Ortiz\. Everyone waiting has been told and can carry on\./);
    assert.ok(
      text.includes('Decided {{DATE(2025-11-25T15:00:00Z, SHORT)}} at {{TIME(2025-11-25T15:00:00Z)}}'),
      text,
    );
  });

  it('once declined, shows the reason', () => {
    const declined = declineRequest(pendingRequest(), 'Frank Ortiz', 'Security review first', now);
    assert.ok(declined.ok);
    const card = build(declined.request);
    assertValidCard(card);
    assert.match(cardText(card), /Declined by Frank Ortiz: Security review first/);
    assert.ok(cardText(card).includes('Decided {{DATE(2025-11-25T14:05:00Z, SHORT)}}'));
  });

  it("keeps every time where Teams writes it in the reader's zone: a TextBlock of its own, no one's words in it", () => {
    const asked = recordAttempt(
      pendingRequest(),
      {
        tenantId: fabrikam,
        permissions: ['User.Read'],
        requester: { aadObjectId: 'erin', name: 'Erin Lee', email: 'erin.lee@fabrikam.com' },
        at: new Date('2025-11-25T16:30:00Z'),
      },
      'req-1',
    );
    assert.ok(asked.ok);
    const declined = declineRequest(asked.request, 'Frank Ortiz', 'Security review first', now);
    assert.ok(declined.ok);
    const timed: { type: unknown; text: string }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node === null || typeof node !== 'object') return;
      for (const value of Object.values(node)) {
        if (typeof value === 'string' && /\{\{(DATE|TIME)\(/.test(value)) {
          timed.push({ type: (node as { type?: unknown }).type, text: value });
        } else walk(value);
      }
    };
    walk(build(declined.request));
    assert.deepEqual(
      timed.map((t) => t.text.replace(/\{\{[^}]+\}\}/g, '<time>')),
      ['First asked <time> at <time>', 'Asked 2 times, last <time> at <time>', 'Decided <time> at <time>'],
    );
    assert.ok(
      timed.every((t) => t.type === 'TextBlock'),
      JSON.stringify(timed),
    );
  });
});

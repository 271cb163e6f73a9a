import assert from 'node:assert/strict';
import { importPhase, startedWithoutError, type ImportFacts } from '../../bot/sync-health/first-import.js';
import { buildFirstImportCard } from '../../bot/cards/user-cards.js';
import { assertValidCard, cardText } from '../cards/card-validation.js';

const base: ImportFacts = {
  state: 'active',
  enabled: { mail: true, diary: true },
  expected: ['mail:inbox', 'mail:sentitems', 'diary'],
  runs: [],
  copied: { mail: 0, diary: 0 },
  skipped: {},
};
const run = (
  resource: string,
  status: 'running' | 'succeeded' | 'failed',
  done = 0,
  estimate: number | null = 10,
) => ({
  resource,
  status,
  progressDone: done,
  progressEstimate: estimate,
  errorCode: status === 'failed' ? '503' : null,
  errorMessage: null,
});
const TAB = 'https://localhost:3978/tab/';

describe('first import in chat (bot/sync-health/first-import)', function () {
  it('has not started until a run is recorded, and sends no confirmation before', function () {
    const phase = importPhase(base);
    assert.equal(phase.kind, 'not_started');
    assert.equal(startedWithoutError(phase), false);
  });

  it('shows copied so far of the estimated total while it runs', function () {
    const phase = importPhase({
      ...base,
      runs: [
        run('mail:inbox', 'succeeded', 10, 10),
        run('mail:sentitems', 'running', 3, 6),
        run('diary', 'running', 2, 5),
      ],
      copied: { mail: 7, diary: 2 },
    });
    assert.equal(phase.kind, 'running');
    assert.ok(startedWithoutError(phase));
    const card = buildFirstImportCard({
      phase: phase as Exclude<typeof phase, { kind: 'abandoned' }>,
      tabUrl: TAB,
    });
    assertValidCard(card);
    assert.match(cardText(card), /7 e-mails copied so far, 13 of about 16 looked at/);
    assert.match(cardText(card), /2 appointments copied so far, 2 of about 5 looked at/);
  });

  it('ends with what was copied and what was left out, per reason, with the link to the tab', function () {
    const phase = importPhase({
      ...base,
      runs: [
        run('mail:inbox', 'succeeded', 10),
        run('mail:sentitems', 'succeeded', 6),
        run('diary', 'succeeded', 5),
      ],
      copied: { mail: 9, diary: 4 },
      skipped: { no_crm_contact: 5, private: 2 },
    });
    assert.equal(phase.kind, 'finished');
    const card = buildFirstImportCard({
      phase: phase as Exclude<typeof phase, { kind: 'abandoned' }>,
      tabUrl: TAB,
    });
    assertValidCard(card);
    const text = cardText(card);
    assert.match(text, /Your mail and diary are in TriSys/);
    assert.match(text, /9 e-mails copied/);
    assert.match(text, /4 appointments copied/);
    assert.match(text, /5\nNobody in it is a candidate or client/);
    assert.match(text, /2\nMarked private/);
    assert.match(JSON.stringify(card), /"url":"https:\/\/localhost:3978\/tab\/"/);
  });

  it('counts only what is switched on', function () {
    const phase = importPhase({
      ...base,
      enabled: { mail: true, diary: false },
      runs: [run('mail:inbox', 'succeeded'), run('mail:sentitems', 'succeeded')],
    });
    assert.equal(phase.kind, 'finished');
  });

  it('reports a failure the same way, with what to do, and sends no confirmation', function () {
    const phase = importPhase({ ...base, runs: [run('mail:inbox', 'failed'), run('diary', 'running', 1)] });
    assert.equal(phase.kind, 'failing');
    assert.equal(startedWithoutError(phase), false);
    const card = buildFirstImportCard({
      phase: phase as Exclude<typeof phase, { kind: 'abandoned' }>,
      tabUrl: TAB,
    });
    assertValidCard(card);
    assert.match(cardText(card), /The first copy has a problem/);
    assert.match(cardText(card), /temporary problem/);
    assert.match(cardText(card), /tries again by itself/);
    const reconnect = importPhase({ ...base, state: 'reconnect_required' });
    assert.equal(reconnect.kind, 'failing');
    assert.match(reconnect.kind === 'failing' ? reconnect.whatToDo : '', /Reconnect/);
  });

  it('stops following an import the user paused or switched off', function () {
    assert.equal(importPhase({ ...base, state: 'paused' }).kind, 'abandoned');
    assert.equal(importPhase({ ...base, state: 'disabled' }).kind, 'abandoned');
  });
});

import assert from 'node:assert/strict';
import * as AC from 'adaptivecards';

/** Everything the adaptivecards library reports while parsing and validating a card, as messages. */
export function cardProblems(json: object): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(new AC.Version(1, 5));
  card.parse(json, context);
  const parseEvents = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i));
  const validation = card.validateProperties();
  return [...parseEvents, ...validation.validationEvents].map(
    (e) => `${AC.ValidationEvent[e.event]}: ${e.message}`,
  );
}

/** Every action type anywhere in the card, including those inside ShowCard cards. */
export function actionTypes(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(actionTypes);
  if (json === null || typeof json !== 'object') return [];
  const own = (json as { type?: unknown }).type;
  const nested = Object.values(json).flatMap(actionTypes);
  return typeof own === 'string' && own.startsWith('Action.') ? [own, ...nested] : nested;
}

/** Every Action.Execute in the card with its verb and data. */
export function executeActions(
  json: unknown,
): Array<{ verb: string; data: Record<string, unknown>; title: string }> {
  if (Array.isArray(json)) return json.flatMap(executeActions);
  if (json === null || typeof json !== 'object') return [];
  const o = json as { type?: unknown; verb?: unknown; data?: unknown; title?: unknown };
  const nested = Object.values(json).flatMap(executeActions);
  return o.type === 'Action.Execute'
    ? [
        { verb: String(o.verb), data: (o.data ?? {}) as Record<string, unknown>, title: String(o.title) },
        ...nested,
      ]
    : nested;
}

/** All visible text of the card, to assert on wording without depending on layout. */
export function cardText(json: unknown): string {
  if (Array.isArray(json)) return json.map(cardText).join('\n');
  if (json === null || typeof json !== 'object') return '';
  const o = json as Record<string, unknown>;
  const own = ['text', 'title', 'value', 'label', 'placeholder']
    .map((k) => (typeof o[k] === 'string' ? (o[k] as string) : ''))
    .filter(Boolean);
  return [
    ...own,
    ...Object.entries(o)
      .filter(([k]) => k !== 'data')
      .map(([, v]) => cardText(v)),
  ]
    .filter(Boolean)
    .join('\n');
}

const allowedActions = new Set(['Action.Execute', 'Action.OpenUrl', 'Action.ShowCard']);

/** The checks every card must pass: schema 1.5, no library warnings, only our action types, all filled in. */
export function assertValidCard(card: { version?: unknown; type?: unknown; $schema?: unknown }): void {
  assert.equal(card.type, 'AdaptiveCard');
  assert.equal(card.version, '1.5');
  assert.equal(card.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
  assert.deepEqual(cardProblems(card), []);
  for (const type of actionTypes(card)) assert.ok(allowedActions.has(type), type);
  assert.ok(!JSON.stringify(card).includes('${'), `unexpanded template text in ${JSON.stringify(card)}`);
}

/**
 * Every string Teams renders as Markdown: TextBlock text and FactSet facts. TextRun text (inside a
 * RichTextBlock) is shown as written ("Markdown is not supported", Adaptive Cards schema, TextRun).
 */
export function markdownTexts(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(markdownTexts);
  if (json === null || typeof json !== 'object') return [];
  const o = json as Record<string, unknown>;
  const own =
    o.type === 'TextBlock' && typeof o.text === 'string'
      ? [o.text]
      : o.type === undefined && typeof o.title === 'string' && typeof o.value === 'string'
        ? [o.title, o.value]
        : [];
  return [...own, ...Object.values(o).flatMap(markdownTexts)];
}

/** The colour of the first TextBlock or TextRun whose text includes `text` (Default when unset). */
export function colorOfText(json: unknown, text: string): string | undefined {
  if (Array.isArray(json)) {
    for (const item of json) {
      const found = colorOfText(item, text);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (json === null || typeof json !== 'object') return undefined;
  const o = json as { type?: unknown; text?: unknown; color?: unknown };
  if ((o.type === 'TextBlock' || o.type === 'TextRun') && typeof o.text === 'string' && o.text.includes(text))
    return typeof o.color === 'string' ? o.color : 'Default';
  return colorOfText(Object.values(json), text);
}

/** The card's top-level buttons as a person sees them: title and style, in order (the first is primary). */
export function buttons(json: { actions?: unknown }): Array<{ title: string; style: string }> {
  const actions = (json.actions ?? []) as Array<{ title?: string; style?: string }>;
  return actions.map((a) => ({ title: String(a.title), style: a.style ?? 'default' }));
}

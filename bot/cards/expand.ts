import * as ACData from 'adaptivecards-templating';

/** The JSON of an Adaptive Card ready to send as an attachment or an invoke response. */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [key: string]: unknown;
}

/**
 * Each template is parsed into its expressions once: parsing (an ANTLR grammar per `${…}`) was most of
 * a card's cost, and `expand` keeps no state between calls (it resets its context and warnings and
 * builds a new card), so one parsed template serves every turn.
 */
const parsed = new WeakMap<object, ACData.Template>();

/**
 * Cards expanded lately, by template and data: a person typing `help` or `status` again gets the same
 * card from the same data (their state, their signed reference, their zone), and evaluating the
 * template's expressions cost more than the turn's other work. Expansion depends on nothing but the
 * template and the data, so any change in the data is a different key. Bounded; the least recently
 * used entry goes first.
 *
 * The card itself is shared between the turns that ask for it, so it is a frozen copy of the expansion
 * (which may hold the caller's own data objects): code that adds to a card builds a new one around it
 * (`withRefresh`, `withStaleNote`), and a write into a shared card throws instead of reaching the next
 * turn's. Copying it back out for every turn cost about a twentieth of a `help` turn's CPU.
 */
const EXPANDED_KEPT = 500;
const expanded = new Map<string, AdaptiveCardJson>();
const templateIds = new WeakMap<object, number>();
let nextTemplateId = 0;

function templateId(template: object): number {
  let id = templateIds.get(template);
  if (id === undefined) templateIds.set(template, (id = nextTemplateId++));
  return id;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Expands a template with its data; values are inserted as data, never evaluated as expressions. */
export function expandCard(template: object, data: Record<string, unknown>): Readonly<AdaptiveCardJson> {
  const key = `${templateId(template)}:${JSON.stringify(data)}`;
  let card = expanded.get(key);
  if (card === undefined) {
    let prepared = parsed.get(template);
    if (!prepared) {
      prepared = new ACData.Template(template);
      parsed.set(template, prepared);
    }
    card = deepFreeze(JSON.parse(JSON.stringify(prepared.expand({ $root: data }))) as AdaptiveCardJson);
    if (expanded.size >= EXPANDED_KEPT) expanded.delete(expanded.keys().next().value!);
  } else expanded.delete(key);
  expanded.set(key, card);
  return card;
}

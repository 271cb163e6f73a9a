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
 * template's expressions cost more than reading the JSON back. Expansion depends on nothing but the
 * template and the data, so any change in the data is a different key. Bounded; the least recently
 * used entry goes first.
 */
const EXPANDED_KEPT = 500;
const expanded = new Map<string, string>();
const templateIds = new WeakMap<object, number>();
let nextTemplateId = 0;

function templateId(template: object): number {
  let id = templateIds.get(template);
  if (id === undefined) templateIds.set(template, (id = nextTemplateId++));
  return id;
}

/** Expands a template with its data; values are inserted as data, never evaluated as expressions. */
export function expandCard(template: object, data: Record<string, unknown>): AdaptiveCardJson {
  const key = `${templateId(template)}:${JSON.stringify(data)}`;
  let card = expanded.get(key);
  if (card === undefined) {
    let prepared = parsed.get(template);
    if (!prepared) {
      prepared = new ACData.Template(template);
      parsed.set(template, prepared);
    }
    card = JSON.stringify(prepared.expand({ $root: data }));
    if (expanded.size >= EXPANDED_KEPT) expanded.delete(expanded.keys().next().value!);
  } else expanded.delete(key);
  expanded.set(key, card);
  // A new object every time: a caller may add to its card without touching the next one.
  return JSON.parse(card) as AdaptiveCardJson;
}

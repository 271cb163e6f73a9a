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

/** Expands a template with its data; values are inserted as data, never evaluated as expressions. */
export function expandCard(template: object, data: Record<string, unknown>): AdaptiveCardJson {
  let prepared = parsed.get(template);
  if (!prepared) {
    prepared = new ACData.Template(template);
    parsed.set(template, prepared);
  }
  return prepared.expand({ $root: data }) as AdaptiveCardJson;
}

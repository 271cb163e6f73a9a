import * as ACData from 'adaptivecards-templating';

/** The JSON of an Adaptive Card ready to send as an attachment or an invoke response. */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  body: unknown[];
  actions?: unknown[];
  [key: string]: unknown;
}

/** Expands a template with its data; values are inserted as data, never evaluated as expressions. */
export function expandCard(template: object, data: Record<string, unknown>): AdaptiveCardJson {
  return new ACData.Template(template).expand({ $root: data }) as AdaptiveCardJson;
}

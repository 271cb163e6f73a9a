import type { Message, SingleValueLegacyExtendedProperty } from '@microsoft/microsoft-graph-types';
import type { Mailbox } from './mailbox.js';
import type { MessageRecord } from './message-store.js';
import type { SensitivityName } from './seed-schema.js';

/** How a stored message looks on the wire. */
export type MessageResource = Message & { '@odata.type'?: string; '@odata.etag'?: string };

export const MESSAGE_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
  'singleValueExtendedProperties',
] as const;

/** PidTagSensitivity: Graph exposes mail sensitivity only as this extended property. */
export const SENSITIVITY_PROPERTY_ID = 'Integer 0x36';
const SENSITIVITY_VALUES: Record<SensitivityName, string> = {
  normal: '0',
  personal: '1',
  private: '2',
  confidential: '3',
};

/** True when $expand asks for the sensitivity property the way clients do; undefined when malformed. */
export function parseMessageExpand(raw: string | null): boolean | undefined {
  if (raw === null || raw.trim() === '') return false;
  const m = /^singleValueExtendedProperties\(\$filter=id eq '(?:Integer|Long) 0x0*36'\)$/i.exec(raw.trim());
  return m ? true : undefined;
}

export function changeKeyOf(version: number): string {
  return Buffer.from(`CQAAAB${version.toString(36).padStart(6, '0')}`).toString('base64');
}

export function messageResource(
  mailbox: Mailbox,
  record: MessageRecord,
  immutable: boolean,
  withSensitivity: boolean,
): MessageResource {
  const ids = mailbox.messages.ids(record);
  const id = immutable ? ids.immutable : ids.regular;
  const changeKey = changeKeyOf(record.version);
  const extended: SingleValueLegacyExtendedProperty[] = [
    { id: SENSITIVITY_PROPERTY_ID, value: SENSITIVITY_VALUES[record.sensitivity] },
  ];
  return {
    '@odata.type': '#microsoft.graph.message',
    '@odata.etag': `W/"${changeKey}"`,
    id,
    createdDateTime: record.createdDateTime,
    lastModifiedDateTime: record.lastModifiedDateTime,
    changeKey,
    parentFolderId: mailbox.folderId(record.folder),
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    ...record.fields,
    ...(withSensitivity ? { singleValueExtendedProperties: extended } : {}),
  };
}

export function removedResource(type: 'message' | 'event', id: string, reason: 'deleted' | 'changed') {
  return { '@odata.type': `#microsoft.graph.${type}`, id, '@removed': { reason } };
}

import { compileBlocklist } from '../../../bot/sync/core/blocklist.js';
import type { FilingContext, FilterPolicy } from '../../../bot/sync/core/filters.js';
import type { DeltaEvent, DeltaMessage } from '../../../bot/sync/core/graph-items.js';

/** Hand-built Graph items and filing context, after docs/demo-identities.md (Contoso). */

export const to = (address: string, name?: string) => ({ emailAddress: { address, name: name ?? null } });

export const CONTACTS = new Map<string, string[]>([
  ['priya.patel@example.com', ['c-priya']],
  ['priya.p@example.net', ['c-priya']],
  ['tom.becker@northwind.example', ['c-tom']],
  ['sofia.rossi@example.org', ['c-sofia']],
]);

export function policy(overrides: Partial<FilterPolicy> = {}): FilterPolicy {
  return {
    tenantDomains: ['contoso.com'],
    tenantBlocklist: compileBlocklist([]),
    personalBlocklist: compileBlocklist([]),
    privateItems: 'exclude',
    fileWithoutContact: false,
    ...overrides,
  };
}

export function filingContext(
  own = 'alice.smith@contoso.com',
  overrides: Partial<FilterPolicy> = {},
): FilingContext {
  return { own: new Set([own]), directory: CONTACTS, policy: policy(overrides) };
}

export function message(overrides: Partial<DeltaMessage> & { id: string }): DeltaMessage {
  return {
    internetMessageId: `<${overrides.id}@mail.example.com>`,
    lastModifiedDateTime: '2025-03-01T10:00:00Z',
    sentDateTime: '2025-03-01T09:59:00Z',
    receivedDateTime: '2025-03-01T10:00:00Z',
    subject: 'Interview on Tuesday',
    from: to('priya.patel@example.com', 'Priya Patel'),
    toRecipients: [to('alice.smith@contoso.com')],
    // What Graph sends for normal mail when the delta request's $expand is served.
    singleValueExtendedProperties: [{ id: 'Integer 0x36', value: '0' }],
    ...overrides,
  };
}

export function event(overrides: Partial<DeltaEvent> & { id: string }): DeltaEvent {
  return {
    iCalUId: `uid-${overrides.id}`,
    type: 'singleInstance',
    lastModifiedDateTime: '2025-03-01T10:00:00Z',
    start: { dateTime: '2025-03-10T09:00:00.0000000', timeZone: 'UTC' },
    end: { dateTime: '2025-03-10T10:00:00.0000000', timeZone: 'UTC' },
    subject: 'Client meeting',
    organizer: to('alice.smith@contoso.com'),
    isOrganizer: true,
    attendees: [{ ...to('tom.becker@northwind.example', 'Tom Becker'), type: 'required' }],
    ...overrides,
  };
}

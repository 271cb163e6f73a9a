import { isSignInScope } from '../sign-in/oidc-scopes.js';

/** Shared wording helpers for card text (British English, in the reader's time zone). */

/**
 * One formatter per zone, made on first use: building an Intl formatter (locale and zone data) cost far
 * more than formatting with it, and cards name a time on many turns. Zones reaching here are checked
 * ones (activity-time-zone.ts), a few hundred at most; the bound is a guard all the same.
 */
const FORMATTERS_KEPT = 1_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    if (formatters.size >= FORMATTERS_KEPT) formatters.delete(formatters.keys().next().value!);
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** A moment in `timeZone`, the zone named ("6 Dec 2026, 18:00 GMT+13") so it is never ambiguous. */
export function formatWhen(at: Date, timeZone: string): string {
  return formatterFor(timeZone).format(at);
}

/**
 * A moment as Adaptive Cards' DATE and TIME functions ("Sat, Dec 5, 2026 at 10:00 AM"), which each
 * reader's Teams client writes in their own zone and locale: for a card that several people in several
 * zones read (the IT channel's), where no one zone is right. Teams formats them only in a TextBlock's
 * text (not in a RichTextBlock's TextRun), so a template keeps such a time in a TextBlock with no
 * user-written text, and the functions take RFC 3339 without fractions of a second.
 */
export function readerLocalTime(at: Date): string {
  const rfc3339 = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${rfc3339}, SHORT)}} at {{TIME(${rfc3339})}}`;
}

const permissionWords: Record<string, string> = {
  'user.read': 'see your name and e-mail address',
  'mail.read': 'read your e-mail, so messages with candidates and clients can be copied into TriSys',
  'mail.send': 'send e-mail as you (we use it to send you the confirmation that sync is on)',
  'calendars.read': 'read your diary',
  'calendars.readwrite': 'read and update your diary',
  offline_access: 'keep syncing when you are not using Teams',
};

/** Scopes in plain words, one Markdown bullet each. */
export function describePermissions(scopes: readonly string[]): string {
  const lines = scopes
    // Scopes that only sign the user in are not worth a line of their own.
    .filter((s) => !isSignInScope(s))
    .map((s) => permissionWords[s.toLowerCase()] ?? s);
  return ['sign you in', ...new Set(lines)].map((l) => `- ${l}`).join('\r');
}

/** "a", "a and b", "a, b and c". */
export function joinWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const folderNames: Record<string, string> = { inbox: 'Inbox', sentitems: 'Sent Items' };

/** A Graph well-known folder name as Outlook shows it ("sentitems" is "Sent Items"). */
export function mailFolderName(folder: string): string {
  return folderNames[folder.toLowerCase()] ?? folder;
}

/**
 * CSV as spreadsheets read it (RFC 4180: comma-separated, CRLF rows, quotes doubled). A cell that a
 * spreadsheet would run as a formula (= + - @, or a leading tab/CR that hides one) gets a leading
 * apostrophe, so a display name like `=HYPERLINK(...)` stays text when an admin opens the export.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

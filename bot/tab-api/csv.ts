import { stringify } from 'csv-stringify/sync';

/**
 * CSV as spreadsheets read it (RFC 4180: comma-separated, CRLF rows, quotes doubled). A text cell that a
 * spreadsheet would run as a formula (= + - @, or a leading tab/CR that hides one) gets a leading
 * apostrophe (csv-stringify's escape_formulas), so a display name like `=HYPERLINK(...)` stays text when
 * an admin opens the export; numbers, negative ones included, stay numbers.
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null)[])[],
): string {
  return stringify([header, ...rows], {
    record_delimiter: 'windows',
    // A line break inside a cell is quoted whichever line ending it uses, not only the rows' CRLF.
    quote_record_delimiter: true,
    escape_formulas: true,
    // Spreadsheets drop unquoted leading and trailing spaces.
    quoted_match: /^\s|\s$/,
    cast: { boolean: (value) => String(value) },
  });
}

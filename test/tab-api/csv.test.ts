import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { toCsv } from '../../bot/tab-api/csv.js';

/** One cell as written in the export: the line between the header row and the final CRLF. */
const cell = (value: string | number | boolean | null) => {
  const csv = toCsv(['h'], [[value]]);
  assert.ok(csv.startsWith('h\r\n') && csv.endsWith('\r\n'), JSON.stringify(csv));
  return csv.slice('h\r\n'.length, -'\r\n'.length);
};

describe('CSV export (bot/tab-api/csv)', function () {
  it('quotes separators, quotes, line breaks and surrounding spaces (RFC 4180)', function () {
    assert.equal(cell('plain'), 'plain');
    assert.equal(cell('Smith, Jo'), '"Smith, Jo"');
    assert.equal(cell('say "hi"'), '"say ""hi"""');
    assert.equal(cell('two\nlines'), '"two\nlines"');
    assert.equal(cell(' padded '), '" padded "');
    assert.equal(cell(null), '');
    assert.equal(cell(3), '3');
    assert.equal(cell(false), 'false');
    assert.equal(cell(true), 'true');
  });

  it('keeps text that a spreadsheet would run as a formula as text', function () {
    for (const danger of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=1', '\r=1']) {
      assert.ok(cell(danger).replace(/^"/, '').startsWith("'"), JSON.stringify(danger));
    }
    assert.equal(cell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(cell(-5), '-5', 'numbers are data, not formulas');
  });

  it('writes CRLF rows with a header that a CSV reader gives back cell for cell', function () {
    const csv = toCsv(['a', 'b'], [[1, 'x,y']]);
    assert.equal(csv, 'a,b\r\n1,"x,y"\r\n');
    const names = ['Smith, Jo', '=HYPERLINK("x")', 'two\nlines'];
    assert.deepEqual(
      parse(
        toCsv(
          ['name'],
          names.map((n) => [n]),
        ),
      ),
      [['name'], ['Smith, Jo'], [`'=HYPERLINK("x")`], ['two\nlines']],
    );
  });
});

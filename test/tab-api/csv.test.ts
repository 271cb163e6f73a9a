import assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../bot/tab-api/csv.js';

describe('CSV export (bot/tab-api/csv)', function () {
  it('quotes separators, quotes and line breaks', function () {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('Smith, Jo'), '"Smith, Jo"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(' padded '), '" padded "');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(3), '3');
    assert.equal(csvCell(false), 'false');
  });

  it('keeps text that a spreadsheet would run as a formula as text', function () {
    for (const danger of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=1', '\r=1']) {
      assert.ok(csvCell(danger).replace(/^"/, '').startsWith("'"), JSON.stringify(danger));
    }
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell(-5), '-5', 'numbers are data, not formulas');
  });

  it('writes CRLF rows with a header', function () {
    assert.equal(toCsv(['a', 'b'], [[1, 'x,y']]), 'a,b\r\n1,"x,y"\r\n');
  });
});

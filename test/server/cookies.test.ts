import assert from 'node:assert/strict';
import { parseCookies } from '../../bot/server/cookies.js';

// The Cookie request header is `name=value` pairs separated by "; " (RFC 6265, the Cookie header).
describe('request cookies (bot/server/cookies.ts)', function () {
  it('reads every pair, decoding percent-encoded values and keeping "=" inside a value', function () {
    assert.deepEqual(parseCookies('a=1; tab_sign_in=eyJ9fQ==; name=J%C3%B6rg'), {
      a: '1',
      tab_sign_in: 'eyJ9fQ==',
      name: 'Jörg',
    });
  });

  it('ignores malformed pairs and a missing header', function () {
    assert.deepEqual(parseCookies('novalue; =x; bad=%E0%A4%A; ok=yes'), { ok: 'yes' });
    assert.deepEqual(parseCookies(undefined), {});
  });
});

import { strict as assert } from 'node:assert';
import { queryFreeAttributes, withoutQueries } from '../../bot/telemetry/url-query.js';

describe('query strings out of telemetry text', () => {
  it('cuts the query and fragment from absolute URLs and paths, wherever they stand', () => {
    assert.equal(
      withoutQueries('https://login.microsoftonline.com/common/oauth2/v2.0/authorize?code=x&state=y'),
      'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    );
    assert.equal(withoutQueries('/auth/callback?code=x#frag'), '/auth/callback');
    assert.equal(withoutQueries('/auth/start#t=1'), '/auth/start');
    assert.equal(withoutQueries('GET /auth/identify?ticket=x'), 'GET /auth/identify');
    assert.equal(
      withoutQueries('request to https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=x failed'),
      'request to https://graph.microsoft.com/v1.0/me/messages/delta failed',
    );
  });

  it('leaves text without a URL or path as it is', () => {
    for (const text of ['GET', 'pg.query:SELECT', 'is it ok? yes', 'a/b?c=d', '/healthz', 'https://x.test/p'])
      assert.equal(withoutQueries(text), text);
  });

  it('names the attributes to change: url.query emptied, URL-bearing strings and arrays stripped', () => {
    assert.deepEqual(
      queryFreeAttributes({
        'url.full': 'http://127.0.0.1:3978/auth/callback?code=x',
        'http.target': '/auth/callback?code=x',
        'url.path': '/auth/callback',
        'url.query': 'code=x&state=y',
        'http.status_code': 200,
        'custom.links': ['/a?b=c', '/d'],
      }),
      {
        'url.full': 'http://127.0.0.1:3978/auth/callback',
        'http.target': '/auth/callback',
        'url.query': '',
        'custom.links': ['/a', '/d'],
      },
    );
    assert.deepEqual(queryFreeAttributes({ 'url.path': '/healthz', 'url.query': '' }), {});
  });
});

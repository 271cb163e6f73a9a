import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { createLogger } from '../../bot/logging/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'debug' }) };
}

describe('logger redaction', () => {
  it('never writes tokens, secrets, authorization headers or message bodies', () => {
    const { lines, logger } = capture();
    const secrets = [
      'eyJhbGciOiJSUzI1NiJ9.access',
      'rt-secret-value',
      'client-secret-value',
      'Bearer abc.def',
      'Dear Priya, salary',
    ];
    logger.info({
      accessToken: secrets[0],
      account: { refresh_token: secrets[1] },
      auth: { cfg: { clientSecret: secrets[2] } },
      req: { headers: { authorization: secrets[3] } },
      message: { subject: 'Interview', body: { content: secrets[4] } },
    });
    const out = lines.join('');
    for (const s of secrets) assert.ok(!out.includes(s), `leaked ${s}`);
    assert.ok(out.includes('Interview'), 'ordinary fields are kept');
    assert.ok(out.includes('[redacted]'));
  });
});

/** Redaction by key at any depth and in any case, and token shapes inside strings. */
describe('logger redaction of token shapes anywhere', () => {
  // A syntactically real JWT (header.payload.signature), as Entra or the emulator would issue.
  const jwt = [
    Buffer.from('{"alg":"RS256","kid":"k1","typ":"JWT"}').toString('base64url'),
    Buffer.from('{"aud":"api://x","oid":"a1","exp":1}').toString('base64url'),
    'c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU',
  ].join('.');
  const shapes: Record<string, string> = {
    jwt,
    refreshTokenQuery: 'refresh_token=0.AVYA-rt-secret-in-query',
    codeQuery: 'code=M.C507_BL2.2.U.auth-code-secret',
    clientSecretQuery: 'client_secret=Xy8Q~client-secret-in-body',
    bearer: 'Bearer opaque-access-token-secret',
    refreshTokenJson: '"refresh_token":"0.AVYA-rt-secret-in-json"',
  };
  const secretPart: Record<string, string> = {
    jwt: jwt.split('.')[1]!,
    refreshTokenQuery: 'rt-secret-in-query',
    codeQuery: 'auth-code-secret',
    clientSecretQuery: 'client-secret-in-body',
    bearer: 'opaque-access-token-secret',
    refreshTokenJson: 'rt-secret-in-json',
  };

  for (const [shape, text] of Object.entries(shapes)) {
    it(`never writes a ${shape} from a message, an error, a nested string or a key of any case`, () => {
      const { lines, logger } = capture();
      logger.warn(`token request failed: ${text} (see above)`);
      logger.warn({ err: new Error(`AADSTS70000: grant failed for ${text}`) }, 'exchange failed');
      logger.warn({ a: { b: { c: { d: { e: { detail: `upstream said ${text}` } } } } } }, 'deep');
      logger.warn({ attempt: 2, reason: `retrying ${text}` }, `again with ${text}`);
      logger.warn(
        {
          Authorization: text,
          REFRESH_TOKEN: text,
          nested: { deeper: { stillDeeper: { evenDeeper: { ClientSecret: text, Access_Token: text } } } },
        },
        'keys',
      );
      const out = lines.join('');
      assert.ok(!out.includes(secretPart[shape]!), `leaked ${shape}: ${out}`);
      assert.equal(lines.length, 5, 'every line was still written');
      assert.match(out, /token request failed/, 'the message around the token is kept');
    });
  }
});

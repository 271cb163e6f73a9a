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

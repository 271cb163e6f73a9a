import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createLogger } from '../../bot/logging/logger.js';
import { msalLoggerOptions } from '../../bot/logging/msal-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'debug' }) };
}

/** A client configured as the product configures its own; its logger is msal-node's, not ours. */
function msalClient(options: ReturnType<typeof msalLoggerOptions>) {
  return new ConfidentialClientApplication({
    auth: {
      clientId: '11111111-2222-4333-8444-555555555555',
      clientSecret: 'not-used',
      authority: 'https://login.microsoftonline.com/organizations',
    },
    system: { loggerOptions: options },
  });
}

describe('msal-node logs', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

  it('reach our log at warning and error, with token-shaped text scrubbed', () => {
    const { lines, logger } = capture();
    const msal = msalClient(msalLoggerOptions(logger)).getLogger();
    msal.warning(`cache write failed for refresh_token=rt-123 after ${token}`);
    msal.error('token endpoint refused the request');

    const [warning, error] = lines;
    assert.equal(lines.length, 2);
    assert.equal(warning?.level, 40);
    assert.equal(warning?.component, 'msal');
    assert.match(
      String(warning?.msg),
      /cache write failed for refresh_token=\[redacted\] after \[redacted\]/,
    );
    assert.doesNotMatch(JSON.stringify(lines), /rt-123|eyJhbGci/);
    assert.equal(error?.level, 50);
    assert.match(String(error?.msg), /token endpoint refused the request/);
  });

  it('leave out msal-node chatter below warning', () => {
    const { lines, logger } = capture();
    const msal = msalClient(msalLoggerOptions(logger)).getLogger();
    msal.info('acquireTokenByClientCredential called');
    msal.verbose('cache lookup');
    assert.deepEqual(lines, []);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { supportedNode, unsupportedRuntime } from '../../../bench/support/runtime.js';

describe('bench runtime check', () => {
  it("reads the supported range from package.json's engines", () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    assert.equal(supportedNode(), manifest.engines.node);
  });

  it('measures on the Node.js versions the product supports', () => {
    for (const version of ['v24.0.0', 'v24.22.3', 'v22.12.0', 'v22.20.1']) {
      assert.equal(unsupportedRuntime(version, '^22.12.0 || ^24.0.0'), undefined, version);
    }
  });

  it('refuses any other, naming the range and how to run on Node.js 24', () => {
    for (const version of ['v20.20.2', 'v22.11.0', 'v25.1.0', 'v18.20.8']) {
      const reason = unsupportedRuntime(version, '^22.12.0 || ^24.0.0');
      assert.ok(reason, version);
      assert.match(reason, new RegExp(`Node\\.js ${version.replace(/\./g, '\\.')} is not a runtime`));
      assert.match(reason, /\^22\.12\.0 \|\| \^24\.0\.0/);
      assert.match(reason, /scripts\/with-node\.sh 24 npm run bench/);
    }
  });
});

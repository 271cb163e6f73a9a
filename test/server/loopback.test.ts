import assert from 'node:assert/strict';
import { isLoopbackAddress } from '../../bot/server/loopback.js';

// Loopback is 127.0.0.0/8 and ::1 (RFC 6890 special-purpose registries); ::ffff:a.b.c.d is the IPv4-mapped
// form a dual-stack socket reports (RFC 4291, IPv4-mapped IPv6 addresses).
describe('loopback peers (bot/server/loopback.ts)', function () {
  it('accepts this machine in every form a socket reports it', function () {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3', '::ffff:127.9.9.9'])
      assert.equal(isLoopbackAddress(a), true, a);
  });

  it('refuses every other peer, and a missing address', function () {
    for (const a of [
      '10.0.0.5',
      '::ffff:10.0.0.5',
      '192.168.1.1',
      'fe80::1',
      '127.example.com',
      '',
      undefined,
    ])
      assert.equal(isLoopbackAddress(a), false, String(a));
  });
});

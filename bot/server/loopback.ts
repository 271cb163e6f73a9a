import { isIPv4 } from 'node:net';

/**
 * Whether a peer address is this machine: 127.0.0.0/8 or ::1, also as an IPv4-mapped IPv6 address
 * (how a dual-stack socket reports an IPv4 peer). Endpoints open without authentication serve only these.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}

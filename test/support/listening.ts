import { readFileSync } from 'node:fs';

/**
 * The local addresses a TCP port is listening on, read from the kernel's socket tables (Linux), so a
 * test sees what the process really bound, whatever it says: e.g. ['127.0.0.1'] or ['0.0.0.0'].
 */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      const [addr, hexPort] = (local ?? '').split(':');
      // 0A is TCP_LISTEN.
      if (state === '0A' && parseInt(hexPort ?? '', 16) === port) found.push(decode(addr!));
    }
  }
  return found;
}

function ipv4(hex: string): string {
  // Little-endian 32-bit word.
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (const i of [3, 2, 1, 0]) bytes.push(parseInt(word.slice(i * 2, i * 2 + 2), 16));
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = groups.join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

export const onlyLoopback = (addresses: string[]): boolean =>
  addresses.length > 0 && addresses.every((a) => LOOPBACK.has(a));

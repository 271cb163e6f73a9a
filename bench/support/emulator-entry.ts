/**
 * The emulator as a process of its own for the benchmarks that must not share a CPU budget with it:
 * a test emulator (random loopback port, fresh data dir, demo seed) whose origin, CA and data dir are
 * printed as one JSON line; SIGTERM stops it and removes the data dir.
 */
import { startTestEmulator } from '../../test/support/emulator.js';

async function main(): Promise<void> {
  const emu = await startTestEmulator();
  process.stdout.write(`${JSON.stringify({ origin: emu.origin, caPem: emu.caPem, dataDir: emu.dataDir })}\n`);
  process.once('SIGTERM', () => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

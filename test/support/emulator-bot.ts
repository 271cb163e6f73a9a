import { randomBytes, randomUUID } from 'node:crypto';
import { trustedFetch } from '../../bot/net/tls-trust.js';
import type { TestEmulator } from './emulator.js';

export type EmulatorControl = (path: string, body: unknown) => Promise<Record<string, unknown>>;

/** Posts to the emulator's set-up API; a refusal fails the set-up with the emulator's reason. */
export function emulatorControl(emu: TestEmulator): EmulatorControl {
  const emuFetch = trustedFetch(emu.caPem);
  return async (p, body) => {
    const res = await emuFetch(`${emu.origin}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${p} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
}

/** Registers a fresh bot (app id and password) with the emulated Bot Framework. */
export async function registerTestBot(
  control: EmulatorControl,
): Promise<{ botId: string; botPassword: string }> {
  const botId = randomUUID();
  const botPassword = randomBytes(16).toString('hex');
  await control('/_emulator/botframework/bots', { appId: botId, password: botPassword });
  return { botId, botPassword };
}

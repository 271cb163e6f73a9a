import type { EnablementState } from './states.js';

/**
 * Which of a user's resources Cloud Sync copies: mail, diary, or both. Pure decisions; the store
 * binding (bot/sync/resource-switches.ts) applies them for the chat command and the tab alike.
 */

export type SwitchableResource = 'mail' | 'diary';

export interface ResourceSwitches {
  mail: boolean;
  diary: boolean;
}

/**
 * Finishing the journey syncs both by default. A reconnect goes through activation too and keeps what
 * the user chose, which always has one resource on (`decideSwitch` never lets both go off).
 */
export function switchesOnActivation(current: ResourceSwitches): ResourceSwitches {
  return current.mail || current.diary ? current : { mail: true, diary: true };
}

/** States in which the account has been activated, so there is a choice to change. */
const SWITCHABLE = new Set<EnablementState>(['active', 'paused', 'reconnect_required']);

const NAMES: Record<SwitchableResource, string> = { mail: 'E-mail', diary: 'Diary' };

export type SwitchDecision =
  { ok: true; next: ResourceSwitches; changed: boolean; message: string } | { ok: false; message: string };

export function decideSwitch(
  state: EnablementState,
  current: ResourceSwitches,
  resource: SwitchableResource,
  on: boolean,
): SwitchDecision {
  if (!SWITCHABLE.has(state)) {
    return {
      ok: false,
      message:
        'Cloud Sync is not switched on for you yet, so there is nothing to change. Type "enable sync" to start.',
    };
  }
  const next = { ...current, [resource]: on };
  if (!next.mail && !next.diary) {
    return {
      ok: false,
      message: `${NAMES[resource]} stays on: it is the only thing Cloud Sync still copies. To stop everything, pause or switch off Cloud Sync instead.`,
    };
  }
  const changed = next[resource] !== current[resource];
  const name = NAMES[resource];
  const message = !changed
    ? `${name} sync is already ${on ? 'on' : 'off'}.`
    : on
      ? `${name} sync is on again; Cloud Sync catches up now.`
      : `${name} sync is off: nothing new is copied from your ${resource === 'mail' ? 'e-mail' : 'diary'} until you switch it on again. What was already copied stays in the CRM.`;
  return { ok: true, next, changed, message };
}

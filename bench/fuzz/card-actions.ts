import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { cardVerbs, parseCardAction } from '../../bot/cards/card-actions.js';
import { signCardRef, type CardRefKind } from '../../bot/cards/card-refs.js';
import { newTally, note, outcome, type FuzzTally } from './tally.js';

/**
 * Card action payloads (the `value.action` of an Action.Execute invoke) through parseCardAction:
 * arbitrary values, payloads with a real verb and arbitrary data, and real signed references that
 * were tampered with, belong to someone else or another tenant, or have expired. It must never
 * throw, and must accept only what it should: reference-free verbs, or a genuine reference of the
 * acting user in the acting tenant.
 */

const TENANT = '6f1c2a9e-3b7d-4c1e-9a2f-0c1d2e3f4a51';
const OTHER_TENANT = '9b2d4f6a-8c1e-4d3f-a5b7-1e2f3a4b5c62';
const ACTOR = 'a1000000-0000-4000-8000-000000000001';
const SOMEONE_ELSE = 'a1000000-0000-4000-8000-000000000002';
const REF_FREE = new Set(['help', 'status']);

/** Changes one character inside a segment (never a segment's last, whose low bits base64url may ignore). */
function tamper(ref: string, position: number, replacement: string): string {
  const candidates = [...ref]
    .map((c, i) => i)
    .filter((i) => ref[i] !== '.' && ref[i + 1] !== '.' && i < ref.length - 1);
  const at = candidates[position % candidates.length]!;
  const next = ref[at] === replacement ? (replacement === 'A' ? 'B' : 'A') : replacement;
  return ref.slice(0, at) + next + ref.slice(at + 1);
}

export async function fuzzCardActions(cases: number, seed: number): Promise<FuzzTally> {
  const tally = newTally();
  const key = randomBytes(32);
  const now = new Date();
  const opts = { key, now, actorAadObjectId: ACTOR, actorTenantId: TENANT };
  const kinds: CardRefKind[] = ['account', 'visibility_request', 'approval_request'];
  const sign = (kind: CardRefKind, id: string, tenantId: string, at = now) =>
    signCardRef({ kind, id, tenantId }, { key, now: at });
  // Signing is asynchronous and the generators are not, so every reference the cases use is made first.
  const long = new Date(now.getTime() - 400 * 86_400_000);
  const refs = new Map<string, string>();
  for (const kind of kinds) {
    refs.set(`${kind}/own`, await sign(kind, ACTOR, TENANT));
    refs.set(`${kind}/tenant`, await sign(kind, ACTOR, OTHER_TENANT));
    refs.set(`${kind}/expired`, await sign(kind, ACTOR, TENANT, long));
  }
  refs.set('someone-else', await sign('account', SOMEONE_ELSE, TENANT));
  const ref = (name: string): string => refs.get(name)!;

  const verb = fc.constantFrom(...cardVerbs);
  const anyPayload = fc.anything().map((raw) => ({ raw, mayPass: false }));
  const anyData = fc
    .record({ verb: fc.oneof(verb, fc.string()), data: fc.anything() })
    .map((raw) => ({ raw, mayPass: REF_FREE.has(String(raw.verb)) }));
  const tampered = fc
    .record({
      verb,
      kind: fc.constantFrom(...kinds),
      position: fc.nat(),
      replacement: fc.constantFrom(...'ABCabc012-_'),
    })
    .map(({ verb: v, kind, position, replacement }) => ({
      raw: {
        verb: v,
        data: {
          ref: tamper(ref(`${kind}/own`), position, replacement),
          justification: 'x',
          declineReason: 'x',
          retention: 'keep',
        },
      },
      mayPass: REF_FREE.has(v),
    }));
  const foreign = fc
    .record({ verb, kind: fc.constantFrom(...kinds), which: fc.constantFrom('tenant', 'user', 'expired') })
    .map(({ verb: v, kind, which }) => {
      const foreignRef = which === 'user' ? ref('someone-else') : ref(`${kind}/${which}`);
      return {
        raw: {
          verb: v,
          data: { ref: foreignRef, justification: 'x', declineReason: 'x', retention: 'keep' },
        },
        mayPass: REF_FREE.has(v),
      };
    });

  const samples = fc.sample(fc.oneof(anyPayload, anyData, tampered, foreign), { numRuns: cases, seed });
  for (const { raw, mayPass } of samples) {
    tally.cases += 1;
    try {
      const result = await parseCardAction(raw, opts);
      outcome(tally, result.ok ? 'accepted' : 'refused');
      if (result.ok && !mayPass) note(tally, 'state', `accepted ${safeJson(raw)}`);
    } catch (err) {
      note(tally, 'crash', `${(err as Error).message} for ${safeJson(raw)}`);
    }
  }
  return tally;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

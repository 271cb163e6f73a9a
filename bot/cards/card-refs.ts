import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Signed opaque references carried in card action data. A card only ever names a request or an account
 * through one of these, so a tampered id fails the HMAC check instead of acting on someone else's data.
 */

export const cardRefKindSchema = z.enum([
  'account',
  'visibility_request',
  'approval_request',
  'identity_request',
]);
export type CardRefKind = z.infer<typeof cardRefKindSchema>;

const refPayloadSchema = z.object({
  k: cardRefKindSchema,
  /** The account owner's Teams object id, the CRM user asking for visibility, or the request id. */
  id: z.string().min(1),
  tid: z.string().min(1),
  exp: z.number().int(),
});
export type CardRef = z.infer<typeof refPayloadSchema>;

/** How long a card's buttons stay usable; approval cards may sit in a channel for weeks. */
export const refLifetimeSeconds: Record<CardRefKind, number> = {
  account: 7 * 24 * 3600,
  visibility_request: 30 * 24 * 3600,
  approval_request: 30 * 24 * 3600,
  identity_request: 30 * 24 * 3600,
};

export interface RefKey {
  /** At least 32 bytes of server secret. */
  key: Buffer;
}

function checkKey(key: Buffer): void {
  if (key.length < 32) throw new Error('The card signing key must be at least 32 bytes.');
}

const mac = (key: Buffer, body: string): Buffer => createHmac('sha256', key).update(body).digest();

export function signCardRef(
  ref: { kind: CardRefKind; id: string; tenantId: string },
  opts: RefKey & { now: Date },
): string {
  checkKey(opts.key);
  const payload: CardRef = {
    k: ref.kind,
    id: ref.id,
    tid: ref.tenantId,
    exp: Math.floor(opts.now.getTime() / 1000) + refLifetimeSeconds[ref.kind],
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(opts.key, body).toString('base64url')}`;
}

export type RefCheck = { ok: true; ref: CardRef } | { ok: false; error: string };

const tampered: RefCheck = { ok: false, error: 'This card’s data was changed or is not from Cloud Sync.' };

export function verifyCardRef(token: string, opts: RefKey & { now: Date }): RefCheck {
  checkKey(opts.key);
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return tampered;
  const expected = mac(opts.key, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return tampered;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return tampered;
  }
  const payload = refPayloadSchema.safeParse(parsed);
  if (!payload.success) return tampered;
  if (payload.data.exp * 1000 <= opts.now.getTime()) {
    return { ok: false, error: 'This card has expired. Type "help" to get a fresh one.' };
  }
  return { ok: true, ref: payload.data };
}

import { SignJWT, jwtVerify, errors } from 'jose';
import { z } from 'zod';

/**
 * Signed opaque references carried in card action data. A card only ever names a request or an account
 * through one of these, so a tampered id fails the signature check instead of acting on someone else's
 * data. They are HS256 JWTs like the sign-in state: one token format and one library for every value
 * this service signs. The header's `typ` and the audience name the card-ref purpose, and the key is the
 * card-ref key derived for that purpose alone, so a sign-in or consent state never passes as a card.
 *
 * References from before this format (`base64url(json).hmac`) are refused as "changed or not from
 * Cloud Sync", whose reply tells the person to type "help" for a fresh card. They live at most 30 days,
 * and a reader for them would keep a second, hand-made format alive for little gain.
 */

export const cardRefKindSchema = z.enum([
  'account',
  'visibility_request',
  'approval_request',
  'identity_request',
  'crm_user',
]);
export type CardRefKind = z.infer<typeof cardRefKindSchema>;

const refPayloadSchema = z.object({
  k: cardRefKindSchema,
  /**
   * The account owner's Teams object id, the CRM user asking for visibility or named on an
   * administrator's card, or the request id.
   */
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
  crm_user: 7 * 24 * 3600,
};

export interface RefKey {
  /** At least 32 bytes of server secret. */
  key: Uint8Array;
}

const purpose = 'card-ref';
const tokenType = 'card-ref+jwt';

function checkKey(key: Uint8Array): void {
  if (key.length < 32) throw new Error('The card signing key must be at least 32 bytes.');
}

export async function signCardRef(
  ref: { kind: CardRefKind; id: string; tenantId: string },
  opts: RefKey & { now: Date },
): Promise<string> {
  checkKey(opts.key);
  const iat = Math.floor(opts.now.getTime() / 1000);
  return new SignJWT({ k: ref.kind, id: ref.id, tid: ref.tenantId })
    .setProtectedHeader({ alg: 'HS256', typ: tokenType })
    .setAudience(purpose)
    .setExpirationTime(iat + refLifetimeSeconds[ref.kind])
    .sign(opts.key);
}

export type RefCheck = { ok: true; ref: CardRef } | { ok: false; error: string };

const tampered: RefCheck = { ok: false, error: 'This card’s data was changed or is not from Cloud Sync.' };
const expired: RefCheck = { ok: false, error: 'This card has expired. Type "help" to get a fresh one.' };

export async function verifyCardRef(token: string, opts: RefKey & { now: Date }): Promise<RefCheck> {
  checkKey(opts.key);
  try {
    const { payload } = await jwtVerify(token, opts.key, {
      algorithms: ['HS256'],
      typ: tokenType,
      audience: purpose,
      currentDate: opts.now,
      requiredClaims: ['exp'],
    });
    const parsed = refPayloadSchema.safeParse(payload);
    return parsed.success ? { ok: true, ref: parsed.data } : tampered;
  } catch (err) {
    // Only a genuinely signed reference may say "expired": jose checks the signature before the time.
    return err instanceof errors.JWTExpired ? expired : tampered;
  }
}

import { SignJWT, jwtVerify, errors } from 'jose';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Short-lived HS256 tokens binding a browser round trip (sign-in, admin consent) to who started it.
 * The browser carries them; only this server can mint or read them as valid.
 */
export class SignedStateError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SignedStateError';
  }
}

export async function signState<T extends Record<string, unknown>>(
  key: Uint8Array,
  purpose: string,
  claims: T,
  lifetimeSeconds: number,
  now = new Date(),
): Promise<{ token: string; jti: string }> {
  const jti = randomUUID();
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(purpose)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .setJti(jti)
    .sign(key);
  return { token, jti };
}

export async function verifyState<S extends z.ZodTypeAny>(
  key: Uint8Array,
  purpose: string,
  token: string,
  schema: S,
  now = new Date(),
): Promise<z.output<S> & { jti: string }> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      audience: purpose,
      currentDate: now,
      requiredClaims: ['jti', 'exp'],
    });
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new SignedStateError('invalid', 'the link is not one this service issued');
    return { ...parsed.data, jti: String(payload.jti) };
  } catch (err) {
    if (err instanceof SignedStateError) throw err;
    if (err instanceof errors.JWTExpired) throw new SignedStateError('expired', 'the link has expired');
    throw new SignedStateError('invalid', 'the link is not one this service issued');
  }
}

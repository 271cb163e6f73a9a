import {
  generateKeyPair,
  exportJWK,
  SignJWT,
  jwtVerify,
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { randomUUID } from 'node:crypto';

/**
 * The emulator's signing keys: RS256 like Entra, published as a JWKS with a `kid`, so verifiers
 * (our bot, our API, msal-node) do what they would against login.microsoftonline.com.
 */
export class SigningKeys {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly kid: string,
    readonly publicJwk: JWK,
    private readonly nowMs: () => number,
  ) {}

  /** `nowMs` is the emulator clock, so lifetimes follow it when a test moves time forward. */
  static async create(nowMs: () => number = Date.now): Promise<SigningKeys> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID().replace(/-/g, '').slice(0, 27);
    const jwk = await exportJWK(publicKey);
    return new SigningKeys(privateKey, kid, { ...jwk, kid, use: 'sig', alg: 'RS256', kty: 'RSA' }, nowMs);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async sign(claims: JWTPayload, lifetimeSeconds: number, typ = 'JWT'): Promise<string> {
    const now = Math.floor(this.nowMs() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', typ, kid: this.kid })
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }

  /** Verifies signature and lifetime only; callers check audience, issuer and scopes. */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(this.jwks()), {
      algorithms: ['RS256'],
      currentDate: new Date(this.nowMs()),
    });
    return payload;
  }
}

import { createHash } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { z } from 'zod';
import type { FetchLike } from '../net/tls-trust.js';

/**
 * Validates the Bot Framework channel token on every POST /api/messages, as Microsoft's "Authenticate
 * requests from the Bot Connector service" describes: RS256 with a key from the channel service's
 * OpenID metadata, the configured issuer, our bot id as audience, a 5-minute clock skew, the key endorsed
 * for the activity's channel, and the token's `serviceurl` equal to the activity's (so a token minted
 * for one service URL cannot make the bot post elsewhere).
 */

export interface ChannelTokenSettings {
  openIdMetadataUrl: string;
  issuer: string;
  /** BOT_ID */
  audience: string;
  fetch: FetchLike;
  now?: () => Date;
}

export class ChannelTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelTokenError';
  }
}

const metadataSchema = z.object({ jwks_uri: z.string().url() });
const jwkSchema = z
  .object({ kid: z.string().optional(), endorsements: z.array(z.string()).optional() })
  .passthrough();
const jwksSchema = z.object({ keys: z.array(jwkSchema) });
type Jwks = z.infer<typeof jwksSchema>;

/** Keys are cached for a day and refreshed at most every 5 minutes when an unknown key id shows up. */
const KEYS_TTL_MS = 24 * 3600_000;
const REFRESH_FLOOR_MS = 5 * 60_000;
const CLOCK_SKEW_SECONDS = 300;
/**
 * The channel sends the same token with every activity for as long as it lives, so a token whose
 * signature and claims were verified is remembered (by its SHA-256, never the token itself) for at most
 * this long, and never past its expiry or a reload of the keys. Every activity still has its token
 * checked: unknown tokens in full, remembered ones against the same keys, and the channel endorsement
 * and service URL, which depend on the activity, every time.
 */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;

export interface ChannelTokenValidator {
  validate(authorization: string, activity: { serviceUrl?: string; channelId?: string }): Promise<JWTPayload>;
}

export function createChannelTokenValidator(settings: ChannelTokenSettings): ChannelTokenValidator {
  const now = settings.now ?? (() => new Date());
  // The key set with jose's view of it: jose imports each key once per set, not once per token.
  let cached: { jwks: Jwks; keySet: ReturnType<typeof createLocalJWKSet>; at: number } | undefined;
  const verified = new Map<string, { payload: JWTPayload; keys: Jwks; until: number }>();

  async function loadKeys(): Promise<Jwks> {
    const meta = await settings.fetch(settings.openIdMetadataUrl);
    if (!meta.ok) throw new ChannelTokenError(`OpenID metadata answered HTTP ${meta.status}`);
    const { jwks_uri } = metadataSchema.parse(await meta.json());
    const res = await settings.fetch(jwks_uri);
    if (!res.ok) throw new ChannelTokenError(`the JWKS answered HTTP ${res.status}`);
    const jwks = jwksSchema.parse(await res.json());
    cached = { jwks, keySet: createLocalJWKSet(jwks as JSONWebKeySet), at: now().getTime() };
    verified.clear();
    return jwks;
  }

  async function keysFor(kid: string | undefined): Promise<Jwks> {
    const age = cached ? now().getTime() - cached.at : Infinity;
    if (cached && age < KEYS_TTL_MS && cached.jwks.keys.some((k) => k.kid === kid)) return cached.jwks;
    if (cached && age < REFRESH_FLOOR_MS) return cached.jwks;
    return loadKeys();
  }

  async function verify(token: string, jwks: Jwks): Promise<JWTPayload> {
    const digest = createHash('sha256').update(token).digest('base64url');
    const at = now().getTime();
    const known = verified.get(digest);
    if (known && known.keys === jwks && at < known.until) return known.payload;
    if (known) verified.delete(digest);
    let payload: JWTPayload;
    try {
      const keySet = cached?.jwks === jwks ? cached.keySet : createLocalJWKSet(jwks as JSONWebKeySet);
      ({ payload } = await jwtVerify(token, keySet, {
        algorithms: ['RS256'],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(at),
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new ChannelTokenError(`the token was refused (${(err as { code?: string }).code ?? 'invalid'})`);
    }
    // jwtVerify accepted it at `at`; it keeps doing so until exp (plus the skew) passes.
    const until = Math.min(at + VERIFIED_TTL_MS, (payload.exp! + CLOCK_SKEW_SECONDS) * 1000);
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(digest, { payload, keys: jwks, until });
    return payload;
  }

  return {
    async validate(authorization, activity) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) throw new ChannelTokenError('no bearer token');
      const token = match[1]!;
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        throw new ChannelTokenError('the token is not a JWT');
      }
      // Without a key id there is no key whose endorsements could be checked for the channel.
      if (!kid) throw new ChannelTokenError('the token names no signing key id (kid)');
      const jwks = await keysFor(kid);
      const payload = await verify(token, jwks);
      const endorsements = jwks.keys.find((k) => k.kid === kid)?.endorsements;
      if (endorsements && activity.channelId && !endorsements.includes(activity.channelId)) {
        throw new ChannelTokenError(`the signing key is not endorsed for channel ${activity.channelId}`);
      }
      const serviceUrl = payload.serviceurl ?? payload.serviceUrl;
      if (typeof serviceUrl !== 'string' || serviceUrl !== activity.serviceUrl) {
        throw new ChannelTokenError('the token was issued for another service URL');
      }
      return payload;
    },
  };
}

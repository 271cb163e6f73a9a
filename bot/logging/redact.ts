/**
 * What never reaches a log: values under secret-bearing keys (at any depth, whatever their case or
 * separators), and token-shaped text anywhere in a string — error messages from token endpoints quote
 * request bodies and URLs, so a key-based rule alone would miss them.
 */

/** Compared after lower-casing and dropping `_` and `-`: `Refresh_Token` and `refreshToken` are one. */
const SECRET_KEYS = new Set(
  [
    'authorization',
    'proxyAuthorization',
    'password',
    'secret',
    'clientSecret',
    'clientAssertion',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'code',
    'codeVerifier',
    'assertion',
    'body',
    'bodyPreview',
    'uniqueBody',
    'cookie',
    'setCookie',
    'clientState',
    'key',
    'encryptionKey',
    'TOKEN_ENCRYPTION_KEY',
    'TOKEN_ENCRYPTION_PREVIOUS_KEYS',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    'DATABASE_URL',
    'AAD_APP_CLIENT_SECRET',
    'BOT_PASSWORD',
  ].map(normaliseKey),
);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

export const CENSOR = '[redacted]';

export function isSecretKey(key: string): boolean {
  const k = normaliseKey(key);
  return SECRET_KEYS.has(k) || k.endsWith('secret') || k.endsWith('password');
}

const TOKEN_SHAPES: [RegExp, string][] = [
  // JWS/JWE compact serialisation: base64url JSON header starting with `{"` is always `eyJ`.
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,3}/g, CENSOR],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${CENSOR}`],
  // Form or query parameters that carry a credential.
  [
    /\b(refresh_token|access_token|id_token|code|client_secret|client_assertion|code_verifier|password|assertion|ticket|state|admin_consent_state|sig)=[^&\s"'<>]+/gi,
    `$1=${CENSOR}`,
  ],
  // The same inside JSON text (a token endpoint's answer quoted in an error).
  [
    /("(?:refresh_token|access_token|id_token|client_secret|client_assertion|code|password)"\s*:\s*")[^"]*/gi,
    `$1${CENSOR}`,
  ],
];

/** Replaces every token-shaped part of a text, keeping the words around it. */
export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TOKEN_SHAPES) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 32;

/** A copy of `value` safe to log: secret keys censored at any depth, strings scrubbed, errors flattened. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.type = value.name;
    out.message = scrubText(value.message);
    if (value.stack) out.stack = scrubText(value.stack);
  }
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? CENSOR : redactValue(v, depth + 1, seen);
  }
  return out;
}

import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { FAULT_POINTS_ENV, faultPointsEnabled } from './faultPoints';

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  /** PGlite data, dev auth key, dev media. */
  dataDir: Type.String({ minLength: 1 }),
  /** Postgres; PGlite under dataDir when absent. */
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** Clerk's PEM public key (networkless verification); dev auth when absent. */
  clerkJwtKey: Type.Optional(Type.String({ pattern: '-----BEGIN PUBLIC KEY-----' })),
  /** Accepted `iss` of session tokens (your Clerk Frontend API URL); dev auth checks its own issuer. */
  clerkIssuer: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Accepted `azp` (origins of your web front ends); a session token without one is then refused. */
  clerkAuthorizedParties: Type.Array(Type.String({ minLength: 1 })),
  /** `cloudinary://<key>:<secret>@<cloud>`; dev media store when absent. */
  cloudinaryUrl: Type.Optional(Type.String({ pattern: '^cloudinary://[^:]+:[^@]+@.+' })),
  powersyncUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** How phones and Cloudinary reach this server (notification URLs, dev media URLs). */
  publicUrl: Type.String({ pattern: '^https?://' }),
  nodeEnv: Type.String(),
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
  /** Requests per user per window on /api. */
  rateLimitMax: Type.Integer({ minimum: 1 }),
  rateLimitWindowMs: Type.Integer({ minimum: 1 }),
  /** Requests per IP per window on each group of unauthenticated routes (/webhooks, /dev, /dev-media). */
  ipRateLimitMax: Type.Integer({ minimum: 1 }),
  /** A socket with no bytes either way for this long is closed. */
  connectionTimeoutMs: Type.Integer({ minimum: 1 }),
  /** A JSON body must be received this long after its headers (the dev media upload has the request timeout). */
  bodyTimeoutMs: Type.Integer({ minimum: 1 }),
  /** A whole request (headers and body) must be received within this. */
  requestTimeoutMs: Type.Integer({ minimum: 1 }),
  /** Addresses/CIDRs of proxies in front of the server whose X-Forwarded-For names the client IP. */
  trustProxy: Type.Array(Type.String({ minLength: 1 })),
  /** CRUD upload requests per user per window: a phone draining its backlog sends them back-to-back. */
  uploadRateLimitMax: Type.Integer({ minimum: 1 }),
  /** Postgres connections of this server process. */
  databasePoolMax: Type.Integer({ minimum: 1, maximum: 1000 }),
  /** Days settled op verdicts stay in the audit log. */
  verdictRetentionDays: Type.Integer({ minimum: 1 }),
  /** PowerSync token signing key (PKCS#8 PEM or private JWK); generated under dataDir when absent (dev). */
  powersyncJwtKey: Type.Optional(Type.String({ minLength: 1 })),
  /** Public keys still published after a rotation (a JWKS, one JWK or one PEM). */
  powersyncJwtPreviousKeys: Type.Optional(Type.String({ minLength: 1 })),
  /** `aud` of PowerSync tokens; the PowerSync service's `client_auth.audience` must list it. */
  powersyncJwtAudience: Type.String({ minLength: 1 }),
  powersyncTokenTtlS: Type.Integer({ minimum: 60, maximum: 86_400 }),
  /** Age at which a generated (dev) PowerSync key is replaced. */
  powersyncKeyRotationDays: Type.Integer({ minimum: 1 }),
  /**
   * Largest image file and pixel count the media store takes. With Cloudinary, unset means the
   * account's own limits (Admin API usage → media_limits); the dev media store defaults to
   * Cloudinary's Free plan (10 MiB, 25 MP).
   */
  mediaMaxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  mediaMaxPixels: Type.Optional(Type.Integer({ minimum: 1 })),
  /**
   * How upload, response and notification signatures are hashed. One explicit setting: the SDK's
   * global configuration (CLOUDINARY_URL's query string) is never consulted.
   */
  cloudinarySignatureAlgorithm: Type.Union([Type.Literal('sha1'), Type.Literal('sha256')]),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const blankToUndefined = (v: string | undefined) =>
  v === undefined || v.trim() === '' ? undefined : v.trim();

function integer(env: Env, name: string, fallback: number): number {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** A comma-separated list. */
const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function optionalInteger(env: Env, name: string): number | undefined {
  return blankToUndefined(env[name]) === undefined ? undefined : integer(env, name, 0);
}

/** Reads the configuration from environment variables and checks it. */
export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000);
  const host = blankToUndefined(env.HOST) ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return checkConfig({
    port,
    host,
    dataDir: blankToUndefined(env.DATA_DIR) ?? './.data',
    databaseUrl: blankToUndefined(env.DATABASE_URL),
    // Keys pasted into env files often carry literal "\n".
    clerkJwtKey: blankToUndefined(env.CLERK_JWT_KEY)?.replace(/\\n/g, '\n'),
    clerkIssuer: blankToUndefined(env.CLERK_ISSUER)?.replace(/\/+$/, ''),
    clerkAuthorizedParties: list(env.CLERK_AUTHORIZED_PARTIES),
    cloudinaryUrl: blankToUndefined(env.CLOUDINARY_URL),
    powersyncUrl: blankToUndefined(env.POWERSYNC_URL)?.replace(/\/+$/, ''),
    publicUrl: (blankToUndefined(env.PUBLIC_URL) ?? `http://${urlHost}:${port}`).replace(/\/+$/, ''),
    nodeEnv: blankToUndefined(env.NODE_ENV) ?? 'development',
    logLevel: (blankToUndefined(env.LOG_LEVEL) ?? 'info') as Config['logLevel'],
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 600),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000),
    ipRateLimitMax: integer(env, 'IP_RATE_LIMIT_MAX', 600),
    connectionTimeoutMs: integer(env, 'CONNECTION_TIMEOUT_MS', 60_000),
    bodyTimeoutMs: integer(env, 'BODY_TIMEOUT_MS', 60_000),
    // A 25 MiB photo to the dev media store over a link of ≥ 240 kbit/s.
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 15 * 60_000),
    trustProxy: list(env.TRUST_PROXY),
    uploadRateLimitMax: integer(env, 'UPLOAD_RATE_LIMIT_MAX', 6_000),
    databasePoolMax: integer(env, 'DATABASE_POOL_MAX', 20),
    verdictRetentionDays: integer(env, 'VERDICT_RETENTION_DAYS', 30),
    powersyncJwtKey: blankToUndefined(env.POWERSYNC_JWT_KEY)?.replace(/\\n/g, '\n'),
    powersyncJwtPreviousKeys: blankToUndefined(env.POWERSYNC_JWT_PREVIOUS_KEYS)?.replace(/\\n/g, '\n'),
    powersyncJwtAudience: blankToUndefined(env.POWERSYNC_JWT_AUDIENCE) ?? 'vhd-powersync',
    powersyncTokenTtlS: integer(env, 'POWERSYNC_TOKEN_TTL_S', 600),
    powersyncKeyRotationDays: integer(env, 'POWERSYNC_KEY_ROTATION_DAYS', 30),
    mediaMaxBytes: optionalInteger(env, 'MEDIA_MAX_BYTES'),
    mediaMaxPixels: optionalInteger(env, 'MEDIA_MAX_PIXELS'),
    cloudinarySignatureAlgorithm: (blankToUndefined(env.CLOUDINARY_SIGNATURE_ALGORITHM)?.toLowerCase() ??
      'sha1') as Config['cloudinarySignatureAlgorithm'],
  });
}

const ENV_NAME: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  clerkJwtKey: 'CLERK_JWT_KEY',
  clerkIssuer: 'CLERK_ISSUER',
  clerkAuthorizedParties: 'CLERK_AUTHORIZED_PARTIES',
  cloudinaryUrl: 'CLOUDINARY_URL',
  powersyncUrl: 'POWERSYNC_URL',
  publicUrl: 'PUBLIC_URL',
  nodeEnv: 'NODE_ENV',
  logLevel: 'LOG_LEVEL',
  rateLimitMax: 'RATE_LIMIT_MAX',
  rateLimitWindowMs: 'RATE_LIMIT_WINDOW_MS',
  ipRateLimitMax: 'IP_RATE_LIMIT_MAX',
  connectionTimeoutMs: 'CONNECTION_TIMEOUT_MS',
  bodyTimeoutMs: 'BODY_TIMEOUT_MS',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  trustProxy: 'TRUST_PROXY',
  uploadRateLimitMax: 'UPLOAD_RATE_LIMIT_MAX',
  databasePoolMax: 'DATABASE_POOL_MAX',
  verdictRetentionDays: 'VERDICT_RETENTION_DAYS',
  powersyncJwtKey: 'POWERSYNC_JWT_KEY',
  powersyncJwtPreviousKeys: 'POWERSYNC_JWT_PREVIOUS_KEYS',
  powersyncJwtAudience: 'POWERSYNC_JWT_AUDIENCE',
  powersyncTokenTtlS: 'POWERSYNC_TOKEN_TTL_S',
  powersyncKeyRotationDays: 'POWERSYNC_KEY_ROTATION_DAYS',
  mediaMaxBytes: 'MEDIA_MAX_BYTES',
  mediaMaxPixels: 'MEDIA_MAX_PIXELS',
  cloudinarySignatureAlgorithm: 'CLOUDINARY_SIGNATURE_ALGORITHM',
};

/** Validates a configuration and refuses dev modes in production. Returns it unchanged. */
export function checkConfig(config: Config): Config {
  const errors = Value.Errors(ConfigSchema, config);
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const key = e.instancePath.replace(/^\//, '').split('/')[0] ?? '';
      return `${ENV_NAME[key] ?? (key || 'config')}: ${e.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${[...new Set(lines)].join('\n  ')}`);
  }
  const urlAlgorithm = config.cloudinaryUrl
    ? new URL(config.cloudinaryUrl).searchParams.get('signature_algorithm')
    : null;
  if (urlAlgorithm !== null && urlAlgorithm.toLowerCase() !== config.cloudinarySignatureAlgorithm) {
    throw new ConfigError(
      `CLOUDINARY_URL asks for signature_algorithm=${urlAlgorithm} but CLOUDINARY_SIGNATURE_ALGORITHM is ${config.cloudinarySignatureAlgorithm}: set CLOUDINARY_SIGNATURE_ALGORITHM (the one setting the server uses)`,
    );
  }
  if (config.nodeEnv === 'production') {
    const dev = [
      !config.clerkJwtKey && 'dev auth (set CLERK_JWT_KEY to your Clerk PEM public key)',
      !config.cloudinaryUrl && 'the dev media store (set CLOUDINARY_URL)',
      config.powersyncUrl && !config.powersyncJwtKey && 'generated PowerSync keys (set POWERSYNC_JWT_KEY)',
      faultPointsEnabled() && `fault points for trials (unset ${FAULT_POINTS_ENV})`,
    ].filter(Boolean);
    if (dev.length > 0) {
      throw new ConfigError(`NODE_ENV=production refuses to start with ${dev.join(' and ')}`);
    }
    const unreachable = config.cloudinaryUrl ? unreachablePublicUrl(config.publicUrl) : null;
    if (unreachable) {
      throw new ConfigError(
        `NODE_ENV=production with Cloudinary needs PUBLIC_URL to be this server's public https address (Cloudinary posts upload notifications to PUBLIC_URL/webhooks/cloudinary); PUBLIC_URL ${config.publicUrl} ${unreachable}`,
      );
    }
  }
  return config;
}

/**
 * Why Cloudinary could not post notifications to this base URL, or null. An unset PUBLIC_URL
 * defaults to http://HOST:PORT, which fails here too.
 */
export function unreachablePublicUrl(publicUrl: string): string | null {
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:') return 'is not https';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback =
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\./.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::';
  return loopback ? 'is a loopback address' : null;
}

export const usesDevAuth = (config: Config) => !config.clerkJwtKey;
export const usesDevMedia = (config: Config) => !config.cloudinaryUrl;

/** One line for the start-up banner. */
export function describeMode(config: Config): string {
  return [
    config.databaseUrl ? 'Postgres' : `PGlite (${config.dataDir}/pglite)`,
    usesDevAuth(config) ? 'dev auth' : 'Clerk auth',
    usesDevMedia(config) ? 'dev media store' : 'Cloudinary',
    config.powersyncUrl ? `PowerSync ${config.powersyncUrl}` : 'no PowerSync endpoint',
  ].join(', ');
}

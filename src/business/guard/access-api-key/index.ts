/**
 * @module guard.access.api-key: business access control (CAICT-AISF-2020 3(一)3). API keys are
 * stored as SHA-256 hashes (a leaked config does not leak keys), compared in constant time; each key
 * has roles a route can require. Optional JWT bearer tokens (jose) carry roles in a claim.
 */
import { createPublicKey, createSecretKey, hash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { z } from 'zod';
import { AisfError } from '../../../errors.js';
import { defineStep, type Principal, type StepContext, type StepResult } from '../step.js';

/** A stored key: id, SHA-256 hex of the secret, roles. */
export const ApiKeySchema = z
  .object({
    id: z.string().regex(/^[\w.-]{1,64}$/, 'key id: letters, digits, _ . - (max 64)'),
    sha256: z
      .string()
      .regex(
        /^[0-9a-f]{64}$/,
        'sha256 must be 64 lower-case hex digits: `printf %s "$KEY" | sha256sum`',
      ),
    roles: z.array(z.string().min(1)).default(['user']),
  })
  .strict();
export type ApiKey = z.output<typeof ApiKeySchema>;

/** JWS algorithms the guard accepts (RFC 7518 §3.1; EdDSA per RFC 8037). Never `none`. */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const;

export const JwtSchema = z
  .object({
    /** HS256 shared secret (≥ 32 bytes, RFC 7518 §3.2). */
    secret: z
      .string()
      .min(32, 'jwt.secret must have at least 32 characters (RFC 7518 §3.2)')
      .optional(),
    /** SPKI PEM public key for RS256/PS256/ES256/EdDSA. */
    publicKeyPem: z.string().optional(),
    /**
     * A JWKS file (RFC 7517 §5, `{"keys":[…]}`, e.g. the identity provider's jwks_uri saved to
     * disk) for RS256/PS256/ES256/EdDSA; the token's `kid`/`alg` pick the key. Relative paths
     * resolve against guard.yaml.
     */
    jwksFile: z.string().min(1).optional(),
    /** The one accepted algorithm when `algorithms` is not set. @default 'HS256' */
    algorithm: z.enum(JWT_ALGORITHMS).default('HS256'),
    /** Accepted algorithms (allow-list checked before the signature). @default [algorithm] */
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional(),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    /** Refuse tokens without `exp` (a token that never expires cannot be revoked). @default true */
    requireExp: z.boolean().default(true),
    /** Allowed clock skew for exp/nbf/iat in seconds (RFC 7519 §4.1.4). @default 0 */
    clockToleranceSec: z.number().int().min(0).max(300).default(0),
    /** Claim holding the roles array. @default 'roles' */
    rolesClaim: z.string().default('roles'),
  })
  .strict()
  .refine(
    (j) => j.secret !== undefined || j.publicKeyPem !== undefined || j.jwksFile !== undefined,
    { message: 'jwt needs secret (HS256), publicKeyPem or jwksFile' },
  )
  .refine(
    (j) => {
      // Key-confusion attack (CVE-2015-9235, CVE-2016-10555): a verifier that accepts both HMAC
      // and public-key algorithms can be fed a token "HMAC-signed" with the public key.
      const algs = j.algorithms ?? [j.algorithm];
      const hmac = algs.includes('HS256');
      return hmac
        ? algs.length === 1 && j.secret !== undefined && !j.publicKeyPem && !j.jwksFile
        : j.secret === undefined && (j.publicKeyPem !== undefined || j.jwksFile !== undefined);
    },
    {
      message:
        'jwt: HS256 goes with `secret` alone; RS256/PS256/ES256/EdDSA go with publicKeyPem or jwksFile and no secret (mixing them allows key confusion, CVE-2016-10555)',
      path: ['algorithms'],
    },
  );
export type JwtConfig = z.output<typeof JwtSchema>;

const ConfigSchema = z
  .object({
    step: z.literal('guard.access.api-key'),
    /** Roles allowed on this route (any of). @default ['user'] */
    roles: z.array(z.string()).default(['user']),
  })
  .strict();

/** SHA-256 hex of a key, as stored in guard.yaml. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Resolves the caller from `Authorization: Bearer …` or `x-api-key` (shared with the admin API). */
export class Authenticator {
  /** Keys by their hex digest, with the digest's bytes for the constant-time re-check. */
  private readonly byHash: Map<string, { key: ApiKey; digest: Buffer }>;
  private readonly verifyJwt: ((token: string) => ReturnType<typeof jwtVerify>) | undefined;

  constructor(
    keys: readonly ApiKey[],
    private readonly jwt: JwtConfig | undefined,
  ) {
    this.byHash = new Map(
      keys.map((k) => [k.sha256, { key: k, digest: Buffer.from(k.sha256, 'hex') }]),
    );
    if (jwt) {
      const options = {
        algorithms: jwt.algorithms ?? [jwt.algorithm],
        clockTolerance: jwt.clockToleranceSec,
        ...(jwt.requireExp ? { requiredClaims: ['exp'] } : {}),
        ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience ? { audience: jwt.audience } : {}),
      };
      if (jwt.jwksFile) {
        const jwks = createLocalJWKSet(readJwks(jwt.jwksFile));
        this.verifyJwt = (token) => jwtVerify(token, jwks, options);
      } else {
        const key = jwt.secret
          ? createSecretKey(Buffer.from(jwt.secret))
          : publicKeyFromPem(jwt.publicKeyPem ?? '');
        this.verifyJwt = (token) => jwtVerify(token, key, options);
      }
    }
  }

  /** The principal, or undefined when no valid credential was presented. */
  async authenticate(headers: Headers): Promise<Principal | undefined> {
    const auth = headers.get('authorization') ?? '';
    const bearer = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
    const raw = headers.get('x-api-key') ?? bearer;
    if (!raw) return undefined;
    const digest = hash('sha256', raw, 'buffer');
    const stored = this.byHash.get(digest.toString('hex'));
    // Map lookup by hash already avoids comparing secrets; re-check in constant time anyway.
    if (stored && timingSafeEqual(stored.digest, digest)) {
      return { id: stored.key.id, roles: stored.key.roles, via: 'api-key' };
    }
    if (this.jwt && this.verifyJwt && raw.split('.').length === 3) {
      try {
        // jose checks the alg allow-list (so `none` and HS/RS confusion fail), the signature,
        // exp/nbf (with the tolerance), and iss/aud when configured.
        const { payload } = await this.verifyJwt(raw);
        const roles = payload[this.jwt.rolesClaim];
        return {
          id: `jwt:${String(payload.sub ?? 'unknown')}`,
          roles: Array.isArray(roles) ? roles.map(String) : [],
          via: 'jwt',
        };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

function publicKeyFromPem(pem: string) {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new AisfError('E_CONFIG', 'jwt.publicKeyPem is not a PEM public key (SPKI)', { cause });
  }
}

/** Reads and checks a JWKS file: `{"keys":[…]}` with public keys only. */
function readJwks(path: string): JSONWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new AisfError('E_CONFIG', `jwt.jwksFile: cannot read ${path} as JSON`, { cause });
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new AisfError('E_CONFIG', `jwt.jwksFile: ${path} must hold {"keys":[…]} (RFC 7517 §5)`);
  }
  keys.forEach((k, i) => {
    const jwk = k as Record<string, unknown> | null;
    if (!jwk || typeof jwk.kty !== 'string') {
      throw new AisfError('E_CONFIG', `jwt.jwksFile: keys[${i}] has no kty`);
    }
    // A private (d) or symmetric (k) member in a verification key set is a leaked secret.
    if ('d' in jwk || 'k' in jwk) {
      throw new AisfError(
        'E_CONFIG',
        `jwt.jwksFile: keys[${i}] holds private or symmetric key material; publish public keys only`,
      );
    }
  });
  return value as JSONWebKeySet;
}

/**
 * The API-key / JWT step. 401 without a valid credential, 403 without a required role.
 *
 * @example
 * // guard.yaml: pipeline: [{ step: guard.access.api-key, roles: [user] }]
 */
export const apiKeyStep = defineStep({
  id: 'guard.access.api-key',
  title: { zh: '访问控制（API 密钥/JWT）', en: 'Access control (API key / JWT)' },
  techniqueIds: ['tech.business.security-mechanism.access-control'],
  measureIds: ['measure.tech.4-2-2-a'],
  configSchema: ConfigSchema,
  create(config, services) {
    const authenticator = services.authenticator;
    return {
      id: 'guard.access.api-key',
      async onRequest(ctx: StepContext): Promise<StepResult> {
        const principal = await authenticator.authenticate(ctx.headers);
        if (!principal) {
          ctx.fired.push('guard.access.api-key:unauthenticated');
          return {
            action: 'block',
            status: 401,
            code: 'E_GUARD_UNAUTHENTICATED',
            reason: 'missing or invalid API key; send "Authorization: Bearer <key>"',
            headers: { 'www-authenticate': 'Bearer' },
          };
        }
        ctx.principal = principal;
        if (!config.roles.some((role) => principal.roles.includes(role))) {
          ctx.fired.push('guard.access.api-key:forbidden');
          return {
            action: 'block',
            status: 403,
            code: 'E_GUARD_FORBIDDEN',
            reason: `this route needs one of the roles ${config.roles.join(', ')}`,
          };
        }
        return { action: 'allow' };
      },
    };
  },
});

/**
 * @module guard.access.api-key: business access control (CAICT-AISF-2020 3(一)3). API keys are
 * stored as SHA-256 hashes (a leaked config does not leak keys), compared in constant time; each key
 * has roles a route can require. Optional JWT bearer tokens (jose) carry roles in a claim.
 */
import { createHash, createSecretKey, timingSafeEqual } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { z } from 'zod';
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

export const JwtSchema = z
  .object({
    /** HS256 shared secret (≥ 32 bytes, RFC 7518 §3.2). */
    secret: z
      .string()
      .min(32, 'jwt.secret must have at least 32 characters (RFC 7518 §3.2)')
      .optional(),
    /** SPKI PEM public key for RS256/ES256/EdDSA. */
    publicKeyPem: z.string().optional(),
    algorithm: z.enum(['HS256', 'RS256', 'ES256', 'EdDSA']).default('HS256'),
    issuer: z.string().optional(),
    audience: z.string().optional(),
    /** Claim holding the roles array. @default 'roles' */
    rolesClaim: z.string().default('roles'),
  })
  .strict()
  .refine((j) => j.secret !== undefined || j.publicKeyPem !== undefined, {
    message: 'jwt needs secret (HS256) or publicKeyPem',
  });
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
  return createHash('sha256').update(key).digest('hex');
}

/** Resolves the caller from `Authorization: Bearer …` or `x-api-key` (shared with the admin API). */
export class Authenticator {
  private readonly byHash: Map<string, ApiKey>;
  private jwtKey: Promise<Parameters<typeof jwtVerify>[1]> | undefined;

  constructor(
    keys: readonly ApiKey[],
    private readonly jwt: JwtConfig | undefined,
  ) {
    this.byHash = new Map(keys.map((k) => [k.sha256, k]));
    if (jwt) {
      this.jwtKey = jwt.secret
        ? Promise.resolve(createSecretKey(Buffer.from(jwt.secret)))
        : importSPKI(jwt.publicKeyPem ?? '', jwt.algorithm);
    }
  }

  /** The principal, or undefined when no valid credential was presented. */
  async authenticate(headers: Headers): Promise<Principal | undefined> {
    const auth = headers.get('authorization') ?? '';
    const bearer = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
    const raw = headers.get('x-api-key') ?? bearer;
    if (!raw) return undefined;
    const digest = hashApiKey(raw);
    const key = this.byHash.get(digest);
    // Map lookup by hash already avoids comparing secrets; re-check in constant time anyway.
    if (key && timingSafeEqual(Buffer.from(key.sha256, 'hex'), Buffer.from(digest, 'hex'))) {
      return { id: key.id, roles: key.roles, via: 'api-key' };
    }
    if (this.jwt && this.jwtKey && raw.split('.').length === 3) {
      try {
        const { payload } = await jwtVerify(raw, (await this.jwtKey) as Uint8Array, {
          algorithms: [this.jwt.algorithm],
          ...(this.jwt.issuer ? { issuer: this.jwt.issuer } : {}),
          ...(this.jwt.audience ? { audience: this.jwt.audience } : {}),
        });
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

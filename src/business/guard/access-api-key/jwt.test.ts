import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGuardConfig } from '../config.js';
import { Authenticator, JwtSchema } from './index.js';

// Real tokens signed with freshly generated keys (node:crypto), verified through the same
// Authenticator the guard uses. Attacks: RFC 8725 §2.1 (alg none), §2.2/CVE-2016-10555 (HS/RS key
// confusion), expired / not-yet-valid tokens (RFC 7519 §4.1.4–5), wrong issuer / audience.

const dir = mkdtempSync(join(tmpdir(), 'aisf-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

async function jwksFile(entries: [KeyObject, string, string][]): Promise<string> {
  const keys = await Promise.all(
    entries.map(async ([key, kid, alg]) => ({ ...(await exportJWK(key)), kid, alg, use: 'sig' })),
  );
  const path = join(dir, `jwks-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ keys }));
  return path;
}

const now = () => Math.floor(Date.now() / 1000);

function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  claims: Record<string, unknown> = {},
  kid?: string,
  times: { exp?: number | null; nbf?: number } = {},
): Promise<string> {
  let jwt = new SignJWT({
    roles: ['user'],
    sub: 'bob',
    iss: 'https://idp.example',
    aud: 'aisf-guard',
    ...claims,
  })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt();
  if (times.exp !== null) jwt = jwt.setExpirationTime(times.exp ?? now() + 300);
  if (times.nbf !== undefined) jwt = jwt.setNotBefore(times.nbf);
  return jwt.sign(key);
}

const headers = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const b64url = (x: string | Buffer) => Buffer.from(x).toString('base64url');

function auth(jwt: Record<string, unknown>): Authenticator {
  return new Authenticator(
    [],
    JwtSchema.parse({ issuer: 'https://idp.example', audience: 'aisf-guard', ...jwt }),
  );
}

describe('JWT beyond HS256', () => {
  it('RS256, ES256 and EdDSA tokens verify against a JWKS file (key picked by kid)', async () => {
    const file = await jwksFile([
      [rsa.publicKey, 'rsa-1', 'RS256'],
      [ec.publicKey, 'ec-1', 'ES256'],
      [ed.publicKey, 'ed-1', 'EdDSA'],
    ]);
    const a = auth({ jwksFile: file, algorithms: ['RS256', 'ES256', 'EdDSA'] });
    for (const [key, alg, kid] of [
      [rsa.privateKey, 'RS256', 'rsa-1'],
      [ec.privateKey, 'ES256', 'ec-1'],
      [ed.privateKey, 'EdDSA', 'ed-1'],
    ] as const) {
      const principal = await a.authenticate(headers(await sign(key, alg, {}, kid)));
      expect(principal).toEqual({ id: 'jwt:bob', roles: ['user'], via: 'jwt' });
    }
    // A key that is not in the set, even with a known kid, fails.
    expect(await a.authenticate(headers(await sign(other.privateKey, 'EdDSA', {}, 'ed-1')))).toBe(
      undefined,
    );
  });

  it('ES256 with a PEM public key', async () => {
    const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const a = auth({ publicKeyPem: pem, algorithm: 'ES256' });
    expect((await a.authenticate(headers(await sign(ec.privateKey, 'ES256'))))?.id).toBe('jwt:bob');
  });

  it('rejects alg none and an algorithm outside the allow-list', async () => {
    const file = await jwksFile([[ed.publicKey, 'ed-1', 'EdDSA']]);
    const a = auth({ jwksFile: file, algorithm: 'EdDSA' });
    const payload = b64url(
      JSON.stringify({
        sub: 'bob',
        roles: ['admin'],
        iss: 'https://idp.example',
        aud: 'aisf-guard',
        exp: now() + 300,
      }),
    );
    const none = `${b64url('{"alg":"none","typ":"JWT"}')}.${payload}.`;
    expect(await a.authenticate(headers(none))).toBe(undefined);
    // RS256 token while only EdDSA is accepted (the key exists in no allowed form).
    const rsFile = await jwksFile([[rsa.publicKey, 'rsa-1', 'RS256']]);
    const onlyEd = auth({ jwksFile: rsFile, algorithm: 'EdDSA' });
    expect(
      await onlyEd.authenticate(headers(await sign(rsa.privateKey, 'RS256', {}, 'rsa-1'))),
    ).toBe(undefined);
  });

  it('rejects HS256 forged with the RSA public key as HMAC secret (CVE-2016-10555)', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const a = auth({ publicKeyPem: pem, algorithm: 'RS256' });
    const header = b64url('{"alg":"HS256","typ":"JWT"}');
    const payload = b64url(
      JSON.stringify({
        sub: 'mallory',
        roles: ['admin'],
        iss: 'https://idp.example',
        aud: 'aisf-guard',
        exp: now() + 300,
      }),
    );
    const sig = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    expect(await a.authenticate(headers(`${header}.${payload}.${sig}`))).toBe(undefined);
    // …and the config refuses to accept both families at once.
    expect(() => JwtSchema.parse({ publicKeyPem: pem, algorithms: ['RS256', 'HS256'] })).toThrow(
      /key confusion/,
    );
  });

  it('exp, nbf, iss and aud are enforced; exp is required by default', async () => {
    const pem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const a = auth({ publicKeyPem: pem, algorithm: 'EdDSA' });
    const ok = await sign(ed.privateKey, 'EdDSA');
    expect((await a.authenticate(headers(ok)))?.id).toBe('jwt:bob');
    const expired = await sign(ed.privateKey, 'EdDSA', {}, undefined, { exp: now() - 10 });
    expect(await a.authenticate(headers(expired))).toBe(undefined);
    const early = await sign(ed.privateKey, 'EdDSA', {}, undefined, { nbf: now() + 60 });
    expect(await a.authenticate(headers(early))).toBe(undefined);
    const noExp = await sign(ed.privateKey, 'EdDSA', {}, undefined, { exp: null });
    expect(await a.authenticate(headers(noExp))).toBe(undefined);
    const lenient = auth({
      publicKeyPem: pem,
      algorithm: 'EdDSA',
      requireExp: false,
      clockToleranceSec: 30,
    });
    expect((await lenient.authenticate(headers(noExp)))?.id).toBe('jwt:bob');
    expect((await lenient.authenticate(headers(expired)))?.id).toBe('jwt:bob');
    const wrongIss = await sign(ed.privateKey, 'EdDSA', { iss: 'https://evil.example' });
    expect(await a.authenticate(headers(wrongIss))).toBe(undefined);
    const wrongAud = await sign(ed.privateKey, 'EdDSA', { aud: 'another-api' });
    expect(await a.authenticate(headers(wrongAud))).toBe(undefined);
  });

  it('config errors name the field: private key material in the JWKS, missing key', async () => {
    const leaked = join(dir, 'leaked.json');
    writeFileSync(
      leaked,
      JSON.stringify({ keys: [{ ...(await exportJWK(ed.privateKey)), kid: 'x' }] }),
    );
    expect(() => auth({ jwksFile: leaked, algorithm: 'EdDSA' })).toThrow(/keys\[0\].*private/);
    expect(() => auth({ jwksFile: join(dir, 'missing.json'), algorithm: 'EdDSA' })).toThrow(
      /jwt.jwksFile/,
    );
    expect(() => parseGuardConfig({ jwt: { algorithm: 'RS256' }, routes: [] })).toThrow(
      /jwt: jwt needs secret/,
    );
  });
});

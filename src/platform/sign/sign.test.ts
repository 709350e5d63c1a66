/**
 * Signing and verification: DSSE PAE against the spec's example, the v1.0 subject digest
 * recomputed independently, and tamper detection (modified, added, removed files, altered
 * manifest, wrong key).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AisfError } from '../../errors.js';
import { pae, signModel, verifyModel } from './index.js';

let dir: string;
let keys: string;

function keyPair(name: string, type: 'ed25519' | 'ec' = 'ed25519') {
  const { privateKey, publicKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');
  writeFileSync(join(keys, `${name}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(keys, `${name}.pub`), publicKey.export({ type: 'spki', format: 'pem' }));
  return { pem: join(keys, `${name}.pem`), pub: join(keys, `${name}.pub`) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aisf-sign-'));
  keys = mkdtempSync(join(tmpdir(), 'aisf-keys-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'model.safetensors'), 'weights');
  writeFileSync(join(dir, 'config.json'), '{"a":1}');
  writeFileSync(join(dir, 'sub', 'tokenizer.json'), '{}');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(keys, { recursive: true, force: true });
});

describe('DSSE', () => {
  it('PAE matches the DSSE v1 protocol example', () => {
    // github.com/secure-systems-lab/dsse protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });
});

describe('sign and verify', () => {
  it('writes a v1.0 statement whose subject digest is SHA-256 over the sorted file digests', async () => {
    const { pem } = keyPair('k');
    const { statement } = await signModel(dir, pem);
    const h = (s: string) => createHash('sha256').update(s).digest();
    const expected = createHash('sha256')
      .update(Buffer.concat([h('{"a":1}'), h('weights'), h('{}')])) // config.json, model.safetensors, sub/tokenizer.json
      .digest('hex');
    expect(statement.predicate.resources.map((r) => r.name)).toEqual([
      'config.json',
      'model.safetensors',
      'sub/tokenizer.json',
    ]);
    expect(statement.subject[0]?.digest.sha256).toBe(expected);
    expect(statement.predicateType).toBe('https://model_signing/signature/v1.0');
  });

  it.each(['ed25519', 'ec'] as const)('verifies an untouched folder (%s key)', async (type) => {
    const { pem, pub } = keyPair('k', type);
    await signModel(dir, pem);
    const result = await verifyModel(dir, pub);
    expect(result).toMatchObject({ ok: true, files: 3, problems: [] });
  });

  it('detects a modified, an added and a removed file', async () => {
    const { pem, pub } = keyPair('k');
    await signModel(dir, pem);
    writeFileSync(join(dir, 'model.safetensors'), 'weightz');
    writeFileSync(join(dir, 'extra.bin'), 'x');
    unlinkSync(join(dir, 'sub', 'tokenizer.json'));
    const result = await verifyModel(dir, pub);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => `${p.problem}:${p.path}`).sort()).toEqual([
      'missing:sub/tokenizer.json',
      'modified:model.safetensors',
      'unsigned:extra.bin',
    ]);
  });

  it('rejects a tampered manifest and a wrong key', async () => {
    const { pem, pub } = keyPair('k');
    const other = keyPair('other');
    await signModel(dir, pem);
    expect((await verifyModel(dir, other.pub)).problems[0]?.problem).toBe('signature');
    const sigPath = join(dir, 'model.sig');
    const bundle = JSON.parse(readFileSync(sigPath, 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    statement.predicate.resources[0].digest = '0'.repeat(64);
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(sigPath, JSON.stringify(bundle));
    const result = await verifyModel(dir, pub);
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.problem).toBe('signature');
  });

  it('refuses a non-key file and a missing signature with input errors', async () => {
    writeFileSync(join(keys, 'bad.pem'), 'not a key');
    await expect(signModel(dir, join(keys, 'bad.pem'))).rejects.toBeInstanceOf(AisfError);
    const { pub } = keyPair('k');
    await expect(verifyModel(dir, pub)).rejects.toThrow(/sign the folder first/);
  });
});

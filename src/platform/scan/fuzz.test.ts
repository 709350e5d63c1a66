/**
 * Property tests (fast-check, fixed seeds) for every parser of untrusted bytes: random and
 * mutated inputs never crash a scanner with anything but a parse error, finish quickly, and a
 * truncated file is never reported clean.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_SCANNERS } from './formats.js';
import { preloadScanners, scanBytes } from './scan.js';
import { ScanSession } from './session.js';
import { BufferSource } from './source.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else out.push(full);
  }
  return out;
}

const CORPUS = [...files(join(FIXTURES, 'benign')), ...files(join(FIXTURES, 'malicious'))].filter(
  (f) => statSync(f).size < 256 * 1024,
);
const SEEDS = CORPUS.map((f) => ({
  name: f.slice(FIXTURES.length),
  bytes: new Uint8Array(readFileSync(f)),
}));
// Internal failures (TypeError etc.) are reported with this prefix; parse errors are not.
const BUG = /scanner failed:/;
const SMALL = { limits: { maxMemberBytes: 8 * 1024 * 1024, maxTotalBytes: 32 * 1024 * 1024 } };

beforeAll(async () => {
  await preloadScanners();
});

function forced(id: string, bytes: Uint8Array, name = 'x') {
  const session = new ScanSession(FORMAT_SCANNERS, SMALL);
  session.scanBlob(
    { source: new BufferSource(bytes), name, location: { file: name }, depth: 0 },
    id,
  );
  return session;
}

describe('every format scanner survives random bytes', () => {
  it.each(FORMAT_SCANNERS.map((s) => [s.id]))('%s', (id) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const started = performance.now();
        const session = forced(id, bytes);
        expect(session.errors.map((e) => e.message).join('\n')).not.toMatch(BUG);
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { numRuns: id === 'hdf5' ? 60 : 400, seed: 42 },
    );
  });
});

describe('mutated real files', () => {
  it('single-byte mutations, insertions and deletions never crash a scanner', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SEEDS.length - 1 }),
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })),
          { minLength: 1, maxLength: 8 },
        ),
        (which, edits) => {
          const seed = SEEDS[which] as (typeof SEEDS)[number];
          let b = Array.from(seed.bytes);
          for (const [pos, value, kind] of edits) {
            const i = b.length === 0 ? 0 : pos % b.length;
            if (kind === 0) b[i] = value;
            else if (kind === 1) b.splice(i, 0, value);
            else b.splice(i, 1);
          }
          const started = performance.now();
          const result = scanBytes(new Uint8Array(b), seed.name, SMALL);
          expect(result.errors.map((e) => e.message).join('\n'), seed.name).not.toMatch(BUG);
          expect(performance.now() - started).toBeLessThan(3000);
          b = [];
        },
      ),
      { numRuns: 1500, seed: 1234 },
    );
  });
});

// Protobuf (ONNX, SavedModel) and text formats have no end marker a cut could break at a field
// boundary; every other format must notice truncation.
const DELIMITED = /\.(pt|pth|ckpt|pkl|pickle|npy|npz|joblib|keras|h5|safetensors|gguf|tar|zip|gz)$/;

describe('truncated files are never clean', () => {
  it('cuts at every eighth of the file', () => {
    let checked = 0;
    for (const seed of SEEDS.filter((s) => DELIMITED.test(s.name))) {
      for (let k = 1; k < 8; k++) {
        const cut = Math.floor((seed.bytes.length * k) / 8);
        // Cutting only zero padding (tar records) removes no content.
        if (cut === 0 || seed.bytes.subarray(cut).every((b) => b === 0)) continue;
        const result = scanBytes(seed.bytes.subarray(0, cut), seed.name, SMALL);
        expect(result.verdict, `${seed.name} cut at ${cut}/${seed.bytes.length}`).not.toBe('clean');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});

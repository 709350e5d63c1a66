import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  leafHash,
  MerkleFrontier,
  MerkleTree,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// Certificate Transparency reference vectors (certificate-transparency merkle_tree_test.cc,
// transparency-dev/merkle testonly): leaf inputs and the root over the first n leaves.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

describe('RFC 9162 Merkle tree (CT reference vectors)', () => {
  const tree = new MerkleTree(LEAVES.map(leafHash));

  it('empty root and the eight reference roots', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    for (let n = 1; n <= 8; n++) expect(tree.root(n).toString('hex')).toBe(ROOTS[n - 1]);
  });

  it('reference inclusion proofs', () => {
    expect(hex(tree.inclusionProof(0, 8))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hex(tree.inclusionProof(1, 5))).toEqual([
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
    expect(hex(tree.inclusionProof(2, 3))).toEqual([ROOTS[1]]);
    expect(hex(tree.inclusionProof(5, 8))).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('reference consistency proofs', () => {
    expect(hex(tree.consistencyProof(3, 8))).toEqual([
      '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
      '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hex(tree.consistencyProof(2, 5))).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
    expect(hex(tree.consistencyProof(6, 8))).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(tree.consistencyProof(8, 8)).toEqual([]);
  });

  it('property: every generated proof verifies, and a flipped leaf or root does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (n, a, b) => {
        const t = new MerkleTree(
          Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`))),
        );
        const i = a % n;
        const m = (b % n) + 1;
        const root = t.root(n);
        const leaf = leafHash(Buffer.from(`leaf ${i}`));
        expect(verifyInclusion(i, n, leaf, t.inclusionProof(i, n), root)).toBe(true);
        expect(
          verifyInclusion(i, n, leafHash(Buffer.from('x')), t.inclusionProof(i, n), root),
        ).toBe(false);
        const proof = t.consistencyProof(m, n);
        expect(verifyConsistency(m, n, t.root(m), root, proof)).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, t.root(m), EMPTY_ROOT, proof)).toBe(false);
      }),
      { numRuns: 150, seed: 3 },
    );
  });
});

describe("MerkleFrontier (the writer's O(log n) right edge)", () => {
  it('matches the CT reference roots', () => {
    const frontier = new MerkleFrontier();
    expect(frontier.root().toString('hex')).toBe(EMPTY_ROOT.toString('hex'));
    LEAVES.forEach((leaf, i) => {
      frontier.push(leafHash(leaf));
      expect(frontier.size).toBe(i + 1);
      expect(frontier.root().toString('hex')).toBe(ROOTS[i]);
    });
  });

  it('matches the full tree at every size up to 300', () => {
    const frontier = new MerkleFrontier();
    const tree = new MerkleTree();
    for (let n = 1; n <= 300; n++) {
      const leaf = leafHash(Buffer.from(`leaf ${n}`));
      frontier.push(leaf);
      tree.push(leaf);
      expect(frontier.root().equals(tree.root()), `size ${n}`).toBe(true);
    }
  });
});

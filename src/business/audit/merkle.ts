/**
 * @module RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs, and their
 * verification. Leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ left ‖ right); the
 * domain separation defeats second-preimage attacks that splice an inner node in as a leaf.
 */
import { createHash } from 'node:crypto';

/** SHA-256(0x00 ‖ data): the RFC 9162 leaf hash. */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 ‖ left ‖ right): the RFC 9162 interior node hash. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);
/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT = createHash('sha256').digest();

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * All perfect subtrees of a tree over leaf hashes, so any MTH(D[a:b]) that appears in the RFC
 * 9162 recursion costs O(log n) and proofs cost O(log² n).
 *
 * @example
 * const tree = new MerkleTree([leafHash(Buffer.from('a'))]);
 * tree.root(1); // = leafHash('a')
 */
export class MerkleTree {
  private readonly levels: Buffer[][] = [[]];

  constructor(leafHashes: readonly Buffer[] = []) {
    for (const hash of leafHashes) this.push(hash);
  }

  get size(): number {
    return this.levels[0]?.length ?? 0;
  }

  /** Appends one leaf hash, completing the perfect subtrees it closes. */
  push(hash: Buffer): void {
    (this.levels[0] as Buffer[]).push(hash);
    let level = 0;
    let index = this.size - 1;
    while (index % 2 === 1) {
      const row = this.levels[level] as Buffer[];
      const parent = nodeHash(row[index - 1] as Buffer, row[index] as Buffer);
      level++;
      if (!this.levels[level]) this.levels[level] = [];
      (this.levels[level] as Buffer[]).push(parent);
      index = (index - 1) / 2;
    }
  }

  /** MTH of D[start : start+size] (size ≥ 1, ranges from the RFC recursion only). */
  hash(start: number, size: number): Buffer {
    if ((size & (size - 1)) === 0) {
      const level = Math.log2(size);
      const node = this.levels[level]?.[start / size];
      if (!node) throw new RangeError(`no subtree at ${start}+${size}`);
      return node;
    }
    const k = largestPowerOfTwoBelow(size);
    return nodeHash(this.hash(start, k), this.hash(start + k, size - k));
  }

  /** The root over the first `size` leaves (default all). */
  root(size = this.size): Buffer {
    if (size > this.size || size < 0) throw new RangeError(`tree has ${this.size} leaves`);
    return size === 0 ? EMPTY_ROOT : this.hash(0, size);
  }

  /** PATH(m, D[n]): the inclusion proof of leaf m in the tree of size n (RFC 9162 §2.1.3.1). */
  inclusionProof(m: number, n: number = this.size): Buffer[] {
    if (m < 0 || m >= n || n > this.size) throw new RangeError(`leaf ${m} not in tree of ${n}`);
    const proof: Buffer[] = [];
    const walk = (index: number, start: number, size: number): void => {
      if (size === 1) return;
      const k = largestPowerOfTwoBelow(size);
      if (index < k) {
        walk(index, start, k);
        proof.push(this.hash(start + k, size - k));
      } else {
        walk(index - k, start + k, size - k);
        proof.push(this.hash(start, k));
      }
    };
    walk(m, 0, n);
    return proof;
  }

  /** PROOF(m, D[n]): the consistency proof between sizes m and n (RFC 9162 §2.1.4.1). */
  consistencyProof(m: number, n: number = this.size): Buffer[] {
    if (m < 1 || m > n || n > this.size) throw new RangeError(`bad sizes ${m} → ${n}`);
    const proof: Buffer[] = [];
    const sub = (mm: number, start: number, size: number, complete: boolean): void => {
      if (mm === size) {
        if (!complete) proof.push(this.hash(start, size));
        return;
      }
      const k = largestPowerOfTwoBelow(size);
      if (mm <= k) {
        sub(mm, start, k, complete);
        proof.push(this.hash(start + k, size - k));
      } else {
        sub(mm - k, start + k, size - k, false);
        proof.push(this.hash(start, k));
      }
    };
    sub(m, 0, n, true);
    return proof;
  }
}

/**
 * The right edge of an append-only RFC 9162 tree: the roots of its perfect subtrees, one per set
 * bit of the size (the "compact range" of transparency-dev/merkle). Appending and the root cost
 * O(log n) hashes and the memory stays O(log n) — the writer needs nothing else, whereas keeping
 * every leaf (`MerkleTree`) grows the heap by every record the log ever appended (which the
 * garbage collector then re-marks on every major collection: tail latency for the guard).
 *
 * @example
 * const frontier = new MerkleFrontier();
 * frontier.push(leafHash(Buffer.from('a')));
 * frontier.root(); // = leafHash('a')
 */
export class MerkleFrontier {
  /** Subtree roots, largest (leftmost) first; `sizes[i]` is a power of two, strictly decreasing. */
  private readonly hashes: Buffer[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends one leaf hash, merging the equal-sized subtrees it completes (a binary carry). */
  push(hash: Buffer): void {
    let node = hash;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      node = nodeHash(this.hashes.pop() as Buffer, node);
      size *= 2;
    }
    this.hashes.push(node);
    this.sizes.push(size);
    this.count++;
  }

  /**
   * MTH over all leaves: the subtree roots folded right to left, which is the RFC 9162 §2.1.1
   * recursion MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])) with k the largest power of two
   * below n, applied down the right edge.
   */
  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let acc = this.hashes[this.hashes.length - 1] as Buffer;
    for (let i = this.hashes.length - 2; i >= 0; i--) acc = nodeHash(this.hashes[i] as Buffer, acc);
    return acc;
  }
}

/** Verifies an inclusion proof (RFC 9162 §2.1.3.2). */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (index >= treeSize || index < 0) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** Verifies a consistency proof between two tree heads (RFC 9162 §2.1.4.2). */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Buffer;
  let sr = path[0] as Buffer;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/** @module Random bits for the DP mechanisms: a CSPRNG by default, a seeded deterministic stream for tests. */
import { createCipheriv, createHash, randomFillSync } from 'node:crypto';

/**
 * A source of uniformly random bytes. The mechanisms draw only bits from it (never
 * `Math.random`, whose xorshift128+ state can be recovered from a few outputs).
 */
export interface RandomSource {
  /** Fills the array with uniform random bytes. */
  fill(bytes: Uint8Array): void;
  /** `crypto` or `seeded:<seed>`, recorded in results so a release says how it was drawn. */
  readonly name: string;
}

/**
 * The operating system CSPRNG (node:crypto `randomFillSync`); the default of every mechanism.
 *
 * @example
 * const rng = cryptoRandom();
 */
export function cryptoRandom(): RandomSource {
  return {
    name: 'crypto',
    fill(bytes) {
      randomFillSync(bytes);
    },
  };
}

/**
 * A deterministic stream for reproducible tests and audits: the AES-256-CTR keystream under
 * key SHA-256("aisf/dp/seed/v1\0" + seed), zero IV. Cryptographically strong for a secret seed,
 * but anyone who knows the seed can reproduce the noise — never use a public seed for a release.
 *
 * @example
 * const rng = seededRandom(42);
 */
export function seededRandom(seed: string | number | bigint): RandomSource {
  const key = createHash('sha256')
    .update(`aisf/dp/seed/v1\0${String(seed)}`)
    .digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = new Uint8Array(4096);
  let pool = new Uint8Array(0);
  let offset = 0;
  return {
    name: `seeded:${String(seed)}`,
    fill(bytes) {
      let written = 0;
      while (written < bytes.length) {
        if (offset >= pool.length) {
          pool = new Uint8Array(cipher.update(zeros));
          offset = 0;
        }
        const n = Math.min(bytes.length - written, pool.length - offset);
        bytes.set(pool.subarray(offset, offset + n), written);
        written += n;
        offset += n;
      }
    },
  };
}

/**
 * Buffered bit reader over a RandomSource, with the exact integer samplers everything else
 * builds on.
 */
export class RandomBits {
  readonly source: RandomSource;
  readonly #buffer = new Uint8Array(1024);
  #offset = 1024;

  constructor(source: RandomSource = cryptoRandom()) {
    this.source = source;
  }

  /** One uniform byte. */
  byte(): number {
    if (this.#offset >= this.#buffer.length) {
      this.source.fill(this.#buffer);
      this.#offset = 0;
    }
    return this.#buffer[this.#offset++] as number;
  }

  /** A uniform BigInt of `bits` bits, in [0, 2^bits). */
  bits(bits: number): bigint {
    let value = 0n;
    let remaining = bits;
    while (remaining >= 8) {
      value = (value << 8n) | BigInt(this.byte());
      remaining -= 8;
    }
    if (remaining > 0)
      value = (value << BigInt(remaining)) | BigInt(this.byte() >> (8 - remaining));
    return value;
  }

  /** A uniform BigInt in [0, n), n ≥ 1, by rejection (no modulo bias). */
  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError('below(n) needs n ≥ 1');
    if (n === 1n) return 0n;
    const bits = (n - 1n).toString(2).length;
    for (;;) {
      const candidate = this.bits(bits);
      if (candidate < n) return candidate;
    }
  }

  /** Bernoulli(num/den) exactly, for 0 ≤ num ≤ den. */
  bernoulli(num: bigint, den: bigint): boolean {
    return this.below(den) < num;
  }

  /**
   * A uniform double in [0, 1) on the 2^-53 grid (53 random bits). Used only where a
   * float is unavoidable (the quantile's position inside its chosen interval).
   */
  uniform53(): number {
    return Number(this.bits(53)) / 2 ** 53;
  }
}

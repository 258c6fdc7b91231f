/**
 * Seedable, clonable pseudo-random numbers (xoshiro128**, seeded by splitmix32).
 *
 * Every source of randomness in prunus is a {@link Random}: a run is reproducible from
 * its `--seed`, and `clone()` lets two consumers replay the same stream.
 */

/** A seedable, clonable generator of uniform and normal variates. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second normal variate of the last Box–Muller pair, or NaN when none is cached. */
  private spareNormal = Number.NaN;

  /**
   * @param seed any finite number; equal seeds give equal streams.
   * @example
   * const rng = new Random(42);
   * rng.uniform(); // in [0, 1)
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    // splitmix32 spreads any seed (also 0 and small integers) over the whole 128-bit state.
    let x = (Math.trunc(seed) ^ Math.trunc((seed % 1) * 0x7fffffff)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent copy that will produce exactly the same future stream. */
  clone(): Random {
    const copy = Object.create(Random.prototype) as Random;
    copy.s0 = this.s0;
    copy.s1 = this.s1;
    copy.s2 = this.s2;
    copy.s3 = this.s3;
    copy.spareNormal = this.spareNormal;
    return copy;
  }

  /** A new generator seeded from this one's stream (for splitting work reproducibly). */
  fork(): Random {
    return new Random(this.nextUint32() * 4294967296 + this.nextUint32());
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform variate in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Random.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal variate (Box–Muller; the pair's second value is cached). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = Number.NaN;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) would be -Infinity
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A Float64Array of `n` standard normal variates. */
  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

import { describe, expect, it } from 'vitest';
import { generateSynthetic, syntheticCovariance, syntheticMean } from '../../src/data/synthetic.js';
import { cholesky } from '../../src/linalg/cholesky.js';

/**
 * Sample mean and (unbiased) covariance of K vectors of length d, and a check of each against
 * the true value within `z` standard errors. For Gaussian vectors the standard error of a
 * sample mean is sqrt(Σ_ii / K) and that of a sample covariance about
 * sqrt((Σ_ii Σ_jj + Σ_ij²) / (K - 1)).
 */
function expectMoments(samples: Float64Array[], d: number, entries: Array<[number, number]>, z: number): void {
  const k = samples.length;
  const mean = syntheticMean(d);
  const sigma = syntheticCovariance(d);
  const sampleMean = new Float64Array(d);
  for (const s of samples) for (let i = 0; i < d; i++) sampleMean[i] = sampleMean[i]! + s[i]! / k;
  const used = new Set(entries.flat());
  for (const i of used) {
    const se = Math.sqrt(sigma[i * d + i]! / k);
    expect(Math.abs(sampleMean[i]! - mean[i]!), `mean[${i}]`).toBeLessThan(z * se);
  }
  for (const [i, j] of entries) {
    let c = 0;
    for (const s of samples) c += ((s[i]! - sampleMean[i]!) * (s[j]! - sampleMean[j]!)) / (k - 1);
    const sii = sigma[i * d + i]!;
    const sjj = sigma[j * d + j]!;
    const sij = sigma[i * d + j]!;
    const se = Math.sqrt((sii * sjj + sij * sij) / (k - 1));
    expect(Math.abs(c - sij), `Σ[${i}][${j}] = ${sij}, sample ${c}`).toBeLessThan(z * se);
  }
}

/** All (i, j) with i ≤ j < d. */
function upperTriangle(d: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out.push([i, j]);
  return out;
}

// 4.5 standard errors: each check fails by chance with probability about 7e-6, and the seeds
// are fixed, so the suite is deterministic; a wrong Σ (say 0.5 instead of 0.95) misses by ~20 SE.
const Z = 4.5;
const DRAWS = 2000;

describe('the docs/methods.md §4 parameters', () => {
  it('m and Σ have the stated entries, and Σ is positive definite at 100 dimensions', () => {
    const m = syntheticMean(100);
    expect([m[0], m[1], m[99]]).toEqual([1, 0.0025, 0.0025]);
    const s = syntheticCovariance(100);
    expect([s[0], s[1], s[100], s[101], s[102], s[201], s[99 * 100 + 99]]).toEqual([1, 1e-3, 1e-3, 1, 0.95, 0.95, 1]);
    expect(() => cholesky(s, 100)).not.toThrow();
  });
});

describe('generateSynthetic, linear reading', () => {
  it('defaults to 10000 rows of 100 features x1..x100 and target y, a regression task', () => {
    const d = generateSynthetic({ seed: 1 });
    expect([d.n, d.m, d.x.length, d.y.length, d.w.length]).toEqual([10000, 100, 1e6, 10000, 100]);
    expect([d.features[0], d.features[99], d.target, d.task, d.reading, d.classes]).toEqual(['x1', 'x100', 'y', 'regression', 'linear', null]);
  });

  it('y = x·w exactly', () => {
    const d = generateSynthetic({ seed: 2, n: 500, dim: 7 });
    for (let i = 0; i < d.n; i++) {
      let s = 0;
      for (let j = 0; j < d.m; j++) s += d.x[i * d.m + j]! * d.w[j]!;
      expect(d.y[i]).toBe(s);
    }
  });

  it('x ~ N(1, I): column means near 1 and variances near 1', () => {
    const n = 4000;
    const d = generateSynthetic({ seed: 3, n, dim: 4 });
    for (let j = 0; j < 4; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += d.x[i * 4 + j]! / n;
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (d.x[i * 4 + j]! - mean) ** 2 / (n - 1);
      expect(Math.abs(mean - 1)).toBeLessThan(Z / Math.sqrt(n));
      expect(Math.abs(variance - 1)).toBeLessThan(Z * Math.sqrt(2 / (n - 1)));
    }
  });

  it('is reproducible, seed-dependent, and draws w independently of n', () => {
    const a = generateSynthetic({ seed: 4, n: 50, dim: 6 });
    expect(generateSynthetic({ seed: 4, n: 50, dim: 6 })).toEqual(a);
    expect(generateSynthetic({ seed: 5, n: 50, dim: 6 }).w).not.toEqual(a.w);
    expect(generateSynthetic({ seed: 4, n: 1, dim: 6 }).w).toEqual(a.w);
  });

  it(`w over ${DRAWS} seeds has mean m and covariance Σ (dimension 5, every entry)`, () => {
    const d = 5;
    const ws = Array.from({ length: DRAWS }, (_, seed) => generateSynthetic({ seed, n: 1, dim: d }).w);
    expectMoments(ws, d, upperTriangle(d), Z);
  });

  it(`w over ${DRAWS} seeds has the 100-dimensional structure of Σ (a subset of entries)`, () => {
    const d = 100;
    const ws = Array.from({ length: DRAWS }, (_, seed) => generateSynthetic({ seed: 10_000 + seed, n: 1, dim: d }).w);
    const entries: Array<[number, number]> = [[0, 0], [0, 1], [0, 57], [1, 1], [1, 2], [13, 88], [50, 99], [99, 99]];
    expectMoments(ws, d, entries, Z);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => generateSynthetic({ n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => generateSynthetic({ dim: 2.5 })).toThrow(/dim must be a positive integer/);
  });
});

describe('generateSynthetic, first-feature reading', () => {
  it('y is the first feature, w = e1, and the rows follow N(m, Σ)', () => {
    const d = generateSynthetic({ seed: 6, n: DRAWS, dim: 4, reading: 'first-feature' });
    expect(d.reading).toBe('first-feature');
    expect(Array.from(d.w)).toEqual([1, 0, 0, 0]);
    for (let i = 0; i < d.n; i++) expect(d.y[i]).toBe(d.x[i * 4]);
    const rows = Array.from({ length: d.n }, (_, i) => d.x.subarray(i * 4, i * 4 + 4));
    expectMoments(rows, 4, upperTriangle(4), Z);
  });
});

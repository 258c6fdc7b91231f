import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pinv, svd } from '../../src/linalg/index.js';
import { difference, frobenius, logSpaced, matrixWithSingularValues, naiveProduct, orthonormalityError, randomMatrix } from './support.js';

/** Checks A = U·Σ·Vᵀ, orthonormal U and V, and s sorted and ≥ 0. */
function expectSvdInvariants(a: Float64Array, m: number, n: number): ReturnType<typeof svd> {
  const result = svd(a, m, n);
  const { u, s, v } = result;
  const r = Math.min(m, n);
  expect([u.length, s.length, v.length]).toEqual([m * r, r, n * r]);
  const us = u.map((x, idx) => x * s[idx % r]!);
  const rebuilt = naiveProduct(us, v, m, r, n, false, true);
  expect(frobenius(difference(rebuilt, a))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.sqrt(r)) * frobenius(a));
  expect(orthonormalityError(u, m, r)).toBeLessThanOrEqual(1e-12 * Math.max(1, r));
  expect(orthonormalityError(v, n, r)).toBeLessThanOrEqual(1e-12 * Math.max(1, r));
  for (let k = 0; k < r; k++) {
    expect(s[k]!).toBeGreaterThanOrEqual(0);
    if (k > 0) expect(s[k]!).toBeLessThanOrEqual(s[k - 1]!);
  }
  return result;
}

/** The four Moore–Penrose conditions for X = A⁺ (A [m×n], X [n×m]). */
function expectMoorePenrose(a: Float64Array, x: Float64Array, m: number, n: number, tolerance: number): void {
  const ax = naiveProduct(a, x, m, n, m), xa = naiveProduct(x, a, n, m, n);
  const scaleA = frobenius(a), scaleX = frobenius(x);
  expect(frobenius(difference(naiveProduct(ax, a, m, m, n), a))).toBeLessThanOrEqual(tolerance * scaleA);
  expect(frobenius(difference(naiveProduct(xa, x, n, n, m), x))).toBeLessThanOrEqual(tolerance * scaleX);
  const transposeOf = (y: Float64Array, k: number) => y.map((_, idx) => y[(idx % k) * k + Math.floor(idx / k)]!);
  expect(frobenius(difference(ax, transposeOf(ax, m)))).toBeLessThanOrEqual(tolerance * Math.max(1, frobenius(ax)));
  expect(frobenius(difference(xa, transposeOf(xa, n)))).toBeLessThanOrEqual(tolerance * Math.max(1, frobenius(xa)));
}

describe('svd', () => {
  it('satisfies the invariants on random tall, wide and square matrices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (m, n, seed) => {
        expectSvdInvariants(randomMatrix(m, n, seed), m, n);
      }),
      { numRuns: 60 },
    );
  });

  it('recovers singular values of an ill-conditioned matrix (condition number 1e12) to relative accuracy', () => {
    for (const [m, n] of [[20, 12], [12, 20], [15, 15]] as const) {
      const expected = logSpaced(Math.min(m, n), 1e12);
      const { s } = expectSvdInvariants(matrixWithSingularValues(m, n, expected, m + n), m, n);
      // Jacobi keeps even the smallest value to a few units of relative accuracy times κ·ε of the
      // construction; 1e-4 relative at 1e-12 is far beyond what Golub–Kahan promises.
      expected.forEach((sigma, k) => expect(Math.abs(s[k]! - sigma)).toBeLessThanOrEqual(1e-14 + 1e-4 * sigma));
    }
  });

  it('handles exactly rank-deficient input and reports its rank', () => {
    const m = 9, n = 7, rank = 3;
    const a = naiveProduct(randomMatrix(m, rank, 1), randomMatrix(rank, n, 2), m, rank, n);
    const result = expectSvdInvariants(a, m, n);
    expect(result.rank()).toBe(rank);
    const wide = expectSvdInvariants(naiveProduct(randomMatrix(4, 2, 3), randomMatrix(2, 10, 4), 4, 2, 10), 4, 10);
    expect(wide.rank()).toBe(2);
  });

  it('handles repeated singular values, zero columns, the zero matrix, 1×1 and empty shapes', () => {
    expectSvdInvariants(matrixWithSingularValues(6, 4, [2, 2, 2, 1], 8), 6, 4);
    const zeroColumn = randomMatrix(5, 3, 5);
    for (let i = 0; i < 5; i++) zeroColumn[i * 3 + 1] = 0;
    expect(expectSvdInvariants(zeroColumn, 5, 3).rank()).toBe(2);
    const zero = expectSvdInvariants(new Float64Array(12), 4, 3);
    expect(Array.from(zero.s)).toEqual([0, 0, 0]);
    expect(zero.rank()).toBe(0);
    expect(Array.from(svd(new Float64Array([-4]), 1, 1).s)).toEqual([4]);
    expect(svd(new Float64Array(0), 0, 0).s.length).toBe(0);
    expect(svd(new Float64Array(0), 3, 0).u.length).toBe(0);
  });

  it('survives entries near the overflow and underflow limits', () => {
    expectSvdInvariants(randomMatrix(5, 4, 6).map((x) => x * 1e300), 5, 4);
    expectSvdInvariants(randomMatrix(5, 4, 6).map((x) => x * 1e-300), 5, 4);
  });

  it('rejects non-finite and wrongly sized input', () => {
    expect(() => svd(new Float64Array([1, Infinity]), 1, 2)).toThrow(/svd: a has a non-finite entry Infinity at \(0, 1\)/);
    expect(() => svd(new Float64Array(3), 2, 2)).toThrow(/svd: a has length 3, expected 2×2 = 4/);
  });

  it('the doc example holds', () => {
    const result = svd(new Float64Array([3, 0, 0, -2]), 2, 2);
    expect(Array.from(result.s)).toEqual([3, 2]);
    expect(result.rank()).toBe(2);
  });
});

describe('pinv', () => {
  it('satisfies the Moore–Penrose conditions on rank-deficient input', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (m, n, rank, seed) => {
        const a = naiveProduct(randomMatrix(m, rank, seed), randomMatrix(rank, n, seed + 1), m, rank, n);
        expectMoorePenrose(a, pinv(a, m, n), m, n, 1e-10);
      }),
      { numRuns: 50 },
    );
  });

  it('treats singular values at or below tol·s_max as zero', () => {
    const a = new Float64Array([1, 0, 0, 1e-9]);
    expect(Array.from(pinv(a, 2, 2, 1e-6))).toEqual([1, 0, 0, 0]);
    expect(pinv(a, 2, 2)[3]).toBeCloseTo(1e9, 0);
  });

  it('the doc example holds and the zero matrix maps to zero', () => {
    pinv(new Float64Array([1, 1, 1, 1]), 2, 2).forEach((x) => expect(x).toBeCloseTo(0.25, 15));
    expect(Array.from(pinv(new Float64Array(6), 2, 3))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects a negative or NaN tolerance', () => {
    expect(() => pinv(new Float64Array(4), 2, 2, -1)).toThrow(/pinv: tol must be a non-negative number/);
    expect(() => pinv(new Float64Array(4), 2, 2, NaN)).toThrow(/pinv: tol/);
  });
});

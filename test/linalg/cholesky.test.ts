import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cholesky, choleskyFactor, choleskyFactorSolve, choleskySolve, frobeniusNorm, identity, inverseDiagonal, spdInverse, spdSolve, symmetrize, transpose,
} from '../../src/linalg/index.js';
import { difference, frobenius, logSpaced, naiveProduct, randomMatrix, symmetricWithSpectrum } from './support.js';

/** B·Bᵀ + n·I: symmetric positive definite with a modest condition number. */
function randomSpd(n: number, seed: number): Float64Array {
  const b = randomMatrix(n, n, seed);
  const a = naiveProduct(b, b, n, n, n, false, true);
  for (let i = 0; i < n; i++) a[i * n + i] += n;
  return a;
}

describe('cholesky', () => {
  it('factors random SPD matrices: L lower-triangular with L·Lᵀ = A', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer(), (n, seed) => {
        const a = randomSpd(n, seed);
        const l = cholesky(a, n);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
        expect(frobenius(difference(naiveProduct(l, l, n, n, n, false, true), a))).toBeLessThanOrEqual(1e-14 * n * frobenius(a));
      }),
      { numRuns: 50 },
    );
  });

  it('factors across several blocks (n up to 300): L·Lᵀ = A, lower triangular, the upper triangle of A unread', () => {
    for (const n of [63, 64, 65, 127, 129, 200, 300]) {
      const a = randomSpd(n, n);
      // Garbage above the diagonal must not matter: only the lower triangle is read.
      const lowerOnly = a.map((v, idx) => (idx % n > Math.floor(idx / n) ? 1e6 : v));
      const l = cholesky(lowerOnly, n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
      expect(frobenius(difference(naiveProduct(l, l, n, n, n, false, true), a))).toBeLessThanOrEqual(1e-14 * n * frobenius(a));
    }
  });

  it('names the first non-positive pivot also in a later block', () => {
    // Rank 150 of 200: B·Bᵀ with B 200×150, so from pivot 150 on the pivots are rounding noise
    // (the noise can pass the 16ε test once or twice before one goes negative).
    const n = 200, r = 150;
    const b = randomMatrix(n, r, 5);
    const a = naiveProduct(b, b, n, r, n, false, true);
    expect(() => cholesky(a, n)).toThrow(/cholesky: matrix is not positive definite \(pivot 15\d /);
  });

  it('refuses matrices that are not positive definite, naming the pivot', () => {
    expect(() => cholesky(new Float64Array([1, 2, 2, 1]), 2)).toThrow(/cholesky: matrix is not positive definite \(pivot 1 is -3/);
    expect(() => cholesky(new Float64Array([0]), 1)).toThrow(/pivot 0 is 0/);
    // Exactly singular PSD: the second pivot is rounding noise, not a usable value.
    const singular = naiveProduct(new Float64Array([0.1, 0.7, 0.3]), new Float64Array([0.1, 0.7, 0.3]), 3, 1, 3);
    expect(() => cholesky(singular, 3)).toThrow(/cholesky: matrix is not positive definite \(pivot 1/);
  });

  it('rejects non-finite and wrongly sized input', () => {
    expect(() => cholesky(new Float64Array([NaN]), 1)).toThrow(/cholesky: a has a non-finite entry NaN/);
    expect(() => cholesky(new Float64Array(3), 2)).toThrow(/cholesky: a has length 3/);
  });
});

describe('spdSolve, choleskySolve and spdInverse', () => {
  it('solve with small residuals for several right-hand sides', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 5 }), fc.integer(), (n, nrhs, seed) => {
        const a = randomSpd(n, seed), b = randomMatrix(n, nrhs, seed + 1);
        const x = spdSolve(a, b, n, nrhs);
        expect(frobenius(difference(naiveProduct(a, x, n, n, nrhs), b))).toBeLessThanOrEqual(1e-13 * n * frobenius(a) * frobenius(x));
        expect(Array.from(choleskySolve(cholesky(a, n), b, n, nrhs))).toEqual(Array.from(x));
      }),
      { numRuns: 50 },
    );
  });

  it('the blocked solve with a factor: small residuals across blocks, and equal to choleskySolve', () => {
    for (const [n, nrhs] of [[1, 1], [64, 3], [65, 1], [150, 7], [257, 64]] as const) {
      const a = randomSpd(n, 3 * n), b = randomMatrix(n, nrhs, n);
      const factor = choleskyFactor(a, n);
      expect(Array.from(factor.l)).toEqual(Array.from(cholesky(a, n)));
      const x = choleskyFactorSolve(factor, b, nrhs);
      expect(frobenius(difference(naiveProduct(a, x, n, n, nrhs), b))).toBeLessThanOrEqual(1e-13 * n * frobenius(a) * frobenius(x));
      expect(frobenius(difference(x, choleskySolve(factor.l, b, n, nrhs)))).toBeLessThanOrEqual(1e-12 * frobenius(x));
    }
    expect(() => choleskyFactorSolve(choleskyFactor(new Float64Array([1]), 1), new Float64Array(2), 1)).toThrow(/b has length 2/);
  });

  it('inverseDiagonal is the diagonal of A⁻¹ (independent route: A⁻¹ by Gauss-Jordan)', () => {
    for (const n of [1, 2, 30, 64, 65, 130, 211]) {
      const a = randomSpd(n, 7 * n);
      const d = inverseDiagonal(choleskyFactor(a, n));
      const inverse = gaussJordanInverse(a, n);
      for (let j = 0; j < n; j++) expect(Math.abs(d[j]! - inverse[j * n + j]!)).toBeLessThanOrEqual(1e-12 * inverse[j * n + j]!);
    }
    // Ill-conditioned (1e10): still the diagonal of the inverse to about κ·ε.
    const n = 80;
    const a = symmetricWithSpectrum(logSpaced(n, 1e10), 9);
    const d = inverseDiagonal(choleskyFactor(a, n));
    const reference = spdInverse(a, n);
    for (let j = 0; j < n; j++) expect(Math.abs(d[j]! - reference[j * n + j]!)).toBeLessThanOrEqual(1e-4 * reference[j * n + j]!);
  });

  it('inverts, symmetrically, even an ill-conditioned SPD matrix (condition number 1e10)', () => {
    const n = 12;
    const a = symmetricWithSpectrum(logSpaced(n, 1e10), 4);
    const inverse = spdInverse(a, n);
    expect(Array.from(inverse)).toEqual(Array.from(transpose(inverse, n, n)));
    // Backward-stable: the residual is bounded relative to ‖A‖·‖A⁻¹‖, not to 1.
    const residual = difference(naiveProduct(a, inverse, n, n, n), identity(n));
    expect(frobenius(residual)).toBeLessThanOrEqual(1e-13 * n * frobenius(a) * frobenius(inverse));
  });

  it('doc examples hold', () => {
    const l = cholesky(new Float64Array([4, 2, 2, 3]), 2);
    expect(l[0]).toBe(2);
    expect(l[2]).toBe(1);
    expect(l[3]).toBeCloseTo(Math.SQRT2, 15);
    choleskySolve(l, new Float64Array([6, 5]), 2, 1).forEach((x) => expect(x).toBeCloseTo(1, 15));
    spdInverse(new Float64Array([2, 0, 0, 4]), 2).forEach((x, i) => expect(x).toBeCloseTo([0.5, 0, 0, 0.25][i]!, 15));
  });

  it('handle 0×0 and reject mismatched right-hand sides', () => {
    expect(spdSolve(new Float64Array(0), new Float64Array(0), 0, 3).length).toBe(0);
    expect(() => spdSolve(new Float64Array([1]), new Float64Array(3), 1, 2)).toThrow(/spdSolve: b has length 3, expected 1×2 = 2/);
    expect(() => choleskySolve(new Float64Array([0]), new Float64Array([1]), 1, 1)).toThrow(/choleskySolve: l is not a Cholesky factor/);
  });
});

describe('basic helpers', () => {
  it('identity, transpose, frobeniusNorm and symmetrize', () => {
    expect(Array.from(identity(2))).toEqual([1, 0, 0, 1]);
    expect(Array.from(transpose(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(frobeniusNorm(new Float64Array([3, 4]))).toBe(5);
    expect(frobeniusNorm(new Float64Array([3e300, 4e300]))).toBeCloseTo(5e300, -286);
    expect(frobeniusNorm(new Float64Array(0))).toBe(0);
    expect(Array.from(symmetrize(new Float64Array([1, 2, 4, 1]), 2))).toEqual([1, 3, 3, 1]);
    expect(() => identity(-1)).toThrow(/identity: n must be a non-negative integer/);
    expect(() => transpose(new Float64Array(5), 2, 3)).toThrow(/transpose: a has length 5/);
  });
});

/** A⁻¹ by Gauss-Jordan elimination with partial pivoting: a route that shares nothing with Cholesky. */
function gaussJordanInverse(a: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(a), inv = identity(n);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(w[r * n + c]!) > Math.abs(w[pivot * n + c]!)) pivot = r;
    for (let j = 0; j < n; j++) {
      [w[c * n + j], w[pivot * n + j]] = [w[pivot * n + j]!, w[c * n + j]!];
      [inv[c * n + j], inv[pivot * n + j]] = [inv[pivot * n + j]!, inv[c * n + j]!];
    }
    const p = w[c * n + c]!;
    for (let j = 0; j < n; j++) { w[c * n + j]! /= p; inv[c * n + j]! /= p; }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = w[r * n + c]!;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) { w[r * n + j]! -= f * w[c * n + j]!; inv[r * n + j]! -= f * inv[c * n + j]!; }
    }
  }
  return inv;
}

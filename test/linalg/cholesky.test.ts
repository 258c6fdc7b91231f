import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cholesky, choleskySolve, frobeniusNorm, identity, spdInverse, spdSolve, symmetrize, transpose } from '../../src/linalg/index.js';
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

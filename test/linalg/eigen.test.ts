import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/linalg/index.js';
import { difference, frobenius, logSpaced, naiveProduct, orthonormalityError, randomMatrix, symmetricWithSpectrum } from './support.js';

/** Checks A·V = V·Λ, VᵀV = I and descending order; returns the decomposition for further checks. */
function expectEigenInvariants(a: Float64Array, n: number): ReturnType<typeof symmetricEigen> {
  const result = symmetricEigen(a, n);
  const { values, vectors } = result;
  expect(values.length).toBe(n);
  expect(vectors.length).toBe(n * n);
  const av = naiveProduct(a, vectors, n, n, n);
  const vl = vectors.map((x, idx) => x * values[idx % n]!);
  expect(frobenius(difference(av, vl))).toBeLessThanOrEqual(1e-10 * frobenius(a));
  expect(orthonormalityError(vectors, n, n)).toBeLessThanOrEqual(1e-12 * n);
  for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
  expect(vectors.every(Number.isFinite)).toBe(true);
  return result;
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const a = randomMatrix(n, n, seed);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
  return a;
}

describe('symmetricEigen', () => {
  it('satisfies the invariants on random symmetric matrices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (n, seed) => {
        expectEigenInvariants(randomSymmetric(n, seed), n);
      }),
      { numRuns: 60 },
    );
  });

  // Past 32 the tridiagonal solver merges (divide and conquer) and the reflectors go in
  // blocks of 32, so these sizes run every path of both, including partial last blocks.
  it('satisfies the invariants at sizes where divide and conquer merges', () => {
    for (const [n, seed] of [[33, 1], [66, 2], [130, 3], [257, 4]] as const) expectEigenInvariants(randomSymmetric(n, seed), n);
  });

  it('recovers a large spectrum with many repeated eigenvalues (heavy deflation)', () => {
    const spectrum = Array.from({ length: 150 }, (_, k) => [3, 1, 1e-8, 0, -2][k % 5]!).sort((x, y) => y - x);
    const { values } = expectEigenInvariants(symmetricWithSpectrum(spectrum, 6), 150);
    spectrum.forEach((lambda, k) => expect(Math.abs(values[k]! - lambda)).toBeLessThanOrEqual(1e-13 * 150));
  });

  it('recovers a known spectrum, including repeated and zero eigenvalues', () => {
    const spectrum = [5, 2, 2, 2, 0, 0, -1, -1];
    const { values } = expectEigenInvariants(symmetricWithSpectrum(spectrum, 3), 8);
    spectrum.forEach((lambda, k) => expect(Math.abs(values[k]! - lambda)).toBeLessThanOrEqual(1e-13 * 5));
  });

  it('handles rank-deficient B·Bᵀ', () => {
    const n = 120, rank = 4;
    const b = randomMatrix(n, rank, 11);
    const a = naiveProduct(b, b, n, rank, n, false, true);
    const { values } = expectEigenInvariants(a, n);
    for (let k = rank; k < n; k++) expect(Math.abs(values[k]!)).toBeLessThanOrEqual(1e-13 * values[0]!);
  });

  it('is accurate on an ill-conditioned matrix (condition number 1e12)', () => {
    const spectrum = logSpaced(25, 1e12);
    const { values } = expectEigenInvariants(symmetricWithSpectrum(spectrum, 5), 25);
    spectrum.forEach((lambda, k) => expect(Math.abs(values[k]! - lambda)).toBeLessThanOrEqual(1e-14 * 25));
  });

  it('handles the zero matrix, the identity, 1×1 and 0×0', () => {
    expectEigenInvariants(new Float64Array(36), 6);
    const eye = new Float64Array(16);
    for (let i = 0; i < 4; i++) eye[i * 4 + i] = 1;
    expect(Array.from(expectEigenInvariants(eye, 4).values)).toEqual([1, 1, 1, 1]);
    expect(Array.from(symmetricEigen(new Float64Array([-3]), 1).values)).toEqual([-3]);
    expect(Array.from(symmetricEigen(new Float64Array([-3]), 1).vectors)).toEqual([1]);
    expect(symmetricEigen(new Float64Array(0), 0).values.length).toBe(0);
  });

  it('handles already-diagonal and already-tridiagonal input with tiny couplings', () => {
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = i % 3;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = i % 2 ? 1e-300 : 0;
    }
    expectEigenInvariants(a, n);
  });

  // Regression: before symmetricEigen scaled its input by max|a|, this exact matrix (seed 9,
  // entries ~1e300) came back as all-NaN values and vectors: an intermediate overflowed.
  it('regression: entries near the overflow and underflow limits give no NaN', () => {
    const big = randomSymmetric(6, 9).map((x) => x * 1e300);
    expectEigenInvariants(big, 6);
    const tiny = randomSymmetric(6, 9).map((x) => x * 1e-300);
    expectEigenInvariants(tiny, 6);
    // The same at a size that goes through the merges and the blocked reflectors.
    expectEigenInvariants(randomSymmetric(80, 9).map((x) => x * 1e300), 80);
    expectEigenInvariants(randomSymmetric(80, 9).map((x) => x * 1e-300), 80);
  });

  it('the doc example holds', () => {
    const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(Math.abs(vectors[2]!)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('rejects asymmetric, non-finite and wrongly sized input with a clear message', () => {
    expect(() => symmetricEigen(new Float64Array([1, 2, 2.5, 1]), 2)).toThrow(/symmetricEigen: matrix is not symmetric: a\[1\]\[0\] = 2.5 but a\[0\]\[1\] = 2/);
    expect(() => symmetricEigen(new Float64Array([1, NaN, NaN, 1]), 2)).toThrow(/symmetricEigen: a has a non-finite entry NaN at \(0, 1\)/);
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/symmetricEigen: a has length 5, expected 2×2 = 4/);
  });

  it('accepts asymmetry within the tolerance and decomposes (A + Aᵀ)/2', () => {
    const { values } = symmetricEigen(new Float64Array([2, 1 + 1e-12, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3 + 0.5e-12, 14);
  });
});

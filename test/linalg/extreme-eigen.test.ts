import { describe, expect, it } from 'vitest';
import { choleskyFactor, symmetricEigen } from '../../src/linalg/index.js';
import { largestEigenvalue, lowestEigenpairs, orthonormalizeRows } from '../../src/linalg/extreme-eigen.js';
import { logSpaced, naiveProduct, orthonormalityError, randomMatrix, symmetricWithSpectrum } from './support.js';

describe('lowestEigenpairs', () => {
  it('finds the smallest eigenpairs of a known spectrum, unshifted and shifted, with honest residuals', () => {
    const n = 80;
    const values = logSpaced(n, 1e4).map((v) => v * 1e4); // 1e4 … 1, the smallest well apart
    const a = symmetricWithSpectrum(values, 3);
    const sorted = [...values].sort((x, y) => x - y);
    const iterations: number[] = [];
    for (const shift of [0, 0.999]) {
      const s = a.slice();
      for (let i = 0; i < n; i++) s[i * n + i]! -= shift;
      const result = lowestEigenpairs(a, n, choleskyFactor(s, n), {
        count: 12,
        pending: (_, residuals) => residuals.subarray(0, 4).some((r) => r > 1e-10),
      });
      for (let i = 0; i < 4; i++) {
        expect(Math.abs(result.values[i]! - sorted[i]!)).toBeLessThanOrEqual(1e-10 * sorted[i]!);
        expect(result.residuals[i]).toBeLessThanOrEqual(1e-10);
        // The residual is what it claims: ‖A·v − λ·v‖ recomputed independently.
        const v = result.vectors.subarray(i * n, (i + 1) * n);
        const av = naiveProduct(a, v, n, n, 1);
        const r = Math.sqrt(av.reduce((sum, x, c) => sum + (x - result.values[i]! * v[c]!) ** 2, 0));
        expect(Math.abs(r - result.residuals[i]!)).toBeLessThanOrEqual(1e-11 + 1e-6 * r);
      }
      expect(orthonormalityError(Float64Array.from({ length: n * 12 }, (_, idx) => result.vectors[(idx % 12) * n + Math.floor(idx / 12)]!), n, 12)).toBeLessThan(1e-13);
      iterations.push(result.iterations);
    }
    // A shift just below λ_1 multiplies the separation per step: (λ_4 − σ)/(λ_13 − σ) against λ_4/λ_13.
    expect(iterations[1]!).toBeLessThan(iterations[0]! / 1.5);
  });

  it('rejects a block larger than n and a factor of another size', () => {
    const a = symmetricWithSpectrum([3, 2, 1], 1);
    const factor = choleskyFactor(a, 3);
    expect(() => lowestEigenpairs(a, 3, factor, { count: 4, pending: () => false })).toThrow(/count must be in \[1, 3\]/);
    expect(() => lowestEigenpairs(new Float64Array(4), 2, factor, { count: 1, pending: () => false })).toThrow(/factor is 3×3, A is 2×2/);
  });
});

describe('largestEigenvalue', () => {
  it('matches λ_max of the full decomposition, a lower bound', () => {
    for (const [n, seed] of [[5, 1], [60, 2], [200, 3]] as const) {
      const b = randomMatrix(n, n, seed);
      const a = naiveProduct(b, b, n, n, n, false, true);
      const reference = symmetricEigen(a, n).values[0]!;
      const estimate = largestEigenvalue(a, n);
      expect(estimate).toBeLessThanOrEqual(reference * (1 + 1e-14));
      expect(estimate).toBeGreaterThanOrEqual(reference * (1 - 1e-10));
    }
  });
});

describe('orthonormalizeRows', () => {
  it('makes rows orthonormal and replaces a dependent row instead of dividing by zero', () => {
    const v = randomMatrix(4, 30, 9);
    v.set(v.subarray(0, 30), 60); // row 2 = row 0
    orthonormalizeRows(v, 4, 30);
    const transposed = Float64Array.from({ length: 120 }, (_, idx) => v[(idx % 4) * 30 + Math.floor(idx / 4)]!);
    expect(orthonormalityError(transposed, 30, 4)).toBeLessThan(1e-14);
    expect(v.every(Number.isFinite)).toBe(true);
  });
});

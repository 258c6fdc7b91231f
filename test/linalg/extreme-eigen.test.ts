import { describe, expect, it } from 'vitest';
import { choleskyFactor, symmetricEigen } from '../../src/linalg/index.js';
import { largestEigenvalue, lowestEigenpairs, orthonormalizeRows } from '../../src/linalg/extreme-eigen.js';
import { lowestCluster, projectorDiagonalBounds } from '../../src/linalg/lowest-cluster.js';
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

describe('lowestCluster and projectorDiagonalBounds', () => {
  /** Q·diag(values)·Qᵀ, and the diagonal of the projector onto the eigenvectors of the `size` smallest. */
  function projectorDiagonal(a: Float64Array, n: number, size: number): Float64Array {
    const { vectors } = symmetricEigen(a, n);
    return Float64Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = n - size; k < n; k++) s += vectors[j * n + k]! ** 2;
      return s;
    });
  }

  it('finds a cluster of three at 1 under a gap, and bounds how far a perturbation moves P_jj', () => {
    const n = 60;
    const values = [1, 1, 1, 1.001, 1.002, ...Array.from({ length: n - 5 }, (_, i) => 2 + i)];
    const a = symmetricWithSpectrum(values, 8);
    const s = a.slice();
    for (let i = 0; i < n; i++) s[i * n + i]! -= 1 - 1e-9;
    const found = lowestCluster(a, n, choleskyFactor(s, n), {
      tolerance: 1e-12, largest: n - 4, rounding: 1e-14, maxSine: 1e-5, firstBlock: 8, maxBlock: 32, guard: 4,
    });
    if (!found.ok) throw new Error(found.reason);
    const { cluster } = found;
    expect(cluster.size).toBe(3);
    expect(cluster.near).toBeGreaterThanOrEqual(5); // 1.001 and 1.002 at least
    expect(cluster.gap).toBeGreaterThan(0.9e-3);
    expect(cluster.gap).toBeLessThanOrEqual(1e-3 * (1 + 1e-9));
    const share = Float64Array.from({ length: n }, (_, j) => {
      let t = 0;
      for (let i = 0; i < 3; i++) t += cluster.pairs.vectors[i * n + j]! ** 2;
      return t;
    });
    const reference = projectorDiagonal(a, n, 3);
    for (let j = 0; j < n; j++) expect(Math.abs(share[j]! - reference[j]!)).toBeLessThan(1e-10);
    // A random symmetric E of norm η: every |ΔP_jj| within the bound (first order, η small).
    const eta = 1e-9;
    const e = symmetricWithSpectrum(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? eta : -eta)), 17);
    const moved = projectorDiagonal(a.map((v, idx) => v + e[idx]!), n, 3);
    const bounds = projectorDiagonalBounds(cluster, n, share, eta);
    let tightest = 0;
    for (let j = 0; j < n; j++) {
      const change = Math.abs(moved[j]! - reference[j]!);
      expect(change).toBeLessThanOrEqual(bounds[j]! + 1e-12);
      tightest = Math.max(tightest, change / bounds[j]!);
    }
    expect(tightest).toBeGreaterThan(1e-3); // a bound, not a vacuous one
  });

  it('reports a gap too small for the rounding instead of a cluster', () => {
    const n = 40;
    const a = symmetricWithSpectrum([1, 1 + 1e-12, ...Array.from({ length: n - 2 }, (_, i) => 2 + i)], 3);
    const s = a.slice();
    for (let i = 0; i < n; i++) s[i * n + i]! -= 1 - 1e-6;
    const found = lowestCluster(a, n, choleskyFactor(s, n), {
      tolerance: 1e-14, largest: n, rounding: 1e-14, maxSine: 1e-5, firstBlock: 8, maxBlock: 32, guard: 4,
    });
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.reason).toMatch(/^separation$|did not converge/);
  });
});

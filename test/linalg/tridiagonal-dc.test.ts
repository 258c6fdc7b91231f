import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveSecular, secularVectors } from '../../src/linalg/secular.js';
import { tridiagonalEigen } from '../../src/linalg/tridiagonal-dc.js';
import { orthonormalityError, seeded } from './support.js';

/**
 * Runs tridiagonalEigen on (d, e) and checks T·Z = Z·Λ column by column and ZᵀZ = I, with the
 * bounds symmetricEigen promises (1e-10·‖T‖_F and 1e-12·n); returns the eigenvalues.
 */
function expectTridiagonalInvariants(d: number[], e: number[]): Float64Array {
  const n = d.length;
  const values = Float64Array.from(d);
  const vectors = tridiagonalEigen(values, Float64Array.from(e), n);
  let normSquared = 0, residualSquared = 0;
  for (let i = 0; i < n; i++) normSquared += d[i]! ** 2 + (i + 1 < n ? 2 * e[i]! ** 2 : 0);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let tz = d[i]! * vectors[i * n + j]!;
      if (i > 0) tz += e[i - 1]! * vectors[(i - 1) * n + j]!;
      if (i + 1 < n) tz += e[i]! * vectors[(i + 1) * n + j]!;
      residualSquared += (tz - values[j]! * vectors[i * n + j]!) ** 2;
    }
  }
  expect(Math.sqrt(residualSquared)).toBeLessThanOrEqual(1e-10 * Math.sqrt(normSquared));
  expect(orthonormalityError(vectors, n, n)).toBeLessThanOrEqual(1e-12 * n);
  expect(vectors.every(Number.isFinite)).toBe(true);
  return values;
}

const ascending = (values: Float64Array) => Array.from(values).sort((x, y) => x - y);
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

// Blocks of up to 32 are solved by QL; the sizes here reach one, two and three levels of merges.
describe('tridiagonalEigen (divide and conquer)', () => {
  it('satisfies the invariants on random tridiagonals, leaves and merges alike', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 30, max: 140 })), fc.integer(), (n, seed) => {
        const next = seeded(seed);
        expectTridiagonalInvariants(range(n, () => 2 * next() - 1), range(n, () => 2 * next() - 1));
      }),
      { numRuns: 60 },
    );
  });

  it('recovers the spectrum of the 1-2-1 matrix (all couplings equal)', () => {
    const n = 101;
    const values = ascending(expectTridiagonalInvariants(range(n, () => 2), range(n, () => -1)));
    values.forEach((lambda, k) => expect(Math.abs(lambda - (2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))))).toBeLessThanOrEqual(1e-14 * n));
  });

  it('separates the near-repeated pairs of Wilkinson matrices, alone and glued by tiny couplings', () => {
    // W21+ has pairs of eigenvalues agreeing to ~1e-14: the close-pair deflation path.
    const w = 21;
    expectTridiagonalInvariants(range(w, (i) => Math.abs(10 - i)), range(w, () => 1));
    for (const glue of [1e-8, 1e-15, 0]) {
      const n = w * 8;
      expectTridiagonalInvariants(range(n, (i) => Math.abs(10 - (i % w))), range(n, (i) => ((i + 1) % w === 0 ? glue : 1)));
    }
  });

  it('handles exactly repeated eigenvalues and block-diagonal T (zero couplings at and off the split)', () => {
    const n = 96;
    // Three identical 32-blocks: every eigenvalue three times, the merges tear at zero couplings.
    const block = range(32, (i) => Math.sin(i));
    const values = ascending(expectTridiagonalInvariants(range(n, (i) => block[i % 32]!), range(n, (i) => ((i + 1) % 32 === 0 ? 0 : 0.5))));
    for (let k = 0; k < n; k += 3) {
      expect(values[k + 2]! - values[k]!).toBeLessThanOrEqual(1e-14 * n);
    }
    expect(ascending(expectTridiagonalInvariants(range(70, () => 3), range(70, () => 0)))).toEqual(range(70, () => 3));
    expectTridiagonalInvariants(range(70, () => 0), range(70, () => 0));
  });

  it('handles couplings at the rounding and underflow levels', () => {
    const n = 100;
    expectTridiagonalInvariants(range(n, (i) => i % 3), range(n, (i) => (i % 2 ? 1e-300 : 1e-17)));
    expectTridiagonalInvariants(range(n, (i) => 1 + 1e-12 * i), range(n, () => 1e-13));
    // Graded: entries falling over ten orders of magnitude.
    expectTridiagonalInvariants(range(n, (i) => 10 ** (-i / 10)), range(n, (i) => 10 ** (-i / 10 - 0.5)));
  });

  it('solves n = 1, 2 and 3 exactly enough', () => {
    expect(Array.from(expectTridiagonalInvariants([-3], [0]))).toEqual([-3]);
    const two = ascending(expectTridiagonalInvariants([2, 2], [1, 0]));
    expect(two[0]).toBeCloseTo(1, 15);
    expect(two[1]).toBeCloseTo(3, 15);
    expectTridiagonalInvariants([1, -1, 1], [1e-20, 1, 0]);
  });
});

describe('secular equation', () => {
  it('roots interlace the poles and the vectors are orthonormal, even for clustered poles', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer(), fc.boolean(), (k, seed, clustered) => {
        const next = seeded(seed);
        // Clustered poles are 1e-9 apart (past the deflation tolerance, so kept by the merge).
        const d = Float64Array.from(range(k, (i) => (clustered ? 1 + 1e-9 * i : i + next())));
        const z = Float64Array.from(range(k, () => (next() + 0.1) * (next() < 0.5 ? -1 : 1)));
        const rho = 0.1 + next();
        const solution = solveSecular(d, z, rho, k);
        let zz = 0;
        for (const x of z) zz += x * x;
        for (let j = 0; j < k; j++) {
          // Interlacing, up to the rounding of λ = origin + τ and of the last root's bound.
          const upper = j + 1 < k ? d[j + 1]! : d[k - 1]! + rho * zz;
          expect(solution.roots[j]!).toBeGreaterThanOrEqual(d[j]!);
          expect(solution.roots[j]!).toBeLessThanOrEqual(upper + 4 * Number.EPSILON * Math.abs(upper));
          // The differences are the ones the vectors are built from: d_i − λ_j.
          expect(Math.abs(solution.differences[j * k + j]! - (d[j]! - solution.roots[j]!))).toBeLessThanOrEqual(2 * Number.EPSILON * (Math.abs(d[j]!) + Math.abs(solution.roots[j]!)));
        }
        const u = new Float64Array(k * k);
        secularVectors(d, z, solution, k, Int32Array.from(range(k, (i) => i)), u);
        expect(orthonormalityError(u, k, k)).toBeLessThanOrEqual(1e-13 * k);
      }),
      { numRuns: 60 },
    );
  });
});

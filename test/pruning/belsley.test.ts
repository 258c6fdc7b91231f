import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { belsleyIllustration } from '../../src/pruning/belsley-illustration.js';
import { belsleyDiagnostics, belsleyPrune, covarianceOfSamples, type BelsleyDiagnostics } from '../../src/pruning/belsley.js';

/** Columns `keep` of a row-major `rows×cols` matrix. */
function selectColumns(x: Float64Array, rows: number, cols: number, keep: readonly number[]): Float64Array {
  const out = new Float64Array(rows * keep.length);
  for (let r = 0; r < rows; r++) keep.forEach((c, i) => (out[r * keep.length + i] = x[r * cols + c]!));
  return out;
}

/** `B·Bᵀ` for `B` stored `n×r`: symmetric PSD of rank ≤ r, exact when B holds small integers. */
function gram(b: readonly number[], n: number, r: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < r; p++) s += b[i * r + p]! * b[j * r + p]!;
    m[i * n + j] = s;
  }
  return m;
}

/** `P·M·Pᵀ` where parameter `i` of the result is parameter `perm[i]` of `m`, with optional sign flips. */
function permuted(m: Float64Array, n: number, perm: readonly number[], sign: readonly number[] = perm.map(() => 1)): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = sign[i]! * sign[j]! * m[perm[i]! * n + perm[j]!]!;
  return out;
}

/**
 * Per parameter, the proportions summed over groups of components with numerically equal
 * eigenvalues (exact dependencies form one group): inside a group the eigenvectors are an
 * arbitrary basis, the sums are not. Returns `[parameter][group]`.
 */
function groupedProportions(d: BelsleyDiagnostics): number[][] {
  const n = d.n;
  const lambdaMax = Math.max(d.eigenvalues[0]!, 0);
  const group: number[] = [];
  for (let k = 0; k < n; k++) {
    const sameAsPrevious =
      k > 0 &&
      (Number.isFinite(d.conditionIndices[k]!)
        ? d.eigenvalues[k - 1]! - d.eigenvalues[k]! <= 1e-6 * lambdaMax
        : !Number.isFinite(d.conditionIndices[k - 1]!));
    group.push(sameAsPrevious ? group[k - 1]! : k === 0 ? 0 : group[k - 1]! + 1);
  }
  const groups = group[n - 1]! + 1;
  return Array.from({ length: n }, (_, j) => {
    const sums = new Array<number>(groups).fill(0);
    for (let k = 0; k < n; k++) sums[group[k]!]! += d.proportions[j * n + k]!;
    return sums;
  });
}

/** ξ is meaningful to compare only when it wins by a margin (otherwise it is a tie or a near-tie). */
function clearWinner(d: BelsleyDiagnostics): boolean {
  const sorted = Array.from(d.degenerateShare).sort((a, b) => b - a);
  return sorted.length === 1 || sorted[0]! - sorted[1]! > 1e-6;
}

function expectValidProportions(d: BelsleyDiagnostics): void {
  const n = d.n;
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const q = d.proportions[j * n + k]!;
      expect(q).toBeGreaterThanOrEqual(0);
      expect(q).toBeLessThanOrEqual(1);
      sum += q;
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
  }
  for (let k = 0; k < n; k++) {
    const eta = d.conditionIndices[k]!;
    expect(Number.isNaN(eta)).toBe(false);
    expect(eta).toBeGreaterThanOrEqual(1 - 1e-12);
    if (k > 0) expect(eta).toBeGreaterThanOrEqual(d.conditionIndices[k - 1]!);
  }
  for (const p of d.nullSpaceShare) expect(p).toBeGreaterThanOrEqual(0);
  expect(d.leastRelevant).toBeGreaterThanOrEqual(0);
  expect(d.leastRelevant).toBeLessThan(n);
  expect(d.mostDegenerate).toBe(n - 1);
}

/** `n`, a rank `r ≤ n` and a small-integer `n×r` factor: PSD matrices, often rank-deficient. */
const psdFactor = fc
  .integer({ min: 1, max: 7 })
  .chain((n) => fc.integer({ min: 0, max: n }).map((r) => [n, r] as const))
  .chain(([n, r]) => fc.array(fc.integer({ min: -4, max: 4 }), { minLength: n * r, maxLength: n * r }).map((b) => ({ n, r, b })));

/** A random permutation of 0..n-1 with random signs. */
const permutationOf = (n: number): fc.Arbitrary<{ perm: number[]; sign: number[] }> =>
  fc.record({
    keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
    sign: fc.array(fc.constantFrom(-1, 1), { minLength: n, maxLength: n }),
  }).map(({ keys, sign }) => ({ perm: keys.map((key, i) => [key, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i), sign }));

describe('belsleyDiagnostics by hand', () => {
  it('diagonal matrix: each parameter is its own component', () => {
    const d = belsleyDiagnostics(new Float64Array([4, 0, 0, 0, 1, 0, 0, 0, 9]), 3);
    expect(Array.from(d.eigenvalues)).toEqual([9, 4, 1]);
    expect(d.conditionIndices[0]).toBe(1);
    expect(d.conditionIndices[1]).toBeCloseTo(9 / 4, 14);
    expect(d.conditionIndices[2]).toBeCloseTo(9, 14);
    // Parameter 0 (variance 4) is component 1, parameter 1 (variance 1) component 2, parameter 2 component 0.
    expect(Array.from(d.proportions)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    expect(d.exactDependencies).toBe(0);
    expect(d.mostDegenerate).toBe(2);
    expect(d.leastRelevant).toBe(1);
    expect(d.tolerance).toBe(9 * 10 * Number.EPSILON); // max(n, 10)·ε·λ_max
  });

  it('scaled diagonal matrix is the identity: every component tied, lowest index wins', () => {
    const d = belsleyDiagnostics(new Float64Array([4, 0, 0, 0, 1, 0, 0, 0, 9]), 3, { scale: true });
    expect(d.scaled).toBe(true);
    expect(Array.from(d.eigenvalues)).toEqual([1, 1, 1]);
    expect(Array.from(d.conditionIndices)).toEqual([1, 1, 1]);
    expect(d.degenerateComponents).toEqual([0, 1, 2]);
    expect(d.leastRelevant).toBe(0);
  });

  it('2×2 matches the closed form', () => {
    const [a, b, c] = [4, 2, 3];
    const d = belsleyDiagnostics(new Float64Array([a, b, b, c]), 2);
    const root = Math.hypot((a - c) / 2, b);
    const [large, small] = [(a + c) / 2 + root, (a + c) / 2 - root];
    // Eigenvector of `large` is ∝ (b, large − a); the other is orthogonal to it.
    const u00 = b ** 2 / (b ** 2 + (large - a) ** 2);
    const u10 = 1 - u00;
    const q = (u0: number, u1: number): number => u0 / large / (u0 / large + u1 / small);
    expect(d.eigenvalues[0]).toBeCloseTo(large, 13);
    expect(d.eigenvalues[1]).toBeCloseTo(small, 13);
    expect(d.conditionIndices[1]).toBeCloseTo(large / small, 12); // 3.8665...
    expect(d.proportions[0]).toBeCloseTo(q(u00, u10), 13); // 0.2979
    expect(d.proportions[1]).toBeCloseTo(1 - q(u00, u10), 13); // 0.7021
    expect(d.proportions[2]).toBeCloseTo(q(u10, u00), 13); // 0.1362
    expect(d.proportions[3]).toBeCloseTo(1 - q(u10, u00), 13); // 0.8638
    expect(d.proportions[3]).toBeCloseTo(0.8638, 4);
    expect(d.leastRelevant).toBe(1);
  });

  it('2×2 with an exact dependency w1 = 2·w0: η = ∞, ξ carries the larger share of it', () => {
    const d = belsleyDiagnostics(new Float64Array([1, 2, 2, 4]), 2);
    expect(d.eigenvalues[0]).toBeCloseTo(5, 14);
    expect(Array.from(d.conditionIndices)).toEqual([1, Infinity]);
    expect(d.exactDependencies).toBe(1);
    // Null vector (2, −1)/√5: shares 4/5 and 1/5.
    expect(d.nullSpaceShare[0]).toBeCloseTo(0.8, 14);
    expect(d.nullSpaceShare[1]).toBeCloseTo(0.2, 14);
    expect(d.proportions[1]).toBeCloseTo(1, 12);
    expect(d.proportions[3]).toBeCloseTo(1, 12);
    expect(d.leastRelevant).toBe(0);
  });

  it('regression: an exactly singular 3×3 whose computed null eigenvalue exceeds the literal 3·ε·λ_max', () => {
    // B·Bᵀ with B = [[0,−1],[3,−1],[1,2]]; the eigensolver returned λ_3 ≈ 7.1e-15 = 3.2·ε·λ_max
    // for one ordering and −8.9e-16 for another, so with METHODS' literal n·ε the same
    // dependency was exact in one and finite (η ≈ 1.4e15) in the other.
    const m = new Float64Array([1, 1, -2, 1, 10, 1, -2, 1, 5]);
    for (const perm of [[0, 1, 2], [0, 2, 1], [2, 1, 0]]) {
      const d = belsleyDiagnostics(permuted(m, 3, perm, [-1, -1, -1]), 3);
      expect(d.exactDependencies).toBe(1);
      expect(perm[d.leastRelevant]).toBe(0);
      // Null vector ∝ (7, −1, 3)/√59.
      expect(d.nullSpaceShare[perm.indexOf(0)]).toBeCloseTo(49 / 59, 12);
    }
  });

  it('a zero-variance parameter is an exact dependency, scaled or not, without NaN', () => {
    for (const scale of [false, true]) {
      const d = belsleyDiagnostics(new Float64Array([2, 0, 0, 0, 0, 0, 0, 0, 3]), 3, { scale });
      expectValidProportions(d);
      expect(d.conditionIndices[2]).toBe(Infinity);
      expect(d.exactDependencies).toBe(1);
      expect(Array.from(d.nullSpaceShare)).toEqual([0, 1, 0]);
      expect(d.proportions[1 * 3 + 2]).toBe(1);
      expect(d.leastRelevant).toBe(1);
    }
  });

  it('the zero matrix: every component is an exact dependency', () => {
    const d = belsleyDiagnostics(new Float64Array(9), 3);
    expectValidProportions(d);
    expect(Array.from(d.conditionIndices)).toEqual([Infinity, Infinity, Infinity]);
    expect(d.exactDependencies).toBe(3);
    expect(d.tolerance).toBe(0);
    expect(d.leastRelevant).toBe(0);
  });

  it('rejects bad input with a message naming the problem', () => {
    expect(() => belsleyDiagnostics(new Float64Array([1, 0, 0, -1]), 2)).toThrow(/not positive semi-definite/);
    expect(() => belsleyDiagnostics(new Float64Array([1, 0, 0, -1]), 2, { scale: true })).toThrow(/not positive semi-definite/);
    expect(() => belsleyDiagnostics(new Float64Array([1, 2, 0, 1]), 2)).toThrow(/not symmetric at \(0, 1\)/);
    expect(() => belsleyDiagnostics(new Float64Array([1, NaN, NaN, 1]), 2)).toThrow(/entry \(0, 1\) is NaN/);
    expect(() => belsleyDiagnostics(new Float64Array(3), 2)).toThrow(/expected 2×2 = 4 entries, got 3/);
    expect(() => belsleyDiagnostics(new Float64Array(0), 0)).toThrow(/positive integer/);
  });
});

describe('belsleyDiagnostics properties', () => {
  it('proportions lie in [0, 1] and every row sums to 1 (random PSD, rank-deficient and zero matrices)', () => {
    fc.assert(
      fc.property(psdFactor, fc.boolean(), ({ n, r, b }, scale) => {
        const m = gram(b, n, r);
        const d = belsleyDiagnostics(m, n, { scale });
        expectValidProportions(d);
        // An integer factor of rank r leaves n − rank exact dependencies (rank ≤ r).
        expect(d.exactDependencies).toBeGreaterThanOrEqual(n - r);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the overall scale of M, even near the ends of the float range', () => {
    fc.assert(
      fc.property(psdFactor, fc.constantFrom(1e-300, 1e-150, 1e150, 1e300), ({ n, r, b }, factor) => {
        const m = gram(b, n, r);
        const d = belsleyDiagnostics(m, n);
        const e = belsleyDiagnostics(m.map((v) => v * factor), n);
        expectValidProportions(e);
        expect(e.exactDependencies).toBe(d.exactDependencies);
        expect(groupedProportions(e).flat()).toEqual(groupedProportions(d).flat().map((v) => expect.closeTo(v, 8)));
      }),
      { numRuns: 100 },
    );
  });

  it('is invariant to permuting and sign-flipping the parameters', () => {
    fc.assert(
      fc.property(
        psdFactor.chain((f) => permutationOf(f.n).map((p) => ({ ...f, ...p }))),
        fc.boolean(),
        ({ n, r, b, perm, sign }, scale) => {
          const m = gram(b, n, r);
          const d = belsleyDiagnostics(m, n, { scale });
          const e = belsleyDiagnostics(permuted(m, n, perm, sign), n, { scale });
          const lambdaMax = Math.max(d.eigenvalues[0]!, 1);
          for (let k = 0; k < n; k++) expect(Math.abs(e.eigenvalues[k]! - d.eigenvalues[k]!)).toBeLessThan(1e-10 * lambdaMax);
          expect(e.exactDependencies).toBe(d.exactDependencies);
          const original = groupedProportions(d);
          const moved = groupedProportions(e);
          for (let i = 0; i < n; i++) {
            expect(moved[i]!).toEqual(original[perm[i]!]!.map((v) => expect.closeTo(v, 6)));
            expect(e.nullSpaceShare[i]).toBeCloseTo(d.nullSpaceShare[perm[i]!]!, 8);
          }
          if (clearWinner(d)) expect(perm[e.leastRelevant]).toBe(d.leastRelevant);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scaling makes the diagnostics independent of each parameter\'s units', () => {
    fc.assert(
      fc.property(
        psdFactor.chain((f) => fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: f.n, maxLength: f.n }).map((e) => ({ ...f, e }))),
        ({ n, r, b, e }) => {
          const m = gram(b, n, r);
          const units = e.map((x) => 10 ** x);
          const rescaled = m.map((v, i) => v * units[Math.floor(i / n)]! * units[i % n]!);
          const d = belsleyDiagnostics(m, n, { scale: true });
          const s = belsleyDiagnostics(rescaled, n, { scale: true });
          expect(s.exactDependencies).toBe(d.exactDependencies);
          expect(groupedProportions(s).flat()).toEqual(groupedProportions(d).flat().map((v) => expect.closeTo(v, 6)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('covarianceOfSamples', () => {
  it('centers and divides by rows − 1', () => {
    const c = covarianceOfSamples(new Float64Array([1, 2, 3, 6, 5, 10]), 3, 2);
    expect(Array.from(c)).toEqual([4, 8, 8, 16]);
  });

  it('centers a large offset as exactly as no offset', () => {
    const c = covarianceOfSamples(new Float64Array([1e9 + 1, 1e9 - 1]), 2, 1);
    expect(c[0]).toBe(2);
  });

  it('refuses fewer than 2 samples, a wrong length and non-finite values', () => {
    expect(() => covarianceOfSamples(new Float64Array([1, 2]), 1, 2)).toThrow(/at least 2 samples/);
    expect(() => covarianceOfSamples(new Float64Array(5), 3, 2)).toThrow(/expected 3×2 = 6 values, got 5/);
    expect(() => covarianceOfSamples(new Float64Array([1, 2, NaN, 4]), 2, 2)).toThrow(/sample 1, column 0 is NaN/);
  });
});

describe('belsleyPrune', () => {
  it('removes one of two copies and keeps the independent parameter', () => {
    const m = new Float64Array([1, 1, 0, 1, 1, 0, 0, 0, 2]);
    const result = belsleyPrune(m, 3, { names: ['a', 'a copy', 'b'] });
    expect(result.removed).toEqual([0]);
    expect(result.kept).toEqual([1, 2]);
    expect(result.keptNames).toEqual(['a copy', 'b']);
    expect(result.steps.map((s) => s.removed)).toEqual([0, null]);
    expect(result.steps[0]!.maxConditionIndex).toBe(Infinity);
    expect(result.steps[1]!.active).toEqual([1, 2]);
    expect(result.steps[1]!.maxConditionIndex).toBeCloseTo(2, 14);
  });

  it('removes constant parameters first and can empty the set', () => {
    const result = belsleyPrune(new Float64Array([0, 0, 0, 0]), 2, { scale: true });
    expect(result.removed).toEqual([0, 1]);
    expect(result.kept).toEqual([]);
    expect(result.steps.every((s) => s.removed !== null)).toBe(true);
  });

  it('stops at once when nothing exceeds the threshold', () => {
    const result = belsleyPrune(new Float64Array([1, 1, 1, 1]), 2, { maxCondition: Infinity });
    expect(result.removed).toEqual([]);
    expect(result.steps).toHaveLength(1);
  });

  it('refuses a threshold below 1 and names of the wrong count', () => {
    expect(() => belsleyPrune(new Float64Array([1]), 1, { maxCondition: 0.5 })).toThrow(/at least 1/);
    expect(() => belsleyPrune(new Float64Array([1]), 1, { names: ['a', 'b'] })).toThrow(/2 names for 1 parameters/);
  });

  it('reports every round to onStep, in order', () => {
    const seen: (number | null)[] = [];
    const result = belsleyPrune(new Float64Array([1, 1, 0, 1, 1, 0, 0, 0, 2]), 3, { onStep: (step) => seen.push(step.removed) });
    expect(seen).toEqual(result.steps.map((s) => s.removed));
  });

  it('leaves the input matrix untouched', () => {
    const m = new Float64Array([1, 1, 1, 1]);
    belsleyPrune(m, 2, { scale: true });
    expect(Array.from(m)).toEqual([1, 1, 1, 1]);
  });
});

describe('the Belsley illustration (docs/methods.md §5 item 3)', () => {
  const data = belsleyIllustration();
  const covariance = covarianceOfSamples(data.samples, data.rows, data.cols);
  const X = 5; // the column `x`

  it('has 1001 samples of 6 columns', () => {
    expect([data.rows, data.cols]).toEqual([1001, 6]);
    expect(data.samples[1000 * 6 + X]).toBe(20);
  });

  for (const scale of [false, true]) {
    describe(scale ? 'scaled' : 'unscaled', () => {
      const d = belsleyDiagnostics(covariance, 6, { scale });

      it('shows three exact dependencies and three well-conditioned components', () => {
        expectValidProportions(d);
        const eta = Array.from(d.conditionIndices);
        expect(eta.filter((v) => v > 1e3)).toHaveLength(3);
        for (const v of eta.slice(3)) expect(v === Infinity || v >= 1e12).toBe(true);
        for (const v of eta.slice(0, 3)) expect(v).toBeLessThan(1e2);
      });

      it('leaves x out of the dependencies', () => {
        expect(d.nullSpaceShare[X]).toBeLessThan(1e-12);
        for (let k = 3; k < 6; k++) expect(d.proportions[X * 6 + k]).toBeLessThan(1e-12);
        if (!scale) {
          // The null space is spanned by (1,0,0,−1,0,0), (0,1,−1,0,0,0) and (1,1,0,0,−1,0): the
          // other columns carry 5/8, 5/8, 5/8, 5/8 and 1/2 of it (scaling changes the metric).
          expect(Array.from(d.nullSpaceShare.subarray(0, 5))).toEqual([5 / 8, 5 / 8, 5 / 8, 5 / 8, 1 / 2].map((v) => expect.closeTo(v, 10)));
        }
        expect(d.leastRelevant).not.toBe(X);
      });

      it('prunes exactly three columns and keeps three independent ones, x among them', () => {
        const result = belsleyPrune(covariance, 6, { names: data.names, scale });
        expect(result.removed).toHaveLength(3);
        expect(result.kept).toContain(X);
        expect(result.steps).toHaveLength(4);
        expect(result.steps.slice(0, 3).every((s) => s.maxConditionIndex > 1e3)).toBe(true);
        const last = result.steps[3]!;
        expect(last.removed).toBeNull();
        expect(last.maxConditionIndex).toBeLessThan(1e3);
        // Independent for real: the covariance of the kept columns, computed afresh from the samples.
        const kept = selectColumns(data.samples, data.rows, data.cols, result.kept);
        const check = belsleyDiagnostics(covarianceOfSamples(kept, data.rows, 3), 3);
        expect(check.exactDependencies).toBe(0);
        expect(check.conditionIndices[2]).toBeLessThan(1e3);
      });
    });
  }

  it('regression: the removal order under the lowest-index tie-break', () => {
    // sin x, cos x, 2 + cos x, 2 + sin x tie at 5/8 of the null space; the lowest index goes,
    // then cos x and 2 + cos x tie at 3/5, then three columns tie at 1/3.
    const result = belsleyPrune(covariance, 6, { names: data.names });
    expect(result.removedNames).toEqual(['sin x', 'cos x', '2 + cos x']);
    expect(result.keptNames).toEqual(['2 + sin x', 'cos x + sin x', 'x']);
    expect(result.steps[3]!.maxConditionIndex).toBeCloseTo(186.65, 2);
  });
});

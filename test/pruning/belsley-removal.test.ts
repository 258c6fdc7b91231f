import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spdInverse, symmetricEigen } from '../../src/linalg/index.js';
import { belsleyIllustration } from '../../src/pruning/belsley-illustration.js';
import { belsleyPrune, covarianceOfSamples, removeParameter } from '../../src/pruning/belsley.js';

/** `a` without row and column `q`: the independent reference's deletion, written out again. */
function deleted(a: Float64Array, n: number, q: number): Float64Array {
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => i !== q);
  return principal(a, n, keep);
}

function principal(a: Float64Array, n: number, keep: readonly number[]): Float64Array {
  const k = keep.length;
  const out = new Float64Array(k * k);
  keep.forEach((i, r) => keep.forEach((j, c) => (out[r * k + c] = a[i * n + j]!)));
  return out;
}

/** max |a − b| / max |b|. */
function relativeError(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

/** A random SPD `B·Bᵀ + c·I` from entries in [−1, 1] and c in [0.05, 2]: condition numbers up to a few hundred. */
const randomSpd = fc
  .integer({ min: 2, max: 9 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      b: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n }),
      shift: fc.double({ min: 0.05, max: 2, noNaN: true }),
      q: fc.integer({ min: 0, max: n - 1 }),
    }),
  )
  .map(({ n, b, shift, q }) => {
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? shift : 0;
      for (let p = 0; p < n; p++) s += b[i * n + p]! * b[j * n + p]!;
      m[i * n + j] = s;
    }
    return { n, m, q };
  });

describe('removeParameter', () => {
  it('conditioning a covariance equals inverting the precision with the row and column deleted', () => {
    fc.assert(
      fc.property(randomSpd, ({ n, m, q }) => {
        const { matrix, operation } = removeParameter(m, n, q, 'covariance');
        expect(operation).toBe('condition');
        // Independent route: P = Σ⁻¹, delete q from P, invert back.
        const reference = spdInverse(deleted(spdInverse(m, n), n, q), n - 1);
        expect(relativeError(matrix, reference)).toBeLessThan(1e-10);
      }),
      { numRuns: 300 },
    );
  });

  it('by hand: conditioning subtracts Σ_{·q}Σ_{q·}/Σ_qq; samples and precision delete', () => {
    const sigma = new Float64Array([4, 2, 0, 2, 3, 1, 0, 1, 2]);
    // Σ' = [[3 − 2·2/4, 1 − 2·0/4], [1, 2 − 0]] = [[2, 1], [1, 2]].
    expect(Array.from(removeParameter(sigma, 3, 0, 'covariance').matrix)).toEqual([2, 1, 1, 2]);
    expect(Array.from(removeParameter(sigma, 3, 0, 'precision').matrix)).toEqual([3, 1, 1, 2]);
    expect(removeParameter(sigma, 3, 0, 'samples')).toEqual({ matrix: new Float64Array([3, 1, 1, 2]), operation: 'delete' });
    // The doc example.
    expect(Array.from(removeParameter(new Float64Array([2, 1, 1, 2]), 2, 0, 'covariance').matrix)).toEqual([1.5]);
  });

  it('a zero variance: nothing to condition on, the row and column are deleted, no NaN', () => {
    const sigma = new Float64Array([2, 0, 1, 0, 0, 0, 1, 0, 3]);
    const { matrix, operation } = removeParameter(sigma, 3, 1, 'covariance');
    expect(operation).toBe('delete');
    expect(Array.from(matrix)).toEqual([2, 1, 1, 3]);
    // Rounding-level variance and covariances count as zero too (they would divide noise by noise).
    const noisy = new Float64Array([2, 1e-17, 1, 1e-17, 1e-32, 0, 1, 0, 3]);
    const r = removeParameter(noisy, 3, 1, 'covariance');
    expect(r.operation).toBe('delete');
    expect(Array.from(r.matrix)).toEqual([2, 1, 1, 3]);
  });

  it('an exact dependency: conditioning on a = 0 when c = a + b leaves b and c identical', () => {
    const sigma = new Float64Array([1, 0, 1, 0, 1, 1, 1, 1, 2]); // a, b independent, c = a + b
    const { matrix, operation } = removeParameter(sigma, 3, 0, 'covariance');
    expect(operation).toBe('condition');
    expect(Array.from(matrix)).toEqual([1, 1, 1, 1]);
  });

  it('rejects an index out of range and a wrong length', () => {
    expect(() => removeParameter(new Float64Array(4), 2, 2, 'covariance')).toThrow(/index 2 is outside \[0, 2\)/);
    expect(() => removeParameter(new Float64Array(3), 2, 0, 'samples')).toThrow(/expected 2×2 = 4 entries, got 3/);
  });
});

describe('belsleyPrune by kind of matrix', () => {
  it('a covariance with an exact dependency: conditioning carries it over until nothing is left', () => {
    const sigma = new Float64Array([1, 0, 1, 0, 1, 1, 1, 1, 2]);
    const names = ['a', 'b', 'a + b'];
    const conditioned = belsleyPrune(sigma, 3, { matrix: 'covariance', names });
    expect(conditioned.matrix).toBe('covariance');
    expect(conditioned.operation).toBe('condition');
    // a (tie at 1/3, lowest index), then b (b and a + b are now identical), then a + b, now a constant.
    expect(conditioned.removedNames).toEqual(['a', 'b', 'a + b']);
    expect(conditioned.steps.map((s) => s.operation)).toEqual(['condition', 'condition', 'delete']);
    expect(conditioned.steps.every((s) => s.maxConditionIndex === Infinity)).toBe(true);
    // The same matrix as a covariance of samples: dropping a removes the dependency.
    const dropped = belsleyPrune(sigma, 3, { names });
    expect(dropped.matrix).toBe('samples');
    expect(dropped.operation).toBe('delete');
    expect(dropped.removedNames).toEqual(['a']);
    expect(dropped.keptNames).toEqual(['b', 'a + b']);
    expect(dropped.steps.map((s) => s.operation)).toEqual(['delete', null]);
    expect(dropped.steps[1]!.maxConditionIndex).toBeCloseTo((3 + Math.sqrt(5)) / (3 - Math.sqrt(5)), 12);
  });

  it('every round of a covariance analyses the inverse of the precision restricted to the active set', () => {
    fc.assert(
      fc.property(randomSpd, fc.boolean(), ({ n, m }, scale) => {
        const precision = spdInverse(m, n);
        const result = belsleyPrune(m, n, { matrix: 'covariance', maxCondition: 1.5, scale });
        for (const step of result.steps) {
          const k = step.active.length;
          const reference = spdInverse(principal(precision, n, step.active), k);
          if (scale) {
            const d = Float64Array.from({ length: k }, (_, i) => 1 / Math.sqrt(reference[i * k + i]!));
            for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) reference[i * k + j]! *= d[i]! * d[j]!;
          }
          const expected = symmetricEigen(reference, k).values;
          expect(relativeError(step.diagnostics.eigenvalues, expected)).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('precision deletes; the illustration keeps its samples result by default', () => {
    const precision = belsleyPrune(new Float64Array([1, 1, 0, 1, 1, 0, 0, 0, 2]), 3, { matrix: 'precision' });
    expect(precision.operation).toBe('delete');
    expect(precision.removed).toEqual([0]);
    const data = belsleyIllustration();
    const result = belsleyPrune(covarianceOfSamples(data.samples, data.rows, data.cols), data.cols, { names: data.names });
    expect(result.matrix).toBe('samples');
    expect(result.removedNames).toEqual(['sin x', 'cos x', '2 + cos x']);
    expect(result.keptNames).toEqual(['2 + sin x', 'cos x + sin x', 'x']);
  });

  it('refuses an unknown kind of matrix', () => {
    expect(() => belsleyPrune(new Float64Array([1]), 1, { matrix: 'other' as 'samples' })).toThrow(/samples, precision or covariance, got other/);
  });
});

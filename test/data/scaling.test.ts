import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/datasets.js';
import {
  applyStandardizer,
  fitStandardizer,
  fitTargetScaling,
  scaleTarget,
  unscaleTarget,
} from '../../src/data/scaling.js';
import { takeRows } from '../../src/data/split.js';

/** Population mean and std of column j of a row-major matrix with m columns (the textbook way). */
function columnStats(x: Float64Array, m: number, j: number): { mean: number; std: number } {
  const n = x.length / m;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i * m + j]! / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i * m + j]! - mean) ** 2 / n;
  return { mean, std: Math.sqrt(variance) };
}

describe('fitStandardizer / applyStandardizer', () => {
  it('gives the training columns mean 0 and population std 1', () => {
    // Magnitudes from 1e-290 to 1e300: the fitted std must neither underflow nor overflow.
    // fast-check also produces columns whose values differ in the last digits only.
    // (Subnormals are left out: their mean itself is not representable to any precision.)
    const column = fc.double({ min: -1e300, max: 1e300, noNaN: true }).map((v) => (Math.abs(v) < 1e-290 ? 0 : v));
    const input = fc.record({ m: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 2, max: 30 }) }).chain(({ m, n }) =>
      fc.record({ m: fc.constant(m), n: fc.constant(n), values: fc.array(column, { minLength: n * m, maxLength: n * m }) }),
    );
    fc.assert(
      fc.property(input, ({ m, n, values }) => {
        const x = Float64Array.from(values);
        const scaling = fitStandardizer(x, n, m);
        const z = applyStandardizer(x, m, scaling);
        expect(z.every(Number.isFinite)).toBe(true);
        for (let j = 0; j < m; j++) {
          let largest = 0;
          for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(x[i * m + j]!));
          // Fitted as constant (std 1, only centred): every value within the rounding noise
          // of the mean, N·eps·max|x|, of it.
          const noise = 4 * n * Number.EPSILON * largest;
          if (scaling.std[j] === 1 && z.every((v, k) => k % m !== j || Math.abs(v) <= noise)) continue;
          // Otherwise standardized. Rounding in the fitted mean (~N·eps·max|x|) is magnified
          // by 1/std in the scaled column: near-constant columns are ill-conditioned, and the
          // tolerance says so.
          const scaled = columnStats(z, m, j);
          const tolerance = 1e-9 + (1e-14 * n * largest) / scaling.std[j]!;
          expect(Math.abs(scaled.mean)).toBeLessThan(tolerance);
          expect(Math.abs(scaled.std - 1)).toBeLessThan(tolerance);
        }
      }),
    );
  });

  it('gives a constant column std 1, so it maps to exactly 0 and never to NaN', () => {
    for (const value of [0, 0.1, -7.3, 1e300]) {
      const x = Float64Array.of(value, 1, value, 2, value, 4);
      const scaling = fitStandardizer(x, 3, 2);
      expect(scaling.std[0]).toBe(1);
      const z = applyStandardizer(x, 2, scaling);
      for (let i = 0; i < 3; i++) expect(z[i * 2]).toBe(0);
    }
  });

  it('treats a spread at the rounding level of the mean as constant, a small real spread as signal', () => {
    const nextAfterTenth = 0.1 + 1.5e-17; // the double just above 0.1
    expect(nextAfterTenth).toBeGreaterThan(0.1);
    expect(fitStandardizer(Float64Array.of(0.1, nextAfterTenth, 0.1), 3, 1).std).toEqual([1]);
    const small = fitStandardizer(Float64Array.of(1e-20, 3e-20), 2, 1);
    expect(small.std[0]).toBeCloseTo(1e-20, 30);
  });

  it('uses the training rows only; test rows are scaled with the training statistics', () => {
    const wine = loadDataset('wine');
    const trainRows = Array.from({ length: 100 }, (_, i) => i);
    const train = takeRows(wine.x, wine.m, trainRows);
    const scaling = fitStandardizer(train, 100, wine.m);
    const row = 150;
    const z = applyStandardizer(takeRows(wine.x, wine.m, [row]), wine.m, scaling);
    for (let j = 0; j < wine.m; j++) {
      const { mean, std } = columnStats(train, wine.m, j);
      expect(z[j]).toBeCloseTo((wine.x[row * wine.m + j]! - mean) / std, 10);
    }
  });

  it('matches the inputScaling of the independent wine fixture (all 178 rows, population std)', () => {
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/wine-13-16-3.model.json', import.meta.url), 'utf8')) as {
      inputScaling: { mean: number[]; std: number[] };
    };
    const wine = loadDataset('wine');
    const scaling = fitStandardizer(wine.x, wine.n, wine.m);
    scaling.mean.forEach((v, j) => expect(v).toBeCloseTo(fixture.inputScaling.mean[j]!, 10));
    scaling.std.forEach((v, j) => expect(v / fixture.inputScaling.std[j]!).toBeCloseTo(1, 12));
  });

  it('rejects mismatched sizes', () => {
    expect(() => fitStandardizer(new Float64Array(5), 2, 2)).toThrow(/5 values for a 2×2 matrix/);
    expect(() => applyStandardizer(new Float64Array(4), 2, { mean: [0], std: [1] })).toThrow(/applyStandardizer/);
  });
});

describe('target scaling', () => {
  it('scales training targets to mean 0 / std 1, and unscaling inverts it', () => {
    const boston = loadDataset('boston');
    const scaling = fitTargetScaling(boston.y);
    expect(typeof scaling.mean).toBe('number');
    const z = scaleTarget(boston.y, scaling);
    const stats = columnStats(z, 1, 0);
    expect(stats.mean).toBeCloseTo(0, 12);
    expect(stats.std).toBeCloseTo(1, 12);
    const back = unscaleTarget(z, scaling);
    back.forEach((v, i) => expect(v).toBeCloseTo(boston.y[i]!, 10));
    // Population std: the README's sample std 9.1971 times sqrt((N-1)/N).
    expect(scaling.std).toBeCloseTo(9.1971 * Math.sqrt(505 / 506), 4);
  });

  it('gives constant targets std 1', () => {
    expect(fitTargetScaling(Float64Array.of(3, 3, 3))).toEqual({ mean: 3, std: 1 });
    expect(() => fitTargetScaling(new Float64Array(0))).toThrow(/no targets/);
  });
});

describe('regressions found by fuzzing', () => {
  it('values near the top of the double range have a finite mean (their sum overflowed, the fit got NaN)', () => {
    const x = Float64Array.of(1.7e308, 1.6e308, 1.5e308, 1.4e308);
    const scaling = fitStandardizer(x, 4, 1);
    // Mean 1.55e308 and population std √0.0125·1e308, to rounding.
    expect(scaling.mean[0]! / 1.55e308).toBeCloseTo(1, 14);
    expect(scaling.std[0]! / (Math.sqrt(0.0125) * 1e308)).toBeCloseTo(1, 14);
    const z = Array.from(applyStandardizer(x, 1, scaling));
    [3, 1, -1, -3].forEach((k, i) => expect(z[i]).toBeCloseTo(k / Math.sqrt(5), 12));
  });
});

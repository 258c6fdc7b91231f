import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/datasets.js';
import { subsetDataset, takeRows, trainTestSplit, trainValidationSplit } from '../../src/data/split.js';
import { Random } from '../../src/random/random.js';

/** A classification data set with the given class index per row (features: the row number). */
function labelled(labels: number[]): Dataset {
  const classes = Math.max(...labels) + 1;
  return {
    name: 'labels',
    task: 'classification',
    taskInferred: false,
    features: ['row'],
    target: 'y',
    x: Float64Array.from(labels, (_, i) => i),
    n: labels.length,
    m: 1,
    y: Float64Array.from(labels),
    classes: Array.from({ length: classes }, (_, c) => String(c)),
    droppedRows: 0,
  };
}

function countPerClass(y: Float64Array, rows: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(y[r]!, (counts.get(y[r]!) ?? 0) + 1);
  return counts;
}

/** The two sides are disjoint, sorted, and together exactly `rows`. */
function expectPartition(train: Int32Array, heldOut: Int32Array, rows: ArrayLike<number>): void {
  const both = [...train, ...heldOut].sort((a, b) => a - b);
  expect(both).toEqual(Array.from(rows).sort((a, b) => a - b));
  expect(new Set(both).size).toBe(both.length);
  for (const side of [train, heldOut]) expect(Array.from(side)).toEqual([...side].sort((a, b) => a - b));
}

describe('trainTestSplit', () => {
  const wine = loadDataset('wine');

  it('splits Wine 25% per class: each class gets the floor or ceiling of its share', () => {
    const { train, heldOut } = trainTestSplit(wine, { seed: 1 });
    expectPartition(train, heldOut, Array.from({ length: wine.n }, (_, i) => i));
    expect(heldOut.length).toBe(Math.round(0.25 * wine.n));
    const all = countPerClass(wine.y, Int32Array.from({ length: wine.n }, (_, i) => i));
    const test = countPerClass(wine.y, heldOut);
    for (const [c, size] of all) {
      const share = (heldOut.length * size) / wine.n;
      expect([Math.floor(share), Math.ceil(share)]).toContain(test.get(c));
    }
  });

  it('is reproducible with the same seed and differs with another', () => {
    const a = trainTestSplit(wine, { seed: 5 });
    expect(trainTestSplit(wine, { seed: 5 })).toEqual(a);
    expect(trainTestSplit(wine, { seed: 6 }).heldOut).not.toEqual(a.heldOut);
    expect(trainTestSplit(wine, { seed: new Random(5) })).toEqual(a);
  });

  it('does not stratify regression, and honours the fraction', () => {
    const boston = loadDataset('boston');
    const { train, heldOut } = trainTestSplit(boston, { fraction: 0.2, seed: 2 });
    expect(heldOut.length).toBe(Math.round(0.2 * 506));
    expectPartition(train, heldOut, Array.from({ length: 506 }, (_, i) => i));
  });

  it('rejects fractions outside (0, 1) and splits that leave a side empty', () => {
    for (const f of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => trainTestSplit(wine, { fraction: f })).toThrow(/test fraction must be strictly between 0 and 1/);
    }
    const three = labelled([0, 1, 1]);
    expect(() => trainTestSplit(three, { fraction: 0.1 })).toThrow(/leaves the test side empty/);
    expect(() => trainTestSplit(three, { fraction: 0.9 })).toThrow(/leaves the training side empty/);
    expect(() => trainTestSplit(labelled([0]), { fraction: 0.5 })).toThrow(/side empty/);
  });

  it('for any labels and fraction: a partition, proportional per class, every class kept in training when possible', () => {
    const input = fc.record({
      labels: fc.array(fc.nat({ max: 5 }), { minLength: 2, maxLength: 60 }),
      fraction: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(input, ({ labels, fraction, seed }) => {
        const n = labels.length;
        const total = Math.round(fraction * n);
        fc.pre(total >= 1 && total <= n - 1);
        const data = labelled(labels);
        const { train, heldOut } = trainTestSplit(data, { fraction, seed });
        expectPartition(train, heldOut, Array.from({ length: n }, (_, i) => i));
        expect(heldOut.length).toBe(total);
        const sizes = countPerClass(data.y, Int32Array.from({ length: n }, (_, i) => i));
        const held = countPerClass(data.y, heldOut);
        const inTrain = countPerClass(data.y, train);
        if (total <= n - sizes.size) for (const c of sizes.keys()) expect(inTrain.get(c) ?? 0).toBeGreaterThan(0);
        // With room everywhere (two training rows beyond the share), counts are floor or ceiling.
        const share = (size: number): number => (total * size) / n;
        if ([...sizes.values()].every((size) => size - share(size) >= 2)) {
          for (const [c, size] of sizes) expect([Math.floor(share(size)), Math.ceil(share(size))]).toContain(held.get(c) ?? 0);
        }
      }),
    );
  });
});

describe('trainValidationSplit', () => {
  it('draws validation rows from the given training rows only, stratified', () => {
    const wine = loadDataset('wine');
    const { train, heldOut: test } = trainTestSplit(wine, { seed: 3 });
    const inner = trainValidationSplit(wine, train, { fraction: 0.2, seed: 4 });
    expectPartition(inner.train, inner.heldOut, train);
    const testRows = new Set(test);
    for (const r of inner.heldOut) expect(testRows.has(r)).toBe(false);
    const sizes = countPerClass(wine.y, train);
    const held = countPerClass(wine.y, inner.heldOut);
    for (const [c, size] of sizes) {
      const share = (inner.heldOut.length * size) / train.length;
      expect(Math.abs(held.get(c)! - share)).toBeLessThan(1);
    }
    expect(() => trainValidationSplit(wine, train, { fraction: 2 })).toThrow(/validation fraction/);
  });
});

describe('takeRows and subsetDataset', () => {
  it('take the listed rows in order', () => {
    const x = Float64Array.of(0, 1, 10, 11, 20, 21);
    expect(Array.from(takeRows(x, 2, [2, 0]))).toEqual([20, 21, 0, 1]);
    const sub = subsetDataset(labelled([0, 1, 2, 1]), Int32Array.of(3, 1));
    expect([sub.n, Array.from(sub.x), Array.from(sub.y)]).toEqual([2, [3, 1], [1, 1]]);
  });
});

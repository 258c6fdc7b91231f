import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Tensor, add, sub, mul, div, neg, exp, log, tanh, sigmoid, softplus, square, relu, mask, matmul, transpose,
  reshape, broadcastTo, sumTo, logSumExp, logSoftmax, gather, scatter, sliceFlat, padFlat, sum, mean,
  softmaxCrossEntropy, meanSquaredError, checkGrads,
} from '../../src/autograd/index.js';
import { Random } from '../../src/random/random.js';

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 3 });
const seedArb = fc.integer({ min: 1, max: 1_000_000 });

function randomTensor(shape: readonly number[], seed: number, { positive = false, awayFromZero = false } = {}): Tensor {
  const rng = new Random(seed);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal();
    if (positive) v = 0.5 + Math.abs(v);
    // relu and the like are not differentiable at 0: keep test points off the kink.
    if (awayFromZero) v = Math.sign(v || 1) * (0.1 + Math.abs(v));
    data[i] = v;
  }
  return new Tensor(data, shape);
}

/** A shape that broadcasts against `shape`: some dimensions set to 1, some leading ones dropped. */
const broadcastPartner = (shape: readonly number[], seed: number): number[] => {
  const rng = new Random(seed);
  const drop = rng.int(shape.length + 1);
  return shape.slice(drop).map((d) => (rng.uniform() < 0.4 ? 1 : d));
};

const runs = { numRuns: 15 };

describe('element-wise primitives: first and second derivatives against central differences', () => {
  const unaries: [string, (x: Tensor) => Tensor, { positive?: boolean; awayFromZero?: boolean }][] = [
    ['neg', neg, {}],
    ['exp', exp, {}],
    ['log', log, { positive: true }],
    ['tanh', tanh, {}],
    ['sigmoid', sigmoid, {}],
    ['softplus', softplus, {}],
    ['square', square, {}],
    ['relu', relu, { awayFromZero: true }],
  ];
  for (const [name, op, domain] of unaries) {
    it(name, () => {
      fc.assert(fc.property(shapeArb, seedArb, (shape, seed) => {
        checkGrads(op, [randomTensor(shape, seed, domain)], { order: 2 });
      }), runs);
    });
  }

  const binaries: [string, (a: Tensor, b: Tensor) => Tensor, boolean][] = [
    ['add', add, false], ['sub', sub, false], ['mul', mul, false], ['div', div, true],
  ];
  for (const [name, op, positiveDenominator] of binaries) {
    it(`${name}, equal shapes and broadcasting either way`, () => {
      fc.assert(fc.property(shapeArb, seedArb, fc.boolean(), (shape, seed, swap) => {
        const other = broadcastPartner(shape, seed + 1);
        const [sa, sb] = swap ? [other, shape] : [shape, other];
        const a = randomTensor(sa, seed);
        const b = randomTensor(sb, seed + 2, { positive: positiveDenominator });
        checkGrads(op, [a, b], { order: 2 });
      }), runs);
    });
  }

  it('mask with a constant 0/1 pattern', () => {
    fc.assert(fc.property(shapeArb, seedArb, (shape, seed) => {
      const x = randomTensor(shape, seed);
      const rng = new Random(seed + 7);
      const m = Float64Array.from(x.data, () => (rng.uniform() < 0.5 ? 0 : 1));
      checkGrads((t) => mul(mask(t, m), t), [x], { order: 2 });
    }), runs);
  });
});

describe('matrix and shape primitives', () => {
  it('matmul with every transpose combination', () => {
    fc.assert(fc.property(dim, dim, dim, seedArb, fc.boolean(), fc.boolean(), (m, k, n, seed, ta, tb) => {
      const a = randomTensor(ta ? [k, m] : [m, k], seed);
      const b = randomTensor(tb ? [n, k] : [k, n], seed + 1);
      // Multiply by itself-dependent terms so second derivatives are non-trivial.
      checkGrads((x, y) => mul(matmul(x, y, ta, tb), matmul(x, y, ta, tb)), [a, b], { order: 2 });
    }), runs);
  });

  it('transpose and reshape', () => {
    fc.assert(fc.property(dim, dim, seedArb, (r, c, seed) => {
      const a = randomTensor([r, c], seed);
      checkGrads((x) => square(reshape(transpose(x), [r * c])), [a], { order: 2 });
    }), runs);
  });

  it('broadcastTo and sumTo are adjoint and differentiable', () => {
    fc.assert(fc.property(shapeArb, seedArb, (shape, seed) => {
      const small = broadcastPartner(shape, seed);
      const a = randomTensor(small, seed + 3);
      checkGrads((x) => square(broadcastTo(x, shape)), [a], { order: 2 });
      const big = randomTensor(shape, seed + 4);
      checkGrads((x) => square(sumTo(x, small)), [big], { order: 2 });
    }), runs);
  });

  it('sum and mean over axes', () => {
    fc.assert(fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), seedArb, (shape, seed) => {
      const axis = seed % shape.length;
      const a = randomTensor(shape, seed);
      checkGrads((x) => square(sum(x, axis)), [a], { order: 2 });
      checkGrads((x) => square(mean(x, axis, true)), [a], { order: 2 });
    }), runs);
  });
});

describe('fused stable reductions', () => {
  it('logSumExp and logSoftmax along any axis', () => {
    fc.assert(fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), seedArb, (shape, seed) => {
      const axis = seed % shape.length;
      const a = randomTensor(shape, seed);
      checkGrads((x) => logSumExp(x, axis), [a], { order: 2 });
      checkGrads((x) => logSoftmax(x, axis), [a], { order: 2 });
    }), runs);
  });

  it('stay finite and exact for huge logits', () => {
    const x = Tensor.from([[1000, 0, -1000], [-800, -800, -800]]);
    const lse = logSumExp(x).data;
    expect(lse[0]).toBe(1000);
    expect(lse[1]).toBeCloseTo(-800 + Math.log(3), 12);
    const ls = logSoftmax(x).data;
    expect(ls[0]).toBe(0);
    expect(ls[2]).toBe(-2000);
    expect(Array.from(ls).every(Number.isFinite)).toBe(true);
  });

  it('sigmoid and softplus are stable at ±800', () => {
    expect(sigmoid(Tensor.from([-800, 800])).data).toEqual(new Float64Array([0, 1]));
    const sp = softplus(Tensor.from([-800, 800, 0])).data;
    expect(sp[0]).toBe(0);
    expect(sp[1]).toBe(800);
    expect(sp[2]).toBeCloseTo(Math.LN2, 15);
  });
});

describe('indexing', () => {
  it('gather/scatter and flat slices', () => {
    fc.assert(fc.property(dim, fc.integer({ min: 2, max: 5 }), seedArb, (rows, classes, seed) => {
      const rng = new Random(seed);
      const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
      const a = randomTensor([rows, classes], seed);
      checkGrads((x) => square(gather(x, labels)), [a], { order: 2 });
      checkGrads((x) => square(scatter(x, labels, classes)), [randomTensor([rows], seed + 1)], { order: 2 });
      const start = rng.int(rows * classes);
      const length = 1 + rng.int(rows * classes - start);
      checkGrads((x) => square(sliceFlat(x, start, [length])), [a], { order: 2 });
      checkGrads((x) => square(padFlat(x, start, [rows * classes])), [randomTensor([length], seed + 2)], { order: 2 });
    }), runs);
  });

  it('reject out-of-range indices naming the op', () => {
    expect(() => gather(Tensor.zeros([2, 3]), Int32Array.from([0, 3]))).toThrow(/gather: index 3 at row 1/);
  });
});

describe('losses', () => {
  it('softmax cross-entropy (sum and mean) matches its definition and differentiates twice', () => {
    fc.assert(fc.property(dim, fc.integer({ min: 2, max: 5 }), seedArb, (rows, classes, seed) => {
      const rng = new Random(seed);
      const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
      const logits = randomTensor([rows, classes], seed);
      let expected = 0;
      for (let r = 0; r < rows; r++) {
        const row = Array.from(logits.data.subarray(r * classes, (r + 1) * classes));
        const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
        expected += lse - row[labels[r]!]!;
      }
      expect(softmaxCrossEntropy(logits, labels, 'sum').item()).toBeCloseTo(expected, 10);
      expect(softmaxCrossEntropy(logits, labels, 'mean').item()).toBeCloseTo(expected / rows, 10);
      checkGrads((x) => softmaxCrossEntropy(x, labels, 'sum'), [logits], { order: 2 });
    }), runs);
  });

  it('mean squared error (sum and mean)', () => {
    fc.assert(fc.property(dim, seedArb, (rows, seed) => {
      const p = randomTensor([rows, 1], seed);
      const t = randomTensor([rows], seed + 1);
      let expected = 0;
      for (let i = 0; i < rows; i++) expected += (p.data[i]! - t.data[i]!) ** 2;
      expect(meanSquaredError(p, t, 'sum').item()).toBeCloseTo(expected, 12);
      expect(meanSquaredError(p, t, 'mean').item()).toBeCloseTo(expected / rows, 12);
      checkGrads((x, y) => meanSquaredError(x, y, 'sum'), [p, t], { order: 2 });
    }), runs);
  });

  it('shape errors name the op and the shapes', () => {
    expect(() => add(Tensor.zeros([2, 3]), Tensor.zeros([4]))).toThrow(/add: shapes \[2, 3\] and \[4\] do not broadcast/);
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3]))).toThrow(/matmul: inner dimensions differ/);
    expect(() => softmaxCrossEntropy(Tensor.zeros([2, 3]), Int32Array.from([0]))).toThrow(/1 labels for 2 rows/);
  });
});

describe('checkGrads can fail', () => {
  it('detects a wrong derivative rule', () => {
    // A function whose recorded graph is cut (detach) has a wrong VJP: checkGrads must notice.
    const wrong = (x: Tensor): Tensor => mul(x, x.detach());
    expect(() => checkGrads(wrong, [Tensor.from([0.5, 1.5])], { order: 1 })).toThrow(/VJP gives/);
  });
});

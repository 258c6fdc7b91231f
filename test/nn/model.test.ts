import { describe, expect, it } from 'vitest';
import { noGrad, Tensor } from '../../src/autograd/index.js';
import { makeBatch } from '../../src/nn/losses.js';
import { argmaxRow, computeMetrics, frequencyRanking } from '../../src/nn/metrics.js';
import { MLP, forward } from '../../src/nn/mlp.js';
import { modelAlpha, predictRaw, predictScaled, scaleInputs, type Model } from '../../src/nn/model.js';
import { outputNoise } from '../../src/nn/noise.js';
import { Random } from '../../src/random/random.js';

describe('metrics', () => {
  it('accuracy counts rows whose largest output is the label', () => {
    const p = Float64Array.of(0.1, 0.7, 0.2, /**/ 0.5, 0.3, 0.2, /**/ 0.2, 0.3, 0.5, /**/ 0.4, 0.4, 0.2);
    expect(computeMetrics('classification', p, Float64Array.of(1, 0, 0, 1))).toEqual({ accuracy: 0.5 });
    expect(computeMetrics('classification', p, Float64Array.of(1, 0, 2, 0))).toEqual({ accuracy: 1 });
  });

  it('RMSE and R² in closed form; R² is 0 for a constant target', () => {
    const y = Float64Array.of(1, 2, 3, 6);
    const f = Float64Array.of(1.5, 2, 2, 5);
    // residuals 0.5, 0, −1, −1: RSS = 2.25; mean 3, TSS = 4 + 1 + 0 + 9 = 14.
    const m = computeMetrics('regression', f, y) as { rmse: number; r2: number };
    expect(m.rmse).toBeCloseTo(Math.sqrt(2.25 / 4), 15);
    expect(m.r2).toBeCloseTo(1 - 2.25 / 14, 15);
    expect(computeMetrics('regression', y, y)).toEqual({ rmse: 0, r2: 1 });
    expect(computeMetrics('regression', Float64Array.of(1, 3), Float64Array.of(2, 2))).toEqual({ rmse: 1, r2: 0 });
    expect(() => computeMetrics('regression', new Float64Array(0), new Float64Array(0))).toThrow('no rows');
  });

  it('argmax: the first of equal values, unless a preference ranks another first', () => {
    const v = Float64Array.of(9, 1, 3, 3, 2);
    expect(argmaxRow(v, 1, 4)).toBe(1);
    expect(argmaxRow(v, 1, 4, Int32Array.of(3, 2, 0, 1))).toBe(2);
    expect(argmaxRow(v, 1, 4, Int32Array.of(0, 1, 2, 3))).toBe(1);
    expect(argmaxRow(v, 0, 5, Int32Array.of(4, 3, 2, 1, 0))).toBe(0);
    expect(argmaxRow(Float64Array.of(1, 2, 3), 0, 3)).toBe(2);
    expect(argmaxRow(Float64Array.of(3, 2, 1), 0, 3)).toBe(0);
  });

  it('frequencyRanking: most frequent first, ties by index; with it a uniform output predicts the majority class', () => {
    expect(Array.from(frequencyRanking([2, 1, 2, 0, 1, 2], 4))).toEqual([2, 1, 0, 3]);
    expect(Array.from(frequencyRanking([1, 0], 3))).toEqual([0, 1, 2]);
    const uniform = new Float64Array(3 * 4).fill(1 / 3);
    const ranking = frequencyRanking([2, 2, 1], 3);
    expect(computeMetrics('classification', uniform, Float64Array.of(2, 2, 2, 0), ranking)).toEqual({ accuracy: 0.75 });
  });
});

/** A network with random weights (biases included) and a model around it. */
function randomModel(task: 'classification' | 'regression', seed: number): Model {
  const rng = new Random(seed);
  const outputs = task === 'classification' ? 3 : 1;
  const net = MLP.initialized([2, 4, outputs], ['tanh', 'identity'], rng);
  for (let j = 0; j < net.parameterCount; j++) net.params[j] = rng.normal();
  return {
    network: net, task, features: ['a', 'b'], target: 't', classes: task === 'classification' ? ['x', 'y', 'z'] : null,
    inputScaling: { mean: [1, -2], std: [2, 0.5] }, targetScaling: task === 'regression' ? { mean: 10, std: 3 } : null,
  };
}

describe('predictions', () => {
  const raw = Float64Array.of(0, 0, 1, -2, 3, -1.5, -4, 7);

  it('a classifier: softmax of the network on the standardized rows', () => {
    const model = randomModel('classification', 1);
    const scaled = Float64Array.from(raw, (v, k) => (k % 2 === 0 ? (v - 1) / 2 : (v + 2) / 0.5));
    expect(Array.from(scaleInputs(model, raw))).toEqual(Array.from(scaled));
    const logits = noGrad(() => forward(model.network, new Tensor(model.network.params), new Tensor(scaled, [4, 2])).data);
    const p = predictRaw(model, raw);
    for (let r = 0; r < 4; r++) {
      const z = Array.from(logits.subarray(3 * r, 3 * r + 3));
      const total = z.reduce((a, v) => a + Math.exp(v), 0);
      for (let c = 0; c < 3; c++) expect(p[3 * r + c]).toBeCloseTo(Math.exp(z[c]!) / total, 14);
    }
  });

  it('softmax does not overflow: huge logits give the right probabilities', () => {
    const net = new MLP([1, 2], ['identity'], Float64Array.of(1000, 1001, 0, 0));
    const model: Model = { network: net, task: 'classification', features: ['a'], target: 't', classes: ['x', 'y'], inputScaling: null, targetScaling: null };
    const p = predictRaw(model, Float64Array.of(1, -1));
    // Logits (1000, 1001) and (−1000, −1001): softmax of a difference of 1.
    const e = 1 / (1 + Math.E);
    expect(Array.from(p).map((v) => Number(v.toPrecision(14)))).toEqual([e, 1 - e, 1 - e, e].map((v) => Number(v.toPrecision(14))));
  });

  it('a regressor: the network output in the target’s units; without input scaling the rows are used as they are', () => {
    const model = randomModel('regression', 2);
    const plain: Model = { ...model, inputScaling: null };
    expect(scaleInputs(plain, raw)).not.toBe(raw);
    expect(Array.from(scaleInputs(plain, raw))).toEqual(Array.from(raw));
    const f = noGrad(() => forward(model.network, new Tensor(model.network.params), new Tensor(raw, [4, 2])).data);
    const p = predictRaw(plain, raw);
    for (let r = 0; r < 4; r++) expect(p[r]).toBeCloseTo(10 + 3 * f[r]!, 13);
    expect(Array.from(predictRaw({ ...plain, targetScaling: null }, raw))).toEqual(Array.from(f));
    expect(predictScaled(plain, new Tensor(new Float64Array(0), [0, 2])).length).toBe(0);
    expect(() => predictRaw(plain, Float64Array.of(1, 2, 3))).toThrow('not whole rows of 2 features');
    expect(() => predictScaled(plain, new Tensor(raw, [2, 4]))).toThrow('input must be [rows, 2]');
    // A rank-3 input is refused even when its second dimension matches.
    expect(() => predictScaled(plain, new Tensor(raw, [2, 2, 2]))).toThrow('input must be [rows, 2], got [2, 2, 2]');
  });

  it('modelAlpha: the recorded α (a number or one per layer), else 1', () => {
    const model = randomModel('regression', 3);
    expect(modelAlpha(model)).toBe(1);
    expect(modelAlpha({ ...model, training: { alpha: 0.25 } })).toBe(0.25);
    expect(modelAlpha({ ...model, training: { alpha: 0 } })).toBe(0);
    expect(modelAlpha({ ...model, training: { alpha: -1 } })).toBe(1);
    expect(modelAlpha({ ...model, training: { alpha: [0.5, 2] } })).toEqual([0.5, 2]);
    expect(modelAlpha({ ...model, training: { alpha: [0, 2] } })).toEqual([0, 2]);
    expect(modelAlpha({ ...model, training: { alpha: [0.5] } })).toBe(1);
    expect(modelAlpha({ ...model, training: { alpha: [0.5, -2] } })).toBe(1);
    expect(modelAlpha({ ...model, training: { alpha: [0.5, '2'] } })).toBe(1);
  });
});

describe('output noise under input noise', () => {
  it('for a linear regressor it is the sample standard deviation of s·(a·ε) over the draws, times the target scale', () => {
    // f(x) = a·x + b in standardized units; outputs in the target's units scale by its std (3).
    const net = new MLP([2, 1], ['identity'], Float64Array.of(0.5, -2, 0.3));
    const model: Model = { network: net, task: 'regression', features: ['p', 'q'], target: 't', classes: null, inputScaling: null, targetScaling: { mean: 4, std: 3 } };
    const x = Float64Array.of(1, 2, -1, 0.5, 3, 3);
    const batch = makeBatch(x, 2, new Float64Array(3), 'regression');
    const draws = 5;
    const levels = [0, 0.1, 0.7];
    const got = outputNoise(model, batch, levels, draws, new Random(4));
    // Replay the draws: one set for every level (common random numbers), draw by draw, row by
    // row, feature by feature.
    const replay = new Random(4);
    const epsilon = Array.from({ length: draws * 3 * 2 }, () => replay.normal());
    const expected = levels.map((s) => {
      if (s === 0) return 0;
      const out: number[][] = [[], [], []];
      for (let d = 0; d < draws; d++) {
        for (let r = 0; r < 3; r++) {
          const e1 = epsilon[(d * 3 + r) * 2]!;
          const e2 = epsilon[(d * 3 + r) * 2 + 1]!;
          out[r]!.push(3 * s * (0.5 * e1 - 2 * e2));
        }
      }
      const sd = (v: number[]): number => {
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
      };
      return out.reduce((a, v) => a + sd(v), 0) / 3;
    });
    expect(got[0]).toBe(0);
    expect(got[1]).toBeCloseTo(expected[1]!, 12);
    expect(got[2]).toBeCloseTo(expected[2]!, 12);
    // One draw: no spread to measure (divides by max(1, draws − 1) = 1 and the mean is the value).
    expect(outputNoise(model, batch, [0.5], 1, new Random(1))).toEqual([0]);
  });

  it('for a classifier it averages over rows and class probabilities', () => {
    // Two classes with logits (x, 0): p = sigmoid(x) and 1 − p move together; a row far out
    // saturates (p ≈ 1, no spread) and a row at 0 has the largest spread.
    const net = new MLP([1, 2], ['identity'], Float64Array.of(1, 0, 0, 0));
    const model: Model = { network: net, task: 'classification', features: ['x'], target: 't', classes: ['a', 'b'], inputScaling: null, targetScaling: null };
    const batch = makeBatch(Float64Array.of(0, 60), 1, Float64Array.of(0, 0), 'classification');
    const [noise] = outputNoise(model, batch, [0.01], 4000, new Random(2));
    // Near 0, p ≈ ½ + x/4: its sd is s/4 for both classes; the saturated row adds 0; mean over
    // 2 rows × 2 classes = s/4 · 2/4 = s/8.
    expect(noise).toBeGreaterThan((0.01 / 8) * 0.95);
    expect(noise).toBeLessThan((0.01 / 8) * 1.05);
  });
});

/**
 * Value tests of the pruning loop (src/pruning/iterate.ts) written for mutation testing
 * (docs/mutation.md), with the magnitude method so every removal can be worked out by hand:
 * how many parameters each step removes, which ones, what is left, the test quality of each
 * structure computed here from the remaining weights, and the structured mode's units.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { elbo, fitVariational } from '../../src/nn/variational.js';
import { pruneLoop } from '../../src/pruning/iterate.js';
import { Random } from '../../src/random/random.js';

const rng = new Random(6);
const rows = 10;
const x = rng.normals(rows * 3);
const y = rng.normals(rows);
const test = makeBatch(x, 3, y, 'regression');
const validation = makeBatch(x.slice(0, 12), 3, y.slice(0, 4), 'regression');

/** A linear regressor f = w·x + b with no scaling: its quality computed here. */
const linear = (params: number[]): Model => ({
  network: new MLP([3, 1], ['identity'], Float64Array.from(params)), task: 'regression', features: ['a', 'b', 'c'], target: 't', classes: null,
  inputScaling: null, targetScaling: null,
});
function quality(w: ArrayLike<number>, batch = test): { rmse: number; r2: number } {
  const f = Array.from({ length: batch.rows }, (_, i) => w[3]! + w[0]! * batch.x.data[3 * i]! + w[1]! * batch.x.data[3 * i + 1]! + w[2]! * batch.x.data[3 * i + 2]!);
  const mean = Array.from(batch.y).reduce((s, v) => s + v, 0) / batch.rows;
  const rss = f.reduce((s, v, i) => s + (v - batch.y[i]!) ** 2, 0);
  const tss = Array.from(batch.y).reduce((s, v) => s + (v - mean) ** 2, 0);
  return { rmse: Math.sqrt(rss / batch.rows), r2: 1 - rss / tss };
}
const close = (got: unknown, want: { rmse: number; r2: number }) => {
  const g = got as { rmse: number; r2: number };
  expect(g.rmse).toBeCloseTo(want.rmse, 12);
  expect(g.r2).toBeCloseTo(want.r2, 12);
};

describe('pruneLoop with magnitude', () => {
  it('each step removes down to (1 − share)·n active, smallest |w| first, the last step everything left', () => {
    const model = linear([0.5, -0.1, 2, 0.05]);
    const calls: [number, number][] = [];
    const result = pruneLoop({ model, train: test, test, validation, alpha: 1, noiseVariance: 1 }, {
      method: 'magnitude', schedule: [0.25, 0.5, 1], keepModels: true, rng: new Random(1), onStep: (d, t) => calls.push([d, t]),
    });
    expect(result.label).toBe('magnitude |w|');
    expect(calls).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    expect(result.steps.map((s) => s.removed)).toEqual([[], [3], [1], [0, 2]]);
    expect(result.steps.map((s) => s.active)).toEqual([4, 3, 2, 0]);
    expect(result.steps.map((s) => s.targetShare)).toEqual([0, 0.25, 0.5, 1]);
    expect(result.steps.map((s) => s.removedShare)).toEqual([0, 0.25, 0.5, 1]);
    expect(result.steps.map((s) => s.step)).toEqual([0, 1, 2, 3]);
    const weights = [[0.5, -0.1, 2, 0.05], [0.5, -0.1, 2, 0], [0.5, 0, 2, 0], [0, 0, 0, 0]];
    result.steps.forEach((s, k) => {
      close(s.test, quality(weights[k]!));
      close(s.validation, quality(weights[k]!, validation));
      expect(Array.from(s.params!)).toEqual(weights[k]);
      expect(Array.from(s.mask!)).toEqual(weights[k]!.map((v) => (v === 0 ? 0 : 1)));
      expect(s.testFineTuned).toBeUndefined();
      expect(s.outputNoise).toBeUndefined();
      expect(s.elbo).toBeUndefined();
      expect(s.removedUnits).toEqual([]);
    });
    // The model given is not modified.
    expect(Array.from(model.network.params)).toEqual([0.5, -0.1, 2, 0.05]);
  });

  it('a step whose share is already met removes nothing; without keepModels or validation those fields are absent', () => {
    const model = linear([0.5, -0.1, 2, 0.05]);
    // round(0.9 · 4) = 4 active allowed at 10%: nothing to remove; 30% → round(2.8) = 3 active.
    const result = pruneLoop({ model, train: test, test, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', schedule: [0.1, 0.3], rng: new Random(1) });
    expect(result.steps.map((s) => s.removed)).toEqual([[], [], [3]]);
    expect(result.steps.map((s) => s.active)).toEqual([4, 4, 3]);
    expect(result.steps[1]!.params).toBeUndefined();
    expect(result.steps[1]!.validation).toBeUndefined();
  });

  it('output noise is measured at every step; zero input noise, or nothing left to carry it, gives zero', () => {
    const result = pruneLoop({ model: linear([0.5, -0.1, 2, 0.05]), train: test, test, alpha: 1, noiseVariance: 1 }, {
      method: 'magnitude', schedule: [0.5, 1], noise: { inputStd: [0, 0.2], draws: 5 }, rng: new Random(1),
    });
    expect(result.steps.map((s) => s.outputNoise![0])).toEqual([0, 0, 0]);
    expect(result.steps[0]!.outputNoise![1]).toBeGreaterThan(0);
    expect(result.steps[1]!.outputNoise![1]).toBeGreaterThan(0);
    // Everything pruned: a constant output.
    expect(result.steps[2]!.outputNoise![1]).toBe(0);
  });

  it('fine-tuning retrains the pruned structure (pruned weights stay 0) and is measured beside the as-pruned quality', () => {
    const result = pruneLoop({ model: linear([0.5, -0.1, 2, 0.05]), train: test, test, validation, alpha: 0.1, noiseVariance: 1 }, {
      method: 'magnitude', schedule: [0.5], fineTuneEpochs: 20, fineTuneLearningRate: 0.05, keepModels: true, rng: new Random(1),
    });
    const [first, second] = result.steps;
    // Nothing removed at step 0: no training, so the fine-tuned quality is the quality.
    expect(first!.testFineTuned).toEqual(first!.test);
    expect(first!.validationFineTuned).toEqual(first!.validation);
    close(second!.test, quality([0.5, 0, 2, 0]));
    expect(Array.from(second!.params!).filter((_, j) => j === 1 || j === 3)).toEqual([0, 0]);
    expect(second!.params![0]).not.toBe(0.5);
    close(second!.testFineTuned, quality(second!.params!));
    close(second!.validationFineTuned, quality(second!.params!, validation));
    // A later step that removes nothing (10% is met by 4 active of 4) is not retrained either.
    const idle = pruneLoop({ model: linear([0.5, -0.1, 2, 0.05]), train: test, test, alpha: 0.1, noiseVariance: 1 }, {
      method: 'magnitude', schedule: [0.1], fineTuneEpochs: 20, fineTuneLearningRate: 0.05, keepModels: true, rng: new Random(1),
    });
    expect(idle.steps[1]!.removed).toEqual([]);
    expect(Array.from(idle.steps[1]!.params!)).toEqual([0.5, -0.1, 2, 0.05]);
  });
});

describe('pruneLoop, structured', () => {
  it('removes whole hidden units, smallest summed |w| first, then single parameters when no unit is left to take', () => {
    // [3, 2, 1]: unit h1[1] has the smaller weights.
    const params = Float64Array.of(1, -2, 1.5, 0.1, -0.2, 0.1, 0.3, 0.05, 2, 0.1, 0.4);
    const model: Model = { ...linear([0, 0, 0, 0]), network: new MLP([3, 2, 1], ['tanh', 'identity'], params) };
    const result = pruneLoop({ model, train: test, test, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', structured: true, schedule: [0.2, 0.6], keepModels: true, rng: new Random(1) });
    expect(result.label).toBe('magnitude |w|, structured');
    // n = 11. Step 1: want 11 − round(8.8) = 2 → the whole of h1[1]: W1[1,·], b1[1], W2[0,1] (5 parameters).
    expect(result.steps[1]!.removedUnits).toEqual(['h1[1]']);
    expect(result.steps[1]!.removed).toEqual([3, 4, 5, 7, 9]);
    // Step 2: want 6 − round(4.4) = 2; h1[0] is the only unit, and removing it takes 5 more.
    expect(result.steps[2]!.removedUnits).toEqual(['h1[0]']);
    expect(result.steps[2]!.active).toBe(1);
    // Only the output bias is left.
    expect(Array.from(result.steps[2]!.mask!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    // A last step that asks for everything left takes it all, units or not.
    const all = pruneLoop({ model, train: test, test, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', structured: true, schedule: [0.5, 0.99], rng: new Random(1) });
    expect(all.steps[2]!.removedUnits).toEqual([]);
    expect(all.steps[2]!.removed).toEqual([0, 1, 2, 6, 8, 10]);
    // Aggregation by max picks h1[1] as well (max |w| 0.2 < 2).
    const byMax = pruneLoop({ model, train: test, test, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', structured: true, aggregation: 'max', schedule: [0.2], rng: new Random(1) });
    expect(byMax.steps[1]!.removedUnits).toEqual(['h1[1]']);
  });

  it('when the units do not make up the count, the parameters’ own order supplies the rest', () => {
    // [3, 1, 2] classifier: the one unit owns W1 (0–2), b1 (3) and W2 (4, 5); b2 is 6, 7.
    const labels = Float64Array.from(y, (v) => (v > 0 ? 1 : 0));
    const classes = makeBatch(x, 3, labels, 'classification');
    const model: Model = {
      network: new MLP([3, 1, 2], ['tanh', 'identity'], Float64Array.of(1, -2, 1.5, 0.3, 2, 0.1, 0.7, 0.05)), task: 'classification',
      features: ['a', 'b', 'c'], target: 't', classes: ['n', 'p'], inputScaling: null, targetScaling: null,
    };
    // 90%: 8 − round(0.8) = 7 to remove; the unit gives 6, then the smallest |w| left, b2[1].
    const result = pruneLoop({ model, train: classes, test: classes, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', structured: true, schedule: [0.9], rng: new Random(1) });
    expect(result.steps[1]!.removedUnits).toEqual(['h1[0]']);
    expect(result.steps[1]!.removed).toEqual([0, 1, 2, 3, 4, 5, 7]);
    // A unit with a member already pruned gives only its active ones, and the fallback skips what
    // the unit gave: W1[0,1] pruned, W2[1,0] the smallest weight of all.
    const partial: Model = { ...model, network: new MLP([3, 1, 2], ['tanh', 'identity'], Float64Array.of(1, -2, 1.5, 0.3, 2, 0.01, 0.7, 0.05)) };
    partial.network.prune([1]);
    // 7 active, 90%: 7 − round(0.8) = 6 to remove: the unit's 5 active members, then b2[1].
    const more = pruneLoop({ model: partial, train: classes, test: classes, alpha: 1, noiseVariance: 1 }, { method: 'magnitude', structured: true, schedule: [0.9], rng: new Random(1) });
    expect(more.steps[1]!.removed).toEqual([0, 2, 3, 4, 5, 7]);
    // The last parameter standing, b2[0] = 0.7, favours class 0: accuracy is the share of 0 labels.
    expect(result.steps[1]!.test).toEqual({ accuracy: labels.filter((v) => v === 0).length / rows });
  });
});

describe('pruneLoop with ELBO estimates', () => {
  const posteriorState = (mean: number[], sigma: number[]) => ({ posterior: { mean: Float64Array.from(mean), sigma: Float64Array.from(sigma) }, alpha: [1], prior: 'global' as const, noiseVariance: 0.5 });

  it('a given posterior is evaluated, not refitted, on shared draws; each step masks it to the structure; nothing left is the zero model', () => {
    const model = linear([0.5, -0.1, 2, 0.05]);
    const state = posteriorState([0.5, -0.1, 2, 0.05], [0.1, 0.2, 0.05, 0.3]);
    const result = pruneLoop({ model, train: test, test, alpha: 1, noiseVariance: 0.5, posterior: state }, {
      method: 'magnitude', schedule: [0.25, 1], elbo: true, elboSamples: 8, posteriorEpochs: 0, keepModels: true, rng: new Random(3),
    });
    // The loop's first use of its stream: the shared draws.
    const draws = new Random(3).fork().normals(8 * 4);
    const at = (mask: number[]) => {
      const net = new MLP([3, 1], ['identity'], Float64Array.of(0.5, -0.1, 2, 0.05), Float64Array.from(mask));
      const posterior = { mean: state.posterior.mean.map((v, j) => v * mask[j]!), sigma: state.posterior.sigma.map((v, j) => v * mask[j]!) };
      return elbo(net, posterior, test, 'regression', { alpha: [1], noiseVariance: 0.5, draws });
    };
    const expected = [at([1, 1, 1, 1]), at([1, 1, 1, 0])];
    expected.forEach((e, k) => {
      expect(result.steps[k]!.elbo!.value).toBeCloseTo(e.elbo, 10);
      expect(result.steps[k]!.elbo!.kl).toBeCloseTo(e.kl, 12);
      expect(Array.from(result.steps[k]!.elbo!.logLikelihoods)).toEqual(Array.from(e.logLikelihoods));
      expect(result.steps[k]!.elbo!.alpha).toEqual([1]);
      expect(result.steps[k]!.elbo!.noiseVariance).toBe(0.5);
    });
    expect(Array.from(result.steps[1]!.posterior!.posterior.sigma)).toEqual([0.1, 0.2, 0.05, 0]);
    expect(Array.from(result.steps[1]!.posterior!.posterior.mean)).toEqual([0.5, -0.1, 2, 0]);
    // All pruned: f = 0, so every draw's log-likelihood is that of the zero model, and the KL is 0.
    const zero = -Array.from(y).reduce((s, v) => s + v * v, 0) / (2 * 0.5) - (rows / 2) * Math.log(2 * Math.PI * 0.5);
    expect(result.steps[2]!.elbo!.value).toBeCloseTo(zero, 10);
    expect(result.steps[2]!.elbo!.kl).toBe(0);
  });

  it('without a posterior the full structure’s is fitted from ŵ (1500 epochs), then refitted warm on each structure', () => {
    const model = linear([0.5, -0.1, 2, 0.05]);
    const result = pruneLoop({ model, train: test, test, alpha: 2, noiseVariance: 0.5 }, {
      method: 'magnitude', schedule: [0.25], elbo: true, elboSamples: 4, posteriorEpochs: 20, keepModels: true, rng: new Random(4),
    });
    const stream = new Random(4);
    const draws = stream.fork().normals(4 * 4);
    const first = fitVariational(model.network.clone(), test, 'regression', {
      initialMean: Float64Array.of(0.5, -0.1, 2, 0.05), alpha: 2, prior: 'global', noiseVariance: 0.5, epochs: 1500, rng: stream.fork(), elboDraws: draws,
    });
    expect(result.steps[0]!.elbo!.value).toBeCloseTo(first.final.elbo, 10);
    expect(result.steps[0]!.elbo!.alpha).toEqual(first.alpha);
    expect(result.steps[0]!.posterior!.prior).toBe('global');
    // Step 1: index 3 removed, the refit starts from the previous posterior with a small rate.
    const pruned = new MLP([3, 1], ['identity'], Float64Array.of(0.5, -0.1, 2, 0.05));
    pruned.prune([3]);
    const mean = first.posterior.mean.map((v, j) => (j === 3 ? 0 : v));
    stream.fork(); // the scoring's stream (magnitude does not use it)
    const second = fitVariational(pruned, test, 'regression', {
      initialMean: mean, initialSigma: first.posterior.sigma, alpha: first.alpha, prior: 'global', noiseVariance: first.noiseVariance, epochs: 20, learningRate: 0.01, rng: stream.fork(), elboDraws: draws,
    });
    expect(result.steps[1]!.elbo!.value).toBeCloseTo(second.final.elbo, 10);
    expect(result.steps[1]!.elbo!.noiseVariance).toBe(second.noiseVariance);
  });
});

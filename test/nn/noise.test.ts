import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { NOISE_ROWS, outputNoise } from '../../src/nn/noise.js';
import { Random } from '../../src/random/random.js';

/** A 3-2-1 network with identity activations: y = σ_y·(W2(W1x + b1) + b2) + μ_y, linear in x. */
function linearModel(targetStd: number): { model: Model; gain: number } {
  const network = new MLP([3, 2, 1], ['identity', 'identity']);
  network.params.set([0.5, -1, 2, 1.5, 0.25, -0.75, 0.1, -0.2, 0.8, -1.3, 0.4]);
  const w1 = network.weight(0), w2 = network.weight(1);
  // The effective row a = W2·W1 and the output's standard deviation per unit input noise.
  const a = [0, 1, 2].map((j) => w2[0]! * w1[j]! + w2[1]! * w1[3 + j]!);
  const gain = targetStd * Math.hypot(...a);
  const model: Model = {
    network, task: 'regression', features: ['a', 'b', 'c'], target: 'y', classes: null,
    inputScaling: null, targetScaling: { mean: 7, std: targetStd },
  };
  return { model, gain };
}

function rows(n: number, rng: Random): ReturnType<typeof makeBatch> {
  return makeBatch(Float64Array.from({ length: 3 * n }, () => rng.normal()), 3, new Float64Array(n), 'regression');
}

describe('outputNoise', () => {
  it('is s·‖a‖·σ_y for a linear model, within the sampling error of the standard deviation', () => {
    const { model, gain } = linearModel(2.5);
    const draws = 4000;
    const [zero, small, large] = outputNoise(model, rows(50, new Random(1)), [0, 0.1, 1], draws, new Random(2));
    expect(zero).toBe(0);
    // The sample std of n normal draws has relative standard error ≈ 1/√(2(n − 1)), here 1.1%;
    // the mean over 50 rows brings it to 0.16%, so 1% is six standard errors.
    expect(Math.abs(small! / (0.1 * gain) - 1)).toBeLessThan(0.01);
    expect(Math.abs(large! / gain - 1)).toBeLessThan(0.01);
    // Common random numbers: the same ε at every level, so a linear model's estimate is exactly
    // proportional to s.
    expect(large! / small!).toBeCloseTo(10, 10);
  });

  it('uses at most NOISE_ROWS rows: a larger batch gives the estimate of its first NOISE_ROWS rows', () => {
    const { model } = linearModel(1);
    const network = model.network;
    // A nonlinear output so that rows differ in how much noise they pass on.
    const tanhModel: Model = { ...model, network: new MLP([3, 2, 1], ['tanh', 'identity'], network.params) };
    const big = rows(NOISE_ROWS + 300, new Random(3));
    const first = makeBatch(big.x.data.slice(0, 3 * NOISE_ROWS), 3, new Float64Array(NOISE_ROWS), 'regression');
    const all = outputNoise(tanhModel, big, [0.3, 1], 5, new Random(4));
    const head = outputNoise(tanhModel, first, [0.3, 1], 5, new Random(4));
    expect(all).toEqual(head);
  });

  it('averages class probabilities’ standard deviations for a classifier, and grows with s', () => {
    const network = MLP.initialized([3, 4, 3], ['tanh', 'identity'], new Random(5));
    const model: Model = { network, task: 'classification', features: ['a', 'b', 'c'], target: 'k', classes: ['x', 'y', 'z'], inputScaling: null, targetScaling: null };
    const batch = makeBatch(Float64Array.from({ length: 60 }, (_, k) => Math.sin(k)), 3, new Float64Array(20), 'classification');
    const noise = outputNoise(model, batch, [0, 0.05, 0.5, 2], 200, new Random(6));
    expect(noise[0]).toBe(0);
    for (let i = 1; i < noise.length; i++) expect(noise[i]!).toBeGreaterThan(noise[i - 1]!);
    // Probabilities lie in [0, 1]: no standard deviation of them can exceed 1/2.
    expect(noise[3]!).toBeLessThan(0.5);
  });
});

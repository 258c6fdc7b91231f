/**
 * Value tests of the variational relevance method (src/pruning/variational.ts) written for
 * mutation testing (docs/mutation.md): the ratio on hand-made posteriors, and the refusals of a
 * posterior that does not fit the network or has a σ that is not positive.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import type { RelevanceContext } from '../../src/pruning/relevance.js';
import { variationalMethod } from '../../src/pruning/variational.js';
import { Random } from '../../src/random/random.js';

const net = new MLP([1, 2], ['identity']);
net.prune([3]);
const context: RelevanceContext = {
  network: net, task: 'classification', batch: makeBatch(Float64Array.of(1), 1, Float64Array.of(0), 'classification'), alpha: 1, rng: new Random(0),
};

describe('variational scores', () => {
  it('|μ|/σ, −μ²/(2σ²) and its exponential per active parameter; NaN where pruned (whatever the posterior holds there)', () => {
    const posterior = { mean: Float64Array.of(-1, 0.5, 3, 7), sigma: Float64Array.of(2, 0.25, 1, 0) };
    const result = variationalMethod.score({ ...context, posterior });
    expect(Array.from(result.scores).slice(0, 3)).toEqual([0.5, 2, 3]);
    expect(result.scores[3]).toBeNaN();
    expect(Array.from(result.details.logDensityRatio).slice(0, 3)).toEqual([-1 / 8, -2, -4.5]);
    expect(Array.from(result.details.densityRatio).slice(0, 3)).toEqual([Math.exp(-1 / 8), Math.exp(-2), Math.exp(-4.5)]);
    expect(result.details.densityRatio[3]).toBeNaN();
    expect(Array.from(result.order)).toEqual([0, 1, 2]);
  });

  it('refuses a posterior of another size (means or σ) and an active σ that is 0, negative or NaN', () => {
    const ok = Float64Array.of(1, 1, 1, 1);
    expect(() => variationalMethod.score({ ...context, posterior: { mean: Float64Array.of(1, 1, 1), sigma: ok } })).toThrow('3 means for 4 parameters');
    expect(() => variationalMethod.score({ ...context, posterior: { mean: ok, sigma: Float64Array.of(1, 1, 1) } })).toThrow('for 4 parameters');
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => variationalMethod.score({ ...context, posterior: { mean: ok, sigma: Float64Array.of(1, bad, 1, 1) } })).toThrow(`σ of parameter W1[1,0] is ${bad}, not positive`);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { prepareData } from '../../src/nn/fit.js';
import { MLP } from '../../src/nn/mlp.js';
import { fitMap } from '../../src/nn/train.js';
import { alphaPerParameter } from '../../src/nn/losses.js';
import { elbo, fitVariational, klDivergence } from '../../src/nn/variational.js';
import { Random } from '../../src/random/random.js';

function wineModel(seed: number) {
  const data = prepareData(loadDataset('wine'), { seed });
  const net = MLP.initialized([13, 8, 3], ['tanh', 'identity'], new Random(seed));
  fitMap(net, data.train, 'classification');
  return { data, net };
}

describe('variational posterior', () => {
  it('the ELBO rises during training, well beyond its Monte Carlo error', () => {
    const { data, net } = wineModel(1);
    const start = { mean: net.params.slice(), sigma: new Float64Array(net.parameterCount).fill(0.1) };
    const before = elbo(net, start, data.train, 'classification', { alpha: [1, 1], samples: 64, rng: new Random(5) });
    const fit = fitVariational(net, data.train, 'classification', { epochs: 300, rng: new Random(2), prior: 'fixed' });
    const after = elbo(net, fit.posterior, data.train, 'classification', { alpha: fit.alpha, samples: 64, rng: new Random(5) });
    expect(after.elbo - before.elbo).toBeGreaterThan(10 * (after.standardError + before.standardError));
    // The per-epoch history rises too (first tenth against last tenth).
    const h = fit.history;
    const tenth = Math.floor(h.length / 10);
    const early = h.slice(0, tenth).reduce((a, b) => a + b, 0) / tenth;
    const late = h.slice(-tenth).reduce((a, b) => a + b, 0) / tenth;
    expect(late).toBeGreaterThan(early);
  });

  it('the closed-form KL matches a Monte Carlo estimate of E_q[log q − log p]', () => {
    const rng = new Random(9);
    const net = new MLP([3, 4, 2], ['tanh', 'identity']);
    net.prune([0, 5, 17]);
    const n = net.parameterCount;
    const mean = rng.normals(n).map((v, j) => (net.mask[j] === 0 ? 0 : v));
    const sigma = Float64Array.from({ length: n }, (_, j) => (net.mask[j] === 0 ? 0 : 0.2 + rng.uniform()));
    const alpha = [0.7, 2.5];
    const a = alphaPerParameter(net, alpha);
    const exact = klDivergence(net, { mean, sigma }, alpha);
    const draws = 20_000;
    const values = new Float64Array(draws);
    for (let s = 0; s < draws; s++) {
      let v = 0;
      for (let j = 0; j < n; j++) {
        if (net.mask[j] === 0) continue;
        const e = rng.normal();
        const w = mean[j]! + sigma[j]! * e;
        const logQ = -0.5 * e * e - Math.log(sigma[j]!) - 0.5 * Math.log(2 * Math.PI);
        const logP = -0.5 * a[j]! * w * w + 0.5 * Math.log(a[j]!) - 0.5 * Math.log(2 * Math.PI);
        v += logQ - logP;
      }
      values[s] = v;
    }
    const mc = values.reduce((x, y) => x + y, 0) / draws;
    const sd = Math.sqrt(values.reduce((x, y) => x + (y - mc) ** 2, 0) / (draws - 1));
    expect(Math.abs(mc - exact)).toBeLessThan(4 * sd / Math.sqrt(draws));
  });

  it('pruned parameters have μ = σ = 0 and do not enter the KL; empirical Bayes sets 1/α = mean(μ² + σ²)', () => {
    const { data, net } = wineModel(3);
    net.prune([0, 1, 2, 50, 100]);
    const fit = fitVariational(net, data.train, 'classification', { epochs: 40, rng: new Random(1), prior: 'global' });
    for (const j of [0, 1, 2, 50, 100]) {
      expect(fit.posterior.mean[j]).toBe(0);
      expect(fit.posterior.sigma[j]).toBe(0);
    }
    expect(fit.alpha[0]).toBe(fit.alpha[1]);
    expect(fit.alpha[0]).toBeGreaterThan(0);
  });

  it('is reproducible from its seed', () => {
    const { data, net } = wineModel(2);
    const a = fitVariational(net, data.train, 'classification', { epochs: 20, rng: new Random(7) });
    const b = fitVariational(net, data.train, 'classification', { epochs: 20, rng: new Random(7) });
    expect(Array.from(a.posterior.sigma)).toEqual(Array.from(b.posterior.sigma));
  });

  it('fits a regression noise variance as a hyperparameter', () => {
    const data = prepareData(loadDataset('boston'), { seed: 1 });
    const net = MLP.initialized([13, 8, 1], ['tanh', 'identity'], new Random(1));
    const map = fitMap(net, data.train, 'regression');
    const fit = fitVariational(net, data.train, 'regression', { epochs: 150, rng: new Random(1), noiseVariance: 1 });
    // Started at 1 (the unit variance of the standardized target), it must move towards the residual scale.
    expect(fit.noiseVariance).toBeLessThan(0.6);
    expect(fit.noiseVariance).toBeGreaterThan(map.noiseVariance * 0.5);
  });
});

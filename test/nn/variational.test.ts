import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { prepareData } from '../../src/nn/fit.js';
import { MLP } from '../../src/nn/mlp.js';
import { fitMap } from '../../src/nn/train.js';
import { alphaPerParameter } from '../../src/nn/losses.js';
import { Tensor } from '../../src/autograd/index.js';
import { elbo, elboDifference, fitVariational, klDivergence, negativeElbo } from '../../src/nn/variational.js';
import { Random } from '../../src/random/random.js';
import { MUTATION_RUN } from '../helpers/mutation.js';

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

  // A converged Boston fit and 150 epochs: a minute instrumented; mutation runs rely on the small
  // noise-variance tests below.
  it.skipIf(MUTATION_RUN)('fits a regression noise variance as a hyperparameter', () => {
    const data = prepareData(loadDataset('boston'), { seed: 1 });
    const net = MLP.initialized([13, 8, 1], ['tanh', 'identity'], new Random(1));
    const map = fitMap(net, data.train, 'regression');
    const fit = fitVariational(net, data.train, 'regression', { epochs: 150, rng: new Random(1), noiseVariance: 1 });
    // Started at 1 (the unit variance of the standardized target), it must move towards the residual scale.
    expect(fit.noiseVariance).toBeLessThan(0.6);
    expect(fit.noiseVariance).toBeGreaterThan(map.residualVariance * 0.5);
  });
});

describe('the variational objective is the negative ELBO, defined once', () => {
  it('on the full batch, the training objective with draws ε equals −elbo() on the same draws', () => {
    const { data, net } = wineModel(4);
    net.prune([2, 9, 40]);
    const n = net.parameterCount;
    const rng = new Random(3);
    const sigma = Float64Array.from({ length: n }, () => 0.05 + 0.2 * rng.uniform());
    const posterior = { mean: net.params.slice(), sigma };
    const alpha = [0.8, 2.2];
    const draws = rng.normals(4 * n);
    const estimate = elbo(net, posterior, data.train, 'classification', { alpha, draws });
    const objective = negativeElbo(
      net, data.train, 'classification',
      { mean: new Tensor(posterior.mean), sigma: new Tensor(sigma), logNoiseVariance: 0 },
      alphaPerParameter(net, alpha),
      Array.from({ length: 4 }, (_, s) => new Tensor(draws.slice(s * n, (s + 1) * n))),
    ).item();
    expect(Math.abs(objective + estimate.elbo)).toBeLessThan(1e-12 * Math.abs(estimate.elbo));
    expect(estimate.samples).toBe(4);
  });

  it('empirical Bayes: the fit returns exactly 1/α = mean over active parameters of μ² + σ² (global and per layer)', () => {
    const { data, net } = wineModel(5);
    net.prune([0, 1, 77]);
    for (const prior of ['global', 'per-layer'] as const) {
      const fit = fitVariational(net, data.train, 'classification', { epochs: 15, rng: new Random(2), prior });
      const groups = prior === 'global' ? [[0, net.parameterCount]] : net.layers.map((l) => [l.weightOffset, l.biasOffset + l.outputs]);
      groups.forEach(([from, to], g) => {
        let sum = 0;
        let count = 0;
        for (let j = from!; j < to!; j++) {
          if (net.mask[j] === 0) continue;
          sum += fit.posterior.mean[j]! ** 2 + fit.posterior.sigma[j]! ** 2;
          count++;
        }
        expect(fit.alpha[g]).toBeCloseTo(count / sum, 12);
      });
    }
  });

  it('ELBO differences on common random numbers: zero for one structure, and a much smaller error than the estimates’ own', () => {
    const { data, net } = wineModel(6);
    const fit = fitVariational(net, data.train, 'classification', { epochs: 60, rng: new Random(1) });
    const draws = new Random(8).normals(32 * net.parameterCount);
    const a = { net, posterior: fit.posterior, alpha: fit.alpha };
    const same = elboDifference(a, a, data.train, 'classification', draws);
    expect(same.difference).toBe(0);
    expect(same.standardError).toBe(0);
    // Prune the three weakest-signal parameters: a close structure.
    const pruned = net.clone();
    const snr = Array.from(net.activeIndices()).sort((i, j) => Math.abs(fit.posterior.mean[i]!) / fit.posterior.sigma[i]! - Math.abs(fit.posterior.mean[j]!) / fit.posterior.sigma[j]!);
    pruned.prune(snr.slice(0, 3));
    const mean = fit.posterior.mean.map((v, j) => (pruned.mask[j] === 0 ? 0 : v));
    const sigma = fit.posterior.sigma.map((v, j) => (pruned.mask[j] === 0 ? 0 : v));
    const b = { net: pruned, posterior: { mean, sigma }, alpha: fit.alpha };
    const paired = elboDifference(a, b, data.train, 'classification', draws);
    expect(paired.difference).toBeCloseTo(paired.b.elbo - paired.a.elbo, 12);
    expect(paired.standardError).toBeLessThan(0.5 * Math.hypot(paired.a.standardError, paired.b.standardError));
  });
});

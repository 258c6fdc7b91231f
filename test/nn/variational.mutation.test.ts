/**
 * Value tests of the variational posterior's pieces (src/nn/variational.ts) written for mutation
 * testing (docs/mutation.md): the KL in closed form, the ELBO estimate and its standard error
 * recomputed from the same draws, common-random-number differences, empirical Bayes on
 * hand-made posteriors, and the fit on Bayesian linear regression, where the mean-field optimum
 * is known: the exact posterior mean, and σ_j² = 1/A_jj with A the posterior precision.
 */
import { describe, expect, it } from 'vitest';
import { softplusScalar } from '../../src/autograd/kernels.js';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { Random } from '../../src/random/random.js';
import { elbo, elboDifference, empiricalBayesAlpha, fitVariational, klDivergence, standardNormalDraws } from '../../src/nn/variational.js';
import { bayesianLinearRegression } from '../helpers/reference.js';

/** KL(N(μ, σ²) ‖ N(0, 1/α)) of one parameter. */
const kl1 = (mu: number, sigma: number, alpha: number) => 0.5 * (alpha * (mu * mu + sigma * sigma) - 1 - Math.log(alpha) - 2 * Math.log(sigma));

const rows = 12;
const rng = new Random(41);
const x = rng.normals(rows * 2);
const y = Float64Array.from({ length: rows }, (_, i) => 0.3 + x[2 * i]! - 0.5 * x[2 * i + 1]! + 0.4 * rng.normal());
const batch = makeBatch(x, 2, y, 'regression');

describe('KL and ELBO', () => {
  it('the KL is the sum of the closed forms over active parameters, with each layer’s α', () => {
    const net = new MLP([1, 2, 1], ['tanh', 'identity']);
    net.prune([2]);
    const mean = Float64Array.of(0.5, -1, 0, 0.2, 1.5, -0.3, 0.1);
    const sigma = Float64Array.of(0.3, 0.2, 0, 0.5, 0.1, 0.25, 0.4);
    const alpha = [0.7, 3];
    const expected = [0, 1, 3].reduce((s, j) => s + kl1(mean[j]!, sigma[j]!, 0.7), 0) + [4, 5, 6].reduce((s, j) => s + kl1(mean[j]!, sigma[j]!, 3), 0);
    expect(klDivergence(net, { mean, sigma }, alpha)).toBeCloseTo(expected, 13);
  });

  it('the ELBO is the mean log-likelihood over the draws minus the KL; its error the draws’ standard error', () => {
    const net = new MLP([2, 1], ['identity']);
    const posterior = { mean: Float64Array.of(0.9, -0.4, 0.2), sigma: Float64Array.of(0.1, 0.3, 0.2) };
    const draws = new Random(2).normals(3 * 5);
    const s2 = 0.3;
    const estimate = elbo(net, posterior, batch, 'regression', { alpha: 2, noiseVariance: s2, draws });
    const logLikelihoods = Array.from({ length: 5 }, (_, s) => {
      const w = [0, 1, 2].map((j) => posterior.mean[j]! + posterior.sigma[j]! * draws[3 * s + j]!);
      const rss = Array.from(y).reduce((a, v, i) => a + (v - w[0]! * x[2 * i]! - w[1]! * x[2 * i + 1]! - w[2]!) ** 2, 0);
      return -rss / (2 * s2) - (rows / 2) * Math.log(2 * Math.PI * s2);
    });
    logLikelihoods.forEach((v, s) => expect(estimate.logLikelihoods[s]).toBeCloseTo(v, 10));
    const mean = logLikelihoods.reduce((a, b) => a + b, 0) / 5;
    const sd = Math.sqrt(logLikelihoods.reduce((a, v) => a + (v - mean) ** 2, 0) / 4);
    const kl = [0, 1, 2].reduce((s, j) => s + kl1(posterior.mean[j]!, posterior.sigma[j]!, 2), 0);
    expect(estimate.expectedLogLikelihood).toBeCloseTo(mean, 10);
    expect(estimate.kl).toBeCloseTo(kl, 13);
    expect(estimate.elbo).toBeCloseTo(mean - kl, 10);
    expect(estimate.standardError).toBeCloseTo(sd / Math.sqrt(5), 10);
    expect(estimate.samples).toBe(5);
    // One draw: no spread to estimate.
    expect(elbo(net, posterior, batch, 'regression', { alpha: 2, draws: draws.slice(0, 3) }).standardError).toBe(0);
    expect(() => elbo(net, posterior, batch, 'regression', { alpha: 2, draws: draws.slice(0, 4) })).toThrow('4 draws are not whole samples of 3 parameters');
    expect(() => elbo(net, posterior, batch, 'regression', { alpha: 2, draws: new Float64Array(0) })).toThrow('0 draws are not whole samples');
    // Default draws: 32 standard normals per parameter from the given stream (default seed 0).
    expect(elbo(net, posterior, batch, 'regression', { alpha: 2, rng: new Random(7) }).logLikelihoods).toEqual(
      elbo(net, posterior, batch, 'regression', { alpha: 2, draws: standardNormalDraws(new Random(7), 32, 3) }).logLikelihoods);
    expect(elbo(net, posterior, batch, 'regression', { alpha: 2 }).elbo).toBe(elbo(net, posterior, batch, 'regression', { alpha: 2, draws: new Random(0).normals(96) }).elbo);
    expect(elbo(net, posterior, batch, 'regression', { alpha: 2, samples: 3, rng: new Random(7) }).samples).toBe(3);
    expect(Array.from(standardNormalDraws(new Random(7), 2, 3))).toEqual(Array.from(new Random(7).normals(6)));
  });

  it('ELBO differences on common random numbers: b − a, with the paired draws’ standard error; one architecture only', () => {
    const net = new MLP([2, 1], ['identity']);
    const a = { net, posterior: { mean: Float64Array.of(0.9, -0.4, 0.2), sigma: Float64Array.of(0.1, 0.3, 0.2) }, alpha: 1 };
    const b = { net, posterior: { mean: Float64Array.of(1, -0.5, 0.3), sigma: Float64Array.of(0.2, 0.1, 0.1) }, alpha: 1, noiseVariance: 0.5 };
    const draws = new Random(3).normals(3 * 6);
    const d = elboDifference(a, b, batch, 'regression', draws);
    const ea = elbo(net, a.posterior, batch, 'regression', { alpha: 1, draws });
    const eb = elbo(net, b.posterior, batch, 'regression', { alpha: 1, noiseVariance: 0.5, draws });
    expect(d.difference).toBe(eb.elbo - ea.elbo);
    const paired = Array.from(eb.logLikelihoods, (v, s) => v - ea.logLikelihoods[s]!);
    const mean = paired.reduce((s, v) => s + v, 0) / 6;
    expect(d.standardError).toBeCloseTo(Math.sqrt(paired.reduce((s, v) => s + (v - mean) ** 2, 0) / 5 / 6), 12);
    expect(() => elboDifference(a, { ...b, net: new MLP([2, 2, 1], ['tanh', 'identity']) }, batch, 'regression', draws)).toThrow('one architecture (3 and 9 parameters)');
  });

  it('empirical Bayes: 1/α = mean of μ² + σ² over the active parameters, globally or per layer; 1 where there is nothing', () => {
    const net = new MLP([1, 1, 1], ['tanh', 'identity']);
    net.prune([1]);
    const rho = Float64Array.of(0, 0.5, -1, 1);
    const s = Array.from(rho, softplusScalar);
    const mean = Float64Array.of(1, 5, 2, -1);
    const layer0 = 1 + s[0]! ** 2;
    const layer1 = 4 + s[2]! ** 2 + 1 + s[3]! ** 2;
    const perLayer = empiricalBayesAlpha(net, mean, rho, 'per-layer');
    expect(perLayer[0]).toBeCloseTo(1 / layer0, 14);
    expect(perLayer[1]).toBeCloseTo(2 / layer1, 14);
    const global = empiricalBayesAlpha(net, mean, rho, 'global');
    for (const v of global) expect(v).toBeCloseTo(3 / (layer0 + layer1), 14);
    net.prune([0]);
    expect(empiricalBayesAlpha(net, mean, rho, 'per-layer')[0]).toBe(1);
    net.prune([2, 3]);
    expect(empiricalBayesAlpha(net, mean, rho, 'global')).toEqual([1, 1]);
  });
});

describe('fitVariational on Bayesian linear regression', () => {
  it('with a fixed prior and noise, reaches the posterior mean and the mean-field σ_j² = 1/A_jj', () => {
    const net = new MLP([2, 1], ['identity']);
    const epochs: number[] = [];
    const fit = fitVariational(net, batch, 'regression', {
      prior: 'fixed', alpha: 2, noiseVariance: 0.5, fitNoise: false, epochs: 1500, samples: 8, learningRate: 0.02, rng: new Random(5), onEpoch: (e) => epochs.push(e),
    });
    expect(epochs.length).toBe(1500);
    expect(fit.history.length).toBe(1500);
    expect(fit.prior).toBe('fixed');
    expect(fit.alpha).toEqual([2]);
    expect(fit.noiseVariance).toBe(0.5);
    const reference = bayesianLinearRegression(x, y, rows, 2, 2, 0.5);
    reference.mean.forEach((v, j) => expect(Math.abs(fit.posterior.mean[j]! - v)).toBeLessThan(0.03));
    // A = X̃ᵀX̃/s² + αI: its diagonal.
    const design = (i: number) => [x[2 * i]!, x[2 * i + 1]!, 1];
    const diagonal = [0, 1, 2].map((j) => Array.from({ length: rows }, (_, i) => design(i)[j]! ** 2).reduce((a, b) => a + b, 0) / 0.5 + 2);
    diagonal.forEach((d, j) => expect(Math.abs(fit.posterior.sigma[j]! / (1 / Math.sqrt(d)) - 1)).toBeLessThan(0.1));
    // The ELBO rose.
    expect(fit.history[1499]!).toBeGreaterThan(fit.history[0]!);
    expect(fit.final.samples).toBe(64);
  });
});

describe('fitVariational’s set-up and bookkeeping', () => {
  it('with no epochs the posterior is the start: initial means (masked), σ given per parameter (0 or less → 0.1), s² as given', () => {
    const net = new MLP([2, 1], ['identity'], Float64Array.of(0.4, -0.2, 0.1));
    net.prune([1]);
    const fit = fitVariational(net, batch, 'regression', {
      epochs: 0, initialMean: Float64Array.of(1, 2, 3), initialSigma: Float64Array.of(0.3, 0.7, -1), noiseVariance: 0.5, prior: 'fixed', alpha: 2,
    });
    expect(Array.from(fit.posterior.mean)).toEqual([1, 0, 3]);
    expect(fit.posterior.sigma[0]).toBeCloseTo(0.3, 12);
    expect(fit.posterior.sigma[1]).toBe(0);
    expect(fit.posterior.sigma[2]).toBeCloseTo(0.1, 12);
    expect(fit.noiseVariance).toBeCloseTo(0.5, 14);
    expect(fit.history).toEqual([]);
    // A single σ for all, and the network's weights as the default means.
    const plain = fitVariational(net, batch, 'regression', { epochs: 0, initialSigma: 0.2 });
    expect(Array.from(plain.posterior.mean)).toEqual([0.4, 0, 0.1]);
    expect(plain.posterior.sigma[0]).toBeCloseTo(0.2, 12);
    expect(plain.posterior.sigma[2]).toBeCloseTo(0.2, 12);
    // σ = 0.1 by default; a large σ survives the inverse softplus (above 20 it is its own).
    expect(fitVariational(net, batch, 'regression', { epochs: 0 }).posterior.sigma[0]).toBeCloseTo(0.1, 12);
    expect(fitVariational(net, batch, 'regression', { epochs: 0, initialSigma: 30 }).posterior.sigma[0]).toBeCloseTo(30, 10);
    // A classifier has no noise variance, whatever it is given.
    const labels = makeBatch(x, 2, Float64Array.from(y, (v) => (v > 0 ? 1 : 0)), 'classification');
    expect(fitVariational(new MLP([2, 2], ['identity']), labels, 'classification', { epochs: 2, noiseVariance: 0.5 }).noiseVariance).toBe(1);
  });

  it('each epoch’s ELBO sums its mini-batches back to the full data: with σ → 0 and no steps it is −NLL(μ) − KL', () => {
    const mean = Float64Array.of(0.9, -0.4, 0.2);
    const sigma = 1e-9;
    const net = new MLP([2, 1], ['identity']);
    const s2 = 0.6;
    const rss = Array.from(y).reduce((a, v, i) => a + (v - mean[0]! * x[2 * i]! - mean[1]! * x[2 * i + 1]! - mean[2]!) ** 2, 0);
    const expected = -rss / (2 * s2) - (rows / 2) * Math.log(2 * Math.PI * s2) - [0, 1, 2].reduce((a, j) => a + kl1(mean[j]!, sigma, 2), 0);
    for (const batchSize of [5, 12]) {
      const epochs: number[] = [];
      const fit = fitVariational(net, batch, 'regression', {
        epochs: 2, batchSize, learningRate: 0, initialMean: mean, initialSigma: sigma, noiseVariance: s2, prior: 'fixed', alpha: 2, rng: new Random(1), onEpoch: (e) => epochs.push(e),
      });
      expect(epochs).toEqual([1, 2]);
      for (const v of fit.history) expect(v).toBeCloseTo(expected, 6);
    }
  });

  it('fits the noise variance by default (regression); the final ELBO uses the given draws', () => {
    const fit = fitVariational(new MLP([2, 1], ['identity']), batch, 'regression', { epochs: 300, noiseVariance: 5, rng: new Random(2), elboDraws: new Random(3).normals(3 * 4) });
    // The residual variance of a good fit is far below the start of 5.
    expect(fit.noiseVariance).toBeLessThan(1);
    expect(fit.final.samples).toBe(4);
  });

  it('defaults: 1500 full-batch epochs up to 1024 rows; beyond, batches of 1024 and as many epochs as see as many rows (at least 100)', () => {
    const small = fitVariational(new MLP([2, 1], ['identity']), batch, 'regression', { rng: new Random(1) });
    expect(small.history.length).toBe(1500);
    const big = makeBatch(new Random(5).normals(4096 * 1), 1, new Random(6).normals(4096), 'regression');
    const large = fitVariational(new MLP([1, 1], ['identity']), big, 'regression', { rng: new Random(1) });
    expect(large.history.length).toBe(375);
  });

  it('a diverging fit is stopped with the epoch named', () => {
    expect(() => fitVariational(new MLP([2, 1], ['identity']), batch, 'regression', { epochs: 5, learningRate: 1e300, rng: new Random(1) })).toThrow(/variational training diverged at epoch [2-5]: the ELBO is/);
  });
});

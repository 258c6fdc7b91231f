/**
 * Value tests of the prior criteria (src/nn/prior.ts) written for mutation testing
 * (docs/mutation.md). On a network with no hidden layer everything is Bayesian linear
 * regression, so each criterion's answer can be checked against the closed form
 * (test/helpers/reference.ts): the Laplace fixed point must stop where MacKay's updates give back
 * α and s², the Laplace maximum where the closed-form evidence is highest along α, and the
 * final weights must be the posterior mean at the chosen values.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { choosePrior, AUTO_CRITERION, PRIOR_CRITERIA } from '../../src/nn/prior.js';
import { fitMap } from '../../src/nn/train.js';
import { fitVariational } from '../../src/nn/variational.js';
import { Random } from '../../src/random/random.js';
import { bayesianLinearRegression } from '../helpers/reference.js';

const rows = 30;
const m = 2;
const rng = new Random(17);
const x = rng.normals(rows * m);
const y = Float64Array.from({ length: rows }, (_, i) => 0.4 + 1.3 * x[i * m]! - 0.8 * x[i * m + 1]! + 0.6 * rng.normal());
const batch = makeBatch(x, m, y, 'regression');
const map = { gradientTolerance: 1e-11 };
const fitted = () => {
  const net = new MLP([m, 1], ['identity']);
  fitMap(net, batch, 'regression', { alpha: 1, ...map });
  return net;
};
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('prior criteria on a linear regressor, against Bayesian linear regression in closed form', () => {
  it('laplace: stops at MacKay’s fixed point, the weights the posterior mean there; history and counts consistent', () => {
    const net = fitted();
    const progress: number[] = [];
    const { choice, map: result, variational } = choosePrior(net, batch, 'regression', { criterion: 'laplace', map, onProgress: (_, step) => progress.push(step) });
    expect(choice.criterion).toBe('laplace');
    expect(choice.requested).toBe('laplace');
    expect(choice.scope).toBe('global');
    expect(choice.converged).toBe(true);
    expect(variational).toBeNull();
    expect(choice.history.length).toBe(choice.iterations + 1);
    expect(choice.history[0]).toMatchObject({ alpha: [1], noiseVariance: 1 });
    expect(progress).toEqual(Array.from({ length: choice.iterations }, (_, i) => i + 1));
    const alpha = choice.alpha[0]!;
    const reference = bayesianLinearRegression(x, y, rows, m, alpha, choice.noiseVariance);
    // Converged to a relative change below 1e-4 per step; the fixed point's contraction leaves it a little further.
    expect(relative(reference.alphaUpdate, alpha)).toBeLessThan(1e-3);
    expect(relative(reference.noiseUpdate, choice.noiseVariance)).toBeLessThan(1e-3);
    expect(relative(choice.gamma!, reference.gamma)).toBeLessThan(1e-8);
    expect(relative(choice.logEvidence!, reference.logEvidence)).toBeLessThan(1e-8);
    reference.mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 8));
    expect(result.alpha).toEqual(choice.alpha);
    expect(result.noiseVariance).toBe(choice.noiseVariance);
    // One layer: a per-layer prior is the global one.
    const layer = choosePrior(fitted(), batch, 'regression', { criterion: 'laplace', scope: 'layer', requested: 'auto', map });
    expect(layer.choice.scope).toBe('layer');
    expect(layer.choice.requested).toBe('auto');
    expect(relative(layer.choice.alpha[0]!, alpha)).toBeLessThan(1e-9);
  });

  it('laplace with an iteration limit stops there, not converged', () => {
    const { choice } = choosePrior(fitted(), batch, 'regression', { criterion: 'laplace', map, maxIterations: 2, alpha: 1e-3, noiseVariance: 5 });
    expect(choice.iterations).toBe(2);
    expect(choice.converged).toBe(false);
    expect(choice.history[0]).toMatchObject({ alpha: [1e-3], noiseVariance: 5 });
    // The first step is MacKay's update from the start values.
    const first = bayesianLinearRegression(x, y, rows, m, 1e-3, 5);
    expect(relative(choice.history[1]!.alpha[0]!, first.alphaUpdate)).toBeLessThan(1e-6);
    expect(relative(choice.history[1]!.noiseVariance, first.noiseUpdate)).toBeLessThan(1e-6);
  });

  it('laplace-max: the closed-form evidence is highest at the chosen α (s² at its fixed point), and agrees with the fixed point', () => {
    // Targets scaled so the maximum lies a quarter decade from the grid's points (10^(k/2)):
    // only the golden-section refinement can reach it.
    const noise = new Random(99).normals(rows);
    const y2 = Float64Array.from({ length: rows }, (_, i) => 0.775 * (0.4 + 1.3 * x[i * m]! - 0.8 * x[i * m + 1]!) + 0.6 * noise[i]!);
    const b2 = makeBatch(x, m, y2, 'regression');
    const start = () => {
      const net = new MLP([m, 1], ['identity']);
      fitMap(net, b2, 'regression', { alpha: 1, ...map });
      return net;
    };
    const progress: [string, number, number][] = [];
    const { choice } = choosePrior(start(), b2, 'regression', { criterion: 'laplace-max', map, onProgress: (phase, step, total) => progress.push([phase, step, total]) });
    expect(progress).toEqual(Array.from({ length: 19 }, (_, i) => ['prior (Laplace evidence over α)', i + 1, 19]));
    expect(choice.criterion).toBe('laplace-max');
    expect(choice.converged).toBe(true);
    // 11 grid points and 8 golden-section steps of two points each.
    expect(choice.history.length).toBe(11 + 16);
    expect(choice.iterations).toBe(27);
    expect(choice.history.slice(0, 11).map((h) => Math.log10(h.alpha[0]!))).toEqual(Array.from({ length: 11 }, (_, i) => expect.closeTo(3 - i / 2, 12)));
    const alpha = choice.alpha[0]!;
    const s2 = choice.noiseVariance;
    const grid = Math.log10(alpha) * 2;
    expect(Math.abs(grid - Math.round(grid))).toBeGreaterThan(0.2);
    const at = (a: number) => bayesianLinearRegression(x, y2, rows, m, a, s2).logEvidence;
    expect(at(alpha)).toBeGreaterThan(at(alpha * 1.08));
    expect(at(alpha)).toBeGreaterThan(at(alpha / 1.08));
    expect(relative(choice.logEvidence!, at(alpha))).toBeLessThan(1e-8);
    // s² settled at its fixed point for that α (to the 10⁻³ the search settles it to).
    expect(relative(bayesianLinearRegression(x, y2, rows, m, alpha, s2).noiseUpdate, s2)).toBeLessThan(2e-3);
    const fixed = choosePrior(start(), b2, 'regression', { criterion: 'laplace', map }).choice;
    expect(Math.abs(Math.log(alpha / fixed.alpha[0]!))).toBeLessThan(0.05);
    expect(relative(s2, fixed.noiseVariance)).toBeLessThan(0.01);
    // The final weights are the posterior mean at the chosen values.
    expect(() => choosePrior(fitted(), batch, 'regression', { criterion: 'laplace-max', scope: 'layer', map })).toThrow('maximizes over one global α');
  });

  it('a classifier has no noise variance: one given is not used, by either Laplace criterion', () => {
    const labels = Float64Array.from(y, (v) => (v > 0.4 ? 1 : 0));
    const c = makeBatch(x, m, labels, 'classification');
    const net = new MLP([m, 2], ['identity']);
    fitMap(net, c, 'classification', { alpha: 1, ...map });
    const fixed = choosePrior(net.clone(), c, 'classification', { criterion: 'laplace', map, noiseVariance: 5, maxIterations: 3 }).choice;
    expect(fixed.history.every((h) => h.noiseVariance === 1)).toBe(true);
    const max = choosePrior(net.clone(), c, 'classification', { criterion: 'laplace-max', map, noiseVariance: 5 }).choice;
    expect(max.noiseVariance).toBe(1);
    expect(max.history.every((h) => h.noiseVariance === 1)).toBe(true);
  });

  it('α is clamped to [10⁻⁶, 10⁶]: targets that are all zero drive the fixed point to the upper end', () => {
    const flat = makeBatch(x, m, new Float64Array(rows), 'regression');
    const net = new MLP([m, 1], ['identity'], Float64Array.of(0.1, -0.1, 0.05));
    const { choice } = choosePrior(net, flat, 'regression', { criterion: 'laplace', map, maxIterations: 5 });
    expect(Math.max(...choice.history.slice(1).map((h) => h.alpha[0]!))).toBe(1e6);
  });

  it('elbo: the variational fit is fitVariational with the start α and s², a global prior by default, progress per epoch', () => {
    const hidden = MLP.initialized([m, 2, 1], ['tanh', 'identity'], new Random(6));
    fitMap(hidden, batch, 'regression', { alpha: 1, ...map });
    const copy = hidden.clone();
    const epochs: number[] = [];
    const { variational } = choosePrior(hidden, batch, 'regression', {
      criterion: 'elbo', alpha: 3, noiseVariance: 0.5, variational: { epochs: 5 }, map, rng: new Random(2), onProgress: (phase, e, total) => epochs.push(phase === 'prior (variational fit)' ? e / total : -1),
    });
    const replay = fitVariational(copy, batch, 'regression', { epochs: 5, prior: 'global', alpha: 3, noiseVariance: 0.5, rng: new Random(2) });
    expect(variational!.prior).toBe('global');
    expect(variational!.history).toEqual(replay.history);
    expect(variational!.alpha).toEqual(replay.alpha);
    expect(epochs).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    // A classifier gets no noise variance.
    const labels = makeBatch(x, m, Float64Array.from(y, (v) => (v > 0.4 ? 1 : 0)), 'classification');
    const classifier = new MLP([m, 2], ['identity']);
    const c = choosePrior(classifier.clone(), labels, 'classification', { criterion: 'elbo', noiseVariance: 0.5, variational: { epochs: 3 }, map, rng: new Random(2) });
    expect(c.choice.noiseVariance).toBe(1);
    expect(c.variational!.history).toEqual(fitVariational(classifier.clone(), labels, 'classification', { epochs: 3, prior: 'global', alpha: 1, rng: new Random(2) }).history);
  });

  it('elbo: the variational fit’s α and s², the MAP refit at them, the ELBO recorded', () => {
    const net = fitted();
    const { choice, variational, map: result } = choosePrior(net, batch, 'regression', {
      criterion: 'elbo', requested: 'auto', variational: { epochs: 60, samples: 4 }, map, rng: new Random(3),
    });
    expect(variational).not.toBeNull();
    expect(choice.criterion).toBe('elbo');
    expect(choice.requested).toBe('auto');
    expect(choice.alpha).toEqual(variational!.alpha);
    expect(choice.noiseVariance).toBe(variational!.noiseVariance);
    expect(choice.elbo).toEqual({ value: variational!.final.elbo, standardError: variational!.final.standardError });
    expect(choice.iterations).toBe(variational!.history.length);
    expect(result.alpha).toEqual(variational!.alpha);
    const reference = bayesianLinearRegression(x, y, rows, m, choice.alpha[0]!, choice.noiseVariance);
    reference.mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 8));
    expect(choice.converged).toBe(true);
    expect(choice.history).toEqual([{ alpha: variational!.alpha, noiseVariance: variational!.noiseVariance }]);
    expect(AUTO_CRITERION).toBe('elbo');
    expect(PRIOR_CRITERIA).toEqual(['laplace', 'laplace-max', 'elbo']);
  });
});

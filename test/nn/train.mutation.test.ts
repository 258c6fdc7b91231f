/**
 * Value tests of the MAP fit and mini-batch training (src/nn/train.ts) written for mutation
 * testing (docs/mutation.md). A network with no hidden layer makes the MAP fit ridge regression,
 * whose solution is the Bayesian linear regression posterior mean in closed form
 * (test/helpers/reference.ts); the fit's bookkeeping (optimizers, budgets, refusals) and the
 * epoch loop's (objective per epoch, early stopping, restored weights) are checked against
 * numbers derived without the code under test.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch, type Batch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { constantSchedule, cosineSchedule } from '../../src/nn/optimizers.js';
import { DEFAULT_ALPHA, fitMap, forwardValues, NEWTON_AFTER, posteriorGradientNorm, trainEpochs } from '../../src/nn/train.js';
import { Random } from '../../src/random/random.js';
import { bayesianLinearRegression } from '../helpers/reference.js';

const rows = 24;
const m = 3;
const rng = new Random(31);
const x = rng.normals(rows * m);
const y = Float64Array.from({ length: rows }, (_, i) => 0.5 - x[i * m]! + 2 * x[i * m + 1]! + 0.5 * rng.normal());
const batch = makeBatch(x, m, y, 'regression');
const design = (i: number, w: ArrayLike<number>, b: Batch = batch) => w[m]! + Array.from({ length: m }, (_, c) => b.x.data[i * m + c]! * w[c]!).reduce((s, v) => s + v, 0);
/** ½ Σ r²/s² + ½ α ‖w‖² of the linear model (no constant: s² is fixed). */
const objective = (w: ArrayLike<number>, alpha: number, s2: number, b: Batch = batch) =>
  Array.from({ length: b.rows }, (_, i) => (b.y[i]! - design(i, w, b)) ** 2).reduce((s, v) => s + v, 0) / (2 * s2) + (alpha / 2) * Array.from(w).reduce((s, v) => s + v * v, 0);

describe('fitMap on a linear regressor is ridge regression', () => {
  it('reaches the closed-form posterior mean; objective, residual variance and the fit’s record follow', () => {
    const net = new MLP([m, 1], ['identity']);
    const result = fitMap(net, batch, 'regression', { alpha: 0.7, noiseVariance: 0.4, gradientTolerance: 1e-11 });
    const reference = bayesianLinearRegression(x, y, rows, m, 0.7, 0.4);
    reference.mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 9));
    expect(result.objective).toBeCloseTo(objective(net.params, 0.7, 0.4), 10);
    expect(result.residualVariance).toBeCloseTo(reference.rss / rows, 9);
    expect(result.noiseVariance).toBe(0.4);
    expect(result.alpha).toEqual([0.7]);
    expect(result).toMatchObject({ converged: true, reason: 'gradient tolerance', optimizer: 'lbfgs', products: 0 });
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-11);
    expect(posteriorGradientNorm(net, batch, 'regression', 0.7, 0.4)).toBeLessThan(1e-9);
    // At w = 0 the gradient is −X̃ᵀy/s²: its largest entry.
    const zero = new MLP([m, 1], ['identity']);
    const xty = Array.from({ length: m + 1 }, (_, c) => Math.abs(Array.from(y).reduce((s, v, i) => s + v * (c < m ? x[i * m + c]! : 1), 0)) / 0.4);
    expect(posteriorGradientNorm(zero, batch, 'regression', 0.7, 0.4)).toBeCloseTo(Math.max(...xty), 10);
    // A pruned parameter's gradient is left out: prune the coordinate with the largest one.
    const largest = xty.indexOf(Math.max(...xty));
    zero.prune([largest]);
    expect(posteriorGradientNorm(zero, batch, 'regression', 0.7, 0.4)).toBeCloseTo(Math.max(...xty.filter((_, c) => c !== largest)), 10);
    // forwardValues: X̃w.
    const f = forwardValues(net, batch);
    for (let i = 0; i < rows; i++) expect(f[i]).toBeCloseTo(design(i, net.params), 12);
    expect(DEFAULT_ALPHA).toBe(1);
    expect(NEWTON_AFTER).toBe(300);
  });

  it('the default α is 1 and the default s² is 1; a classifier has no noise variance and no residual variance', () => {
    const net = new MLP([m, 1], ['identity']);
    fitMap(net, batch, 'regression', { gradientTolerance: 1e-11 });
    bayesianLinearRegression(x, y, rows, m, 1, 1).mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 9));
    const labels = Float64Array.from(y, (v) => (v > 0.5 ? 1 : 0));
    const classifier = new MLP([m, 2], ['identity']);
    const c = fitMap(classifier, makeBatch(x, m, labels, 'classification'), 'classification', { noiseVariance: 0 });
    expect(c.noiseVariance).toBe(1);
    expect(c.residualVariance).toBeNaN();
  });

  it('refuses a negative or non-finite α (in any layer) and a noise variance that is not positive and finite', () => {
    const net = new MLP([m, 2, 1], ['tanh', 'identity']);
    for (const alpha of [-1, Number.NaN, Infinity, [1, -0.5]]) expect(() => fitMap(net, batch, 'regression', { alpha })).toThrow('alpha must be non-negative and finite');
    for (const noiseVariance of [0, -1, Number.NaN, Infinity]) expect(() => fitMap(net, batch, 'regression', { noiseVariance })).toThrow(`the noise variance must be positive and finite, got ${noiseVariance}`);
    // α = 0 is allowed (no prior).
    expect(fitMap(new MLP([m, 1], ['identity']), batch, 'regression', { alpha: 0 }).converged).toBe(true);
  });

  it('optimizers: Newton alone, L-BFGS handing over after newtonAfter iterations, and an iteration budget shared by both', () => {
    const start = Float64Array.from({ length: m + 1 }, (_, j) => j - 1);
    const reference = bayesianLinearRegression(x, y, rows, m, 0.3, 1).mean;
    const newton = new MLP([m, 1], ['identity'], start.slice());
    const n = fitMap(newton, batch, 'regression', { alpha: 0.3, optimizer: 'newton', gradientTolerance: 1e-10 });
    expect(n.optimizer).toBe('newton');
    expect(n.products).toBeGreaterThan(0);
    reference.forEach((v, a) => expect(newton.params[a]).toBeCloseTo(v, 8));
    const phases: string[] = [];
    const handed = new MLP([m, 1], ['identity'], start.slice());
    const h = fitMap(handed, batch, 'regression', { alpha: 0.3, newtonAfter: 2, gradientTolerance: 1e-10, onProgress: (phase) => phases.push(phase) });
    expect(h.optimizer).toBe('lbfgs+newton');
    expect(phases.slice(0, 2)).toEqual(['lbfgs', 'lbfgs']);
    expect(phases[2]).toBe('newton');
    expect(h.iterations).toBe(phases.length);
    reference.forEach((v, a) => expect(handed.params[a]).toBeCloseTo(v, 8));
    // L-BFGS alone ignores newtonAfter: its budget is maxIterations.
    const alone = fitMap(new MLP([m, 1], ['identity'], start.slice()), batch, 'regression', { alpha: 0.3, optimizer: 'lbfgs', newtonAfter: 1, maxIterations: 3, gradientTolerance: 1e-14 });
    expect(alone).toMatchObject({ optimizer: 'lbfgs', iterations: 3 });
    // An L-BFGS-only fit stops at the budget, not converged; so does auto when the budget is all L-BFGS's.
    for (const optimizer of ['lbfgs', 'auto'] as const) {
      const limited = fitMap(new MLP([m, 1], ['identity'], start.slice()), batch, 'regression', { alpha: 0.3, optimizer, maxIterations: 2, gradientTolerance: 1e-12 });
      expect(limited).toMatchObject({ optimizer: 'lbfgs', iterations: 2, converged: false, reason: 'iteration limit', products: 0 });
    }
  });

  it('the warm-up is trainEpochs with the documented defaults (batch 32, cosine from 0.01, Random(0)) or the given ones', () => {
    // maxIterations 0: the fit stops right after the warm-up, so its weights can be compared.
    const start = Float64Array.of(0.3, -0.2, 0.1, 0);
    const warmed = new MLP([m, 1], ['identity'], start.slice());
    fitMap(warmed, batch, 'regression', { alpha: 0.7, noiseVariance: 0.5, warmupEpochs: 4, maxIterations: 0 });
    const replay = new MLP([m, 1], ['identity'], start.slice());
    trainEpochs(replay, batch, 'regression', { epochs: 4, batchSize: 32, schedule: cosineSchedule(0.01, 4), alpha: [0.7], noiseVariance: 0.5, rng: new Random(0) });
    expect(Array.from(warmed.params)).toEqual(Array.from(replay.params));
    const given = new MLP([m, 1], ['identity'], start.slice());
    fitMap(given, batch, 'regression', { alpha: 0.7, warmupEpochs: 3, batchSize: 5, learningRate: 0.2, rng: new Random(9), maxIterations: 0 });
    const replayGiven = new MLP([m, 1], ['identity'], start.slice());
    trainEpochs(replayGiven, batch, 'regression', { epochs: 3, batchSize: 5, schedule: cosineSchedule(0.2, 3), alpha: [0.7], noiseVariance: 1, rng: new Random(9) });
    expect(Array.from(given.params)).toEqual(Array.from(replayGiven.params));
    expect(Array.from(given.params)).not.toEqual(Array.from(warmed.params));
  });

  it('the iteration budget is shared: Newton gets what L-BFGS left, and progress counts on from L-BFGS’s iterations', () => {
    // A tanh network: neither optimizer finishes in two iterations at this tolerance.
    const net = MLP.initialized([m, 4, 1], ['tanh', 'identity'], new Random(3));
    const steps: [string, number, number][] = [];
    const result = fitMap(net, batch, 'regression', { alpha: 0.1, newtonAfter: 2, maxIterations: 4, gradientTolerance: 1e-14, onProgress: (phase, step, total) => steps.push([phase, step, total]) });
    expect(result).toMatchObject({ optimizer: 'lbfgs+newton', iterations: 4, converged: false, reason: 'iteration limit' });
    expect(steps).toEqual([['lbfgs', 1, 4], ['lbfgs', 2, 4], ['newton', 3, 4], ['newton', 4, 4]]);
  });

  it('a warm-up of Adam epochs runs first (reported as such), and the fit still ends at the closed form', () => {
    const phases = new Set<string>();
    const net = new MLP([m, 1], ['identity']);
    fitMap(net, batch, 'regression', { alpha: 0.7, warmupEpochs: 3, batchSize: 8, learningRate: 0.05, rng: new Random(1), gradientTolerance: 1e-11, onProgress: (phase) => phases.add(phase) });
    expect([...phases]).toEqual(['warmup', 'lbfgs']);
    bayesianLinearRegression(x, y, rows, m, 0.7, 1).mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 9));
  });
});

describe('trainEpochs', () => {
  const w0 = Float64Array.of(0.2, -0.1, 0.3, 0.05);

  it('with a zero learning rate each epoch’s objective is the full negative log-posterior (mini-batches weighted back)', () => {
    for (const batchSize of [5, 24, 100, 0]) {
      const net = new MLP([m, 1], ['identity'], w0.slice());
      const epochs: number[] = [];
      const result = trainEpochs(net, batch, 'regression', {
        epochs: 3, batchSize, schedule: constantSchedule(0), alpha: 0.8, noiseVariance: 0.5, rng: new Random(2), onEpoch: (e) => epochs.push(e),
      });
      expect(epochs).toEqual([1, 2, 3]);
      expect(result.epochs).toBe(3);
      expect(result.bestEpoch).toBe(3);
      expect(result.stoppedEarly).toBe(false);
      expect(result.validationHistory).toEqual([]);
      for (const v of result.history) expect(v).toBeCloseTo(objective(w0, 0.8, 0.5), 10);
    }
  });

  it('early stopping restores the best epoch’s weights, which are those of a run of that many epochs', () => {
    const train = makeBatch(x.slice(0, 12 * m), m, y.slice(0, 12), 'regression');
    const validation = makeBatch(x.slice(12 * m), m, y.slice(12), 'regression');
    const options = { batchSize: 4, schedule: constantSchedule(0.3), alpha: 0, rng: new Random(5) };
    const net = new MLP([m, 1], ['identity'], w0.slice());
    const result = trainEpochs(net, train, 'regression', { ...options, epochs: 60, validation, patience: 3 });
    expect(result.stoppedEarly).toBe(true);
    expect(result.validationHistory.length).toBe(result.epochs);
    const best = result.validationHistory.indexOf(Math.min(...result.validationHistory));
    expect(result.bestEpoch).toBe(best + 1);
    expect(result.epochs).toBe(best + 1 + 3);
    // Validation NLL with its constant: ½ Σ r² + (N/2) log 2π at each epoch's weights.
    const replay = new MLP([m, 1], ['identity'], w0.slice());
    trainEpochs(replay, train, 'regression', { ...options, rng: new Random(5), epochs: best + 1 });
    expect(Array.from(net.params)).toEqual(Array.from(replay.params));
    expect(result.validationHistory[best]).toBeCloseTo(objective(replay.params, 0, 1, validation) + 6 * Math.log(2 * Math.PI), 10);
    // Patience counts epochs since the best: the default is 20.
    const patient = trainEpochs(new MLP([m, 1], ['identity'], w0.slice()), train, 'regression', { ...options, rng: new Random(5), epochs: 200, validation });
    expect(patient.epochs - patient.bestEpoch).toBeLessThanOrEqual(20);
    if (patient.stoppedEarly) expect(patient.epochs - patient.bestEpoch).toBe(20);
  });

  it('validation ties do not count as improvements; the best epoch may be the first, and its weights come back', () => {
    const train = makeBatch(x.slice(0, 12 * m), m, y.slice(0, 12), 'regression');
    const validation = makeBatch(x.slice(12 * m), m, y.slice(12), 'regression');
    // Rate 0: the same validation NLL every epoch, so the first stays the best and patience runs out.
    const flat = trainEpochs(new MLP([m, 1], ['identity'], w0.slice()), train, 'regression', { epochs: 10, batchSize: 12, schedule: constantSchedule(0), alpha: 0, rng: new Random(1), validation, patience: 3 });
    expect(flat).toMatchObject({ epochs: 4, bestEpoch: 1, stoppedEarly: true });
    // An optimizer that jumps to the least-squares fit on its first step and away from it after:
    // epoch 1 is the best, and its weights are restored.
    const fit = bayesianLinearRegression(x.slice(0, 12 * m), y.slice(0, 12), 12, m, 1e-9, 1).mean;
    let calls = 0;
    const jumper = { name: 'test', step: (p: Float64Array) => (calls++ === 0 ? p.set(fit) : p.forEach((v, j) => (p[j] = v + 1))) };
    const net = new MLP([m, 1], ['identity'], w0.slice());
    const result = trainEpochs(net, train, 'regression', { epochs: 10, batchSize: 12, schedule: constantSchedule(1), alpha: 0, rng: new Random(1), validation, patience: 2, optimizer: jumper });
    expect(result).toMatchObject({ bestEpoch: 1, epochs: 3, stoppedEarly: true });
    expect(Array.from(net.params)).toEqual(fit);
  });

  it('a diverging run is stopped with the epoch named', () => {
    const net = new MLP([m, 1], ['identity'], w0.slice());
    expect(() => trainEpochs(net, batch, 'regression', { epochs: 50, batchSize: 24, schedule: constantSchedule(1e200), alpha: 0, rng: new Random(1), optimizer: { name: 'sgd', step: (p, g, _mask, rate) => p.forEach((v, j) => (p[j] = v - rate * g[j]!)) } }))
      .toThrow(/training diverged at epoch 2: the loss is (Infinity|NaN)/);
  });
});

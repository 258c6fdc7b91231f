import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS, add, exp, log, mask as maskOp, mul, sliceFlat, softplus, square, sub, sum, Tensor, valueAndGrad, type Activation,
} from '../../src/autograd/index.js';
import type { Task } from '../../src/data/index.js';
import { FusedMlp } from '../../src/nn/fused.js';
import { FusedVariational, type VariationalEstimator } from '../../src/nn/fused-variational.js';
import { batchRows, makeBatch, negLogLikelihood, type Batch } from '../../src/nn/losses.js';
import { MLP, activate, forward, linear } from '../../src/nn/mlp.js';
import { Adam, cosineSchedule } from '../../src/nn/optimizers.js';
import { trainEpochs } from '../../src/nn/train.js';
import { Random } from '../../src/random/random.js';
import { MUTATION_RUN } from '../helpers/mutation.js';

/** A random network, batch and objective settings: everything a property case varies. */
interface Case {
  readonly net: MLP;
  readonly batch: Batch;
  readonly task: Task;
  /** Mini-batch rows, or undefined for the whole batch. */
  readonly rows: Int32Array | undefined;
  readonly alpha: number | Float64Array;
  readonly dataScale: number;
  readonly rng: Random;
}

/** Case parameters drawn by fast-check; the numbers themselves come from a seeded Random. */
const caseArbitrary = fc.record({
  inputs: fc.integer({ min: 1, max: 9 }),
  hidden: fc.array(fc.record({ width: fc.integer({ min: 1, max: 9 }), activation: fc.constantFrom(...ACTIVATIONS) }), { maxLength: 3 }),
  task: fc.constantFrom<Task>('classification', 'regression'),
  classes: fc.integer({ min: 1, max: 5 }),
  batchRows: fc.integer({ min: 1, max: 12 }),
  subset: fc.boolean(),
  // Fraction of parameters pruned at random; then possibly one whole unit and one whole layer.
  pruned: fc.constantFrom(0, 0.3, 0.7),
  pruneUnit: fc.boolean(),
  pruneLayer: fc.boolean(),
  alphaPerParameter: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e9 }),
});

type CaseParameters = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

function makeCase(p: CaseParameters): Case {
  const rng = new Random(p.seed);
  const outputs = p.task === 'classification' ? p.classes : 1;
  const sizes = [p.inputs, ...p.hidden.map((h) => h.width), outputs];
  const activations: Activation[] = [...p.hidden.map((h) => h.activation), 'identity'];
  const net = MLP.initialized(sizes, activations, rng);
  const n = net.parameterCount;
  // Biases off zero and weights a little larger than at initialization, so every unit is exercised.
  for (let j = 0; j < n; j++) net.params[j] = 0.8 * rng.normal();
  for (let j = 0; j < n; j++) if (rng.uniform() < p.pruned) net.mask[j] = 0;
  if (p.pruneUnit) {
    const layer = net.layers[rng.int(net.layers.length)]!;
    const unit = rng.int(layer.outputs);
    for (let i = 0; i < layer.inputs; i++) net.mask[layer.weightOffset + unit * layer.inputs + i] = 0;
    net.mask[layer.biasOffset + unit] = 0;
  }
  if (p.pruneLayer) {
    const layer = net.layers[rng.int(net.layers.length)]!;
    net.mask.fill(0, layer.weightOffset, layer.biasOffset + layer.outputs);
  }
  // The parameters keep their values where pruned: the passes must ignore them, not rely on zeros.
  const x = rng.normals(p.batchRows * p.inputs);
  const y = Float64Array.from({ length: p.batchRows }, () => (p.task === 'classification' ? rng.int(outputs) : rng.normal()));
  const batch = makeBatch(x, p.inputs, y, p.task);
  const rows = p.subset ? rng.permutation(p.batchRows).subarray(0, 1 + rng.int(p.batchRows)) : undefined;
  const alpha = p.alphaPerParameter ? Float64Array.from({ length: n }, () => 0.1 + 3 * rng.uniform()) : 0.1 + 3 * rng.uniform();
  return { net, batch, task: p.task, rows, alpha, dataScale: 0.5 + 3 * rng.uniform(), rng };
}

/** ½ Σ_active α_j w_j² as autograd ops, as `negLogPosterior` builds it (per-parameter α as a constant tensor). */
function priorTerm(net: MLP, w: Tensor, alpha: number | Float64Array): Tensor {
  const masked = maskOp(w, net.mask);
  return typeof alpha === 'number' ? mul(alpha / 2, sum(square(masked))) : mul(0.5, sum(mul(new Tensor(alpha), square(masked))));
}

/**
 * The autograd reference of the MAP objective, built like `fitMap`'s: a packed vector of w and,
 * when the noise is variable, log s² as its last entry.
 */
function referencePosterior(c: Case, params: Float64Array, noise: number | 'variable', constant: boolean): { value: number; gradient: Float64Array } {
  const n = c.net.parameterCount;
  const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
  const { value, grad } = valueAndGrad((t: Tensor) => {
    const w = noise === 'variable' ? sliceFlat(t, 0, [n]) : t;
    const logNoise = noise === 'variable' ? sliceFlat(t, n, []) : noise;
    const nll = negLogLikelihood(c.task, forward(c.net, w, batch.x), batch, logNoise, constant);
    return add(mul(c.dataScale, nll), priorTerm(c.net, w, c.alpha));
  })(new Tensor(params));
  return { value: value.item(), gradient: grad.data };
}

/**
 * Fails unless `actual` matches `expected` to 1e-12 relative: the value against itself, the
 * gradient entry-wise against the gradient's largest entry (an entry that cancels to nearly 0
 * still carries the rounding of the terms that cancelled, which scale with the others).
 */
function expectMatch(actual: { value: number; gradient: Float64Array }, expected: { value: number; gradient: Float64Array }): void {
  expect(Math.abs(actual.value - expected.value)).toBeLessThanOrEqual(1e-12 * Math.abs(expected.value));
  let scale = 0;
  for (const g of expected.gradient) scale = Math.max(scale, Math.abs(g));
  expect(actual.gradient.length).toBe(expected.gradient.length);
  for (let j = 0; j < expected.gradient.length; j++) {
    if (Math.abs(actual.gradient[j]! - expected.gradient[j]!) > 1e-12 * scale) {
      expect.fail(`gradient entry ${j}: fused ${actual.gradient[j]} against reference ${expected.gradient[j]} (scale ${scale})`);
    }
  }
}

/** Every pruned entry of the gradient (the first `net.parameterCount`, and the ρ block after it when asked) is exactly +0. */
function expectZeroAtPruned(net: MLP, gradient: Float64Array, blocks = 1): void {
  const n = net.parameterCount;
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < n; j++) if (net.mask[j] === 0 && !Object.is(gradient[b * n + j], 0)) expect.fail(`pruned entry ${b * n + j} has gradient ${gradient[b * n + j]}`);
  }
}

describe('fused MAP objective', () => {
  it('equals the autograd negative log-posterior and its gradient to 1e-12 (random networks, masks, tasks, noise, mini-batches)', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.constantFrom<'fixed' | 'variable'>('fixed', 'variable'), fc.constantFrom(undefined, true, false), (p, noise, constantOption) => {
        const c = makeCase(p);
        const n = c.net.parameterCount;
        const variable = noise === 'variable';
        const params = new Float64Array(n + (variable ? 1 : 0));
        params.set(c.net.params);
        const logNoise = 0.6 * c.rng.normal();
        if (variable) params[n] = logNoise;
        const fused = new FusedMlp(c.net, c.batch.rows);
        const gradient = new Float64Array(params.length).fill(NaN);
        const value = fused.negLogPosterior(params, c.batch, {
          task: c.task,
          alpha: c.alpha,
          logNoiseVariance: variable ? 'variable' : logNoise,
          ...(constantOption !== undefined ? { constant: constantOption } : {}),
          dataScale: c.dataScale,
          ...(c.rows !== undefined ? { rows: c.rows } : {}),
        }, gradient);
        const reference = referencePosterior(c, params, variable ? 'variable' : logNoise, constantOption ?? variable);
        expectMatch({ value, gradient }, reference);
        expectZeroAtPruned(c.net, gradient);
      }),
      { numRuns: 150, seed: 20261201 },
    );
  });
});

/** The packed variational variables `[μ, ρ, log s²]` of a case: μ its parameters, σ between ~0.05 and ~0.7. */
function variationalStart(c: Case): Float64Array {
  const n = c.net.parameterCount;
  const packed = new Float64Array(2 * n + 1);
  packed.set(c.net.params);
  for (let j = 0; j < n; j++) packed[n + j] = -1.5 + 0.6 * c.rng.normal();
  packed[2 * n] = 0.6 * c.rng.normal();
  return packed;
}

/** α per parameter as a tensor, as `fitVariational` builds it. */
function alphaTensor(c: Case): Tensor {
  return new Tensor(typeof c.alpha === 'number' ? new Float64Array(c.net.parameterCount).fill(c.alpha) : c.alpha);
}

/**
 * The autograd reference of one `fitVariational` step, built with the same ops as its closure:
 * the sample, the NLL per sample, the masked closed-form KL, the scale on the summed NLL.
 */
function referenceElbo(c: Case, packed: Float64Array, noises: Float64Array[]): { value: number; gradient: Float64Array } {
  const n = c.net.parameterCount;
  const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
  const alphas = alphaTensor(c);
  const { value, grad } = valueAndGrad((v: Tensor) => {
    const mu = sliceFlat(v, 0, [n]);
    const sigma = softplus(sliceFlat(v, n, [n]));
    const logNoise = sliceFlat(v, 2 * n, []);
    let nll: Tensor = Tensor.scalar(0);
    for (const eps of noises) nll = add(nll, negLogLikelihood(c.task, forward(c.net, add(mu, mul(sigma, new Tensor(eps))), batch.x), batch, logNoise));
    const kl = sum(maskOp(mul(0.5, sub(sub(mul(alphas, add(square(mu), square(sigma))), 1), log(mul(alphas, square(sigma))))), c.net.mask));
    return add(mul(c.dataScale / noises.length, nll), kl);
  })(new Tensor(packed));
  return { value: value.item(), gradient: grad.data };
}

/**
 * The same step with the local reparameterization written out in autograd ops: per layer the
 * mean a·Mᵀ + b_μ and variance a²·S²ᵀ + σ_b² of z, then z = mean + √variance · ξ.
 */
function referenceLocalElbo(c: Case, packed: Float64Array, noises: Float64Array[]): { value: number; gradient: Float64Array } {
  const n = c.net.parameterCount;
  const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
  const alphas = alphaTensor(c);
  const { value, grad } = valueAndGrad((v: Tensor) => {
    const mu = sliceFlat(v, 0, [n]);
    const sigma = softplus(sliceFlat(v, n, [n]));
    const logNoise = sliceFlat(v, 2 * n, []);
    const means = maskOp(mu, c.net.mask);
    const variances = maskOp(square(sigma), c.net.mask);
    let nll: Tensor = Tensor.scalar(0);
    for (const xi of noises) {
      let h = batch.x;
      let at = 0;
      for (const layer of c.net.layers) {
        const weight = (t: Tensor): Tensor => sliceFlat(t, layer.weightOffset, [layer.outputs, layer.inputs]);
        const bias = (t: Tensor): Tensor => sliceFlat(t, layer.biasOffset, [layer.outputs]);
        const mean = linear(h, weight(means), bias(means));
        const variance = linear(square(h), weight(variances), bias(variances));
        const draw = new Tensor(xi.slice(at, at + batch.rows * layer.outputs), [batch.rows, layer.outputs]);
        at += batch.rows * layer.outputs;
        h = activate(add(mean, mul(exp(mul(0.5, log(variance))), draw)), layer.activation);
      }
      nll = add(nll, negLogLikelihood(c.task, h, batch, logNoise));
    }
    const kl = sum(maskOp(mul(0.5, sub(sub(mul(alphas, add(square(mu), square(sigma))), 1), log(mul(alphas, square(sigma))))), c.net.mask));
    return add(mul(c.dataScale / noises.length, nll), kl);
  })(new Tensor(packed));
  return { value: value.item(), gradient: grad.data };
}

/** The fused step of a case with the given estimator and noise. */
function fusedElbo(c: Case, packed: Float64Array, noises: Float64Array[], estimator: VariationalEstimator, fused = new FusedVariational(c.net, c.batch.rows)): { value: number; gradient: Float64Array } {
  const gradient = new Float64Array(packed.length).fill(NaN);
  const value = fused.negativeElbo(packed, c.batch, {
    task: c.task,
    alpha: c.alpha,
    noise: noises,
    estimator,
    dataScale: c.dataScale,
    ...(c.rows !== undefined ? { rows: c.rows } : {}),
  }, gradient);
  return { value, gradient };
}

describe('fused training loop', () => {
  it('Adam on the fused objective retraces trainEpochs (mini-batches with a short last one, pruned weights) to 1e-10', () => {
    const rng = new Random(31);
    const net = MLP.initialized([5, 7, 3], ['tanh', 'identity'], rng);
    net.prune([2, 9, 40]);
    const rows = 50;
    const train = makeBatch(rng.normals(rows * 5), 5, Float64Array.from({ length: rows }, () => rng.int(3)), 'classification');
    const options = { epochs: 4, batchSize: 16, schedule: cosineSchedule(0.05, 4), alpha: 0.7, rng: new Random(8) };
    const reference = net.clone();
    trainEpochs(reference, train, 'classification', options);
    // The recipe for trainEpochs: same shuffles, the fused objective in place of valueAndGrad.
    const fused = new FusedMlp(net, options.batchSize);
    const gradient = new Float64Array(net.parameterCount);
    const optimizer = new Adam();
    const shuffles = new Random(8);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffles.permutation(rows);
      for (let start = 0; start < rows; start += options.batchSize) {
        const batchRows = order.subarray(start, Math.min(rows, start + options.batchSize));
        fused.negLogPosterior(net.params, train, { task: 'classification', alpha: options.alpha, dataScale: rows / batchRows.length, rows: batchRows }, gradient);
        optimizer.step(net.params, gradient, net.mask, options.schedule(epoch));
      }
    }
    net.applyMask();
    reference.params.forEach((w, j) => expect(Math.abs(net.params[j]! - w)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(w))));
  });
});

describe('fused forward-only passes', () => {
  it('predict and negLogLikelihood equal forward and negLogLikelihood of the autograd to 1e-12', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.boolean(), (p, constant) => {
        const c = makeCase(p);
        const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
        const fused = new FusedMlp(c.net, c.batch.rows);
        const reference = forward(c.net, new Tensor(c.net.params), batch.x).data;
        const outputs = fused.predict(c.net.params, c.batch, c.rows);
        expect(outputs.length).toBe(reference.length);
        let scale = 0;
        for (const v of reference) scale = Math.max(scale, Math.abs(v));
        outputs.forEach((v, k) => expect(Math.abs(v - reference[k]!)).toBeLessThanOrEqual(1e-12 * scale));
        const logNoise = 0.6 * c.rng.normal();
        const nll = fused.negLogLikelihood(c.net.params, c.batch, c.task, logNoise, constant, c.rows);
        const expected = negLogLikelihood(c.task, forward(c.net, new Tensor(c.net.params), batch.x), batch, logNoise, constant).item();
        expect(Math.abs(nll - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
      }),
      { numRuns: 100, seed: 20261204 },
    );
  });
});

describe('fused variational objective', () => {
  it('weight noise: equals the autograd step of fitVariational to 1e-12 (random networks, masks, tasks, samples, mini-batches)', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.integer({ min: 1, max: 3 }), (p, samples) => {
        const c = makeCase(p);
        const packed = variationalStart(c);
        const noises = Array.from({ length: samples }, () => c.rng.normals(c.net.parameterCount));
        const fused = fusedElbo(c, packed, noises, 'weight-noise');
        expectMatch(fused, referenceElbo(c, packed, noises));
        expectZeroAtPruned(c.net, fused.gradient, 2);
        if (c.task === 'classification') expect(Object.is(fused.gradient[2 * c.net.parameterCount], 0)).toBe(true);
      }),
      { numRuns: 120, seed: 20261202 },
    );
  });

  it('local reparameterization: equals the same estimator written in autograd ops to 1e-12', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.integer({ min: 1, max: 2 }), (p, samples) => {
        const c = makeCase(p);
        // Biases stay active: then every pre-activation has a positive variance, where the
        // reference's √v = exp(½ log v) is differentiable (at v = 0 it is not; the kernel
        // then uses 0, see fused-local.ts).
        for (const layer of c.net.layers) c.net.mask.fill(1, layer.biasOffset, layer.biasOffset + layer.outputs);
        const packed = variationalStart(c);
        const fused = new FusedVariational(c.net, c.batch.rows);
        const count = c.rows?.length ?? c.batch.rows;
        const noises = Array.from({ length: samples }, () => c.rng.normals(fused.localNoiseLength(count)));
        const result = fusedElbo(c, packed, noises, 'local', fused);
        expectMatch(result, referenceLocalElbo(c, packed, noises));
        expectZeroAtPruned(c.net, result.gradient, 2);
      }),
      { numRuns: 80, seed: 20261203 },
    );
  });

  // 16,000 passes: half a minute instrumented. Mutation runs rely on the exact comparison above.
  it.skipIf(MUTATION_RUN)('local reparameterization: its mean gradient equals the weight-noise one within Monte Carlo error, with less variance', () => {
    // A two-hidden-layer regressor on 24 rows, a few weights pruned; many one-sample steps of
    // each estimator at the same variational parameters.
    const rng = new Random(77);
    const net = MLP.initialized([3, 5, 4, 1], ['tanh', 'sigmoid', 'identity'], rng);
    for (let j = 0; j < net.parameterCount; j++) net.params[j] = 0.7 * rng.normal();
    net.prune([1, 7, 30]);
    const rows = 24;
    const batch = makeBatch(rng.normals(rows * 3), 3, rng.normals(rows), 'regression');
    const c: Case = { net, batch, task: 'regression', rows: undefined, alpha: 1.3, dataScale: 2, rng };
    const n = net.parameterCount;
    const packed = new Float64Array(2 * n + 1);
    packed.set(net.params);
    for (let j = 0; j < n; j++) packed[n + j] = -1 + 0.3 * rng.normal();
    const fused = new FusedVariational(net, rows);
    const draws = 8000;
    const moments = (estimator: VariationalEstimator): { mean: Float64Array; variance: Float64Array } => {
      const total = new Float64Array(2 * n + 1);
      const squares = new Float64Array(2 * n + 1);
      const length = estimator === 'local' ? fused.localNoiseLength(rows) : n;
      for (let d = 0; d < draws; d++) {
        const { gradient } = fusedElbo(c, packed, [rng.normals(length)], estimator, fused);
        for (let j = 0; j < gradient.length; j++) {
          total[j]! += gradient[j]!;
          squares[j]! += gradient[j]! ** 2;
        }
      }
      const mean = total.map((t) => t / draws);
      return { mean, variance: squares.map((q, j) => (q - draws * mean[j]! ** 2) / (draws - 1)) };
    };
    const weightNoise = moments('weight-noise');
    const local = moments('local');
    // z-scores of the difference of the means, per active entry (μ, ρ and log s²); and, for
    // the test's power, those the same comparison gives when the local gradient is `scale` off.
    const zScores = (scale: number): number[] => {
      const out: number[] = [];
      for (let j = 0; j < 2 * n + 1; j++) {
        if (j < 2 * n && net.mask[j % n] === 0) continue;
        const standardError = Math.sqrt((weightNoise.variance[j]! + local.variance[j]!) / draws);
        out.push((scale * local.mean[j]! - weightNoise.mean[j]!) / standardError);
      }
      return out;
    };
    const meanSquare = (zs: number[]): number => zs.reduce((a, z) => a + z * z, 0) / zs.length;
    const agreement = zScores(1);
    expect(Math.max(...agreement.map(Math.abs))).toBeLessThan(4.5);
    // Equal means give a mean squared z-score of 1 in expectation; the entries are correlated,
    // so it scatters more than over independent ones (this seed: 1.03; 0.90 and 0.85 at 16,000
    // and 64,000 draws, so no bias grows with the draws). A 5% error in the gradient gives ~25.
    expect(meanSquare(agreement)).toBeLessThan(2);
    expect(meanSquare(zScores(1.05))).toBeGreaterThan(8);
    // Variance reduction, summed over the first layer's weight means: there the local draws of
    // the 24 rows are independent, where weight noise gives them all the same draw.
    const firstLayer = net.layers[0]!;
    let localSpread = 0;
    let weightSpread = 0;
    for (let j = firstLayer.weightOffset; j < firstLayer.biasOffset; j++) {
      localSpread += local.variance[j]!;
      weightSpread += weightNoise.variance[j]!;
    }
    expect(localSpread).toBeLessThan(0.5 * weightSpread);
  });
});

describe('the checks themselves', () => {
  it('the 1e-12 comparison flags a gradient entry off by 1e-10 relative, and a value off by 1e-11', () => {
    const expected = { value: 3.5, gradient: Float64Array.from([1, -2, 0.5]) };
    const entryOff = { value: 3.5, gradient: Float64Array.from([1, -2 * (1 + 1e-10), 0.5]) };
    const valueOff = { value: 3.5 * (1 + 1e-11), gradient: expected.gradient };
    expect(() => expectMatch(entryOff, expected)).toThrow();
    expect(() => expectMatch(valueOff, expected)).toThrow();
    expect(() => expectMatch({ value: 3.5, gradient: expected.gradient.slice() }, expected)).not.toThrow();
  });
});

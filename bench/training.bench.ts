/**
 * Training speed. First, ms per Adam step (forward, backward, update; mini-batches of a
 * shuffled epoch) of the fused passes (`src/nn/fused.ts`, which `trainEpochs`, `fitMap` and
 * `fitVariational` now run) against the autograd tape (`negLogPosterior` of `losses.ts` recorded
 * and differentiated by `valueAndGrad`, what those functions ran before) and tfjs 4.22 (Float32)
 * on its cpu and wasm backends, on the same data and batches: Wine (13-16-3 tanh, its 134
 * training rows as one batch), digits (64-128-10 tanh, 1,280 training rows in batches of 128)
 * and an MNIST-sized 784-256-10 tanh on 1,024 random rows in batches of 128; the fused and tape
 * objectives are compared at the start. Then whole fits: the Wine MAP fit (`fitMap`, to
 * max|gradient| ≤ 1e-6) and the Wine variational fit (`fitVariational`, default epochs), each
 * beside the same loop on the tape; and the synthetic MAP fit (7,500 × 100, 100-16-1 tanh):
 * its cost per L-BFGS iteration fused and on the tape, then `fitMap` with its defaults (L-BFGS,
 * then trust-region Newton) to convergence at α = 1 and at the α that `--alpha auto` chooses,
 * each beside `fitMap` with L-BFGS alone given the same CPU time.
 */

import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { sliceFlat, softplus, Tensor, valueAndGrad } from '../src/autograd/index.js';
import { softplusScalar } from '../src/autograd/kernels.js';
import { loadDataset } from '../src/data/index.js';
import type { Dataset, Task } from '../src/data/index.js';
import { prepareData } from '../src/nn/fit.js';
import { FusedMlp } from '../src/nn/fused.js';
import { minimizeLbfgs, type LbfgsResult } from '../src/nn/lbfgs.js';
import { alphaPerParameter, batchRows, makeBatch, negLogPosterior, type Batch } from '../src/nn/losses.js';
import { MLP } from '../src/nn/mlp.js';
import { Adam, cosineSchedule } from '../src/nn/optimizers.js';
import { fitMap } from '../src/nn/train.js';
import { elbo, empiricalBayesAlpha, fitVariational, negativeElbo } from '../src/nn/variational.js';
import { Random } from '../src/random/random.js';

/** Prior precision and learning rate of every run (timing does not depend on them). */
const ALPHA = 1;
const RATE = 1e-3;

interface StepCase {
  readonly label: string;
  readonly sizes: number[];
  readonly batchSize: number;
  readonly train: () => Batch;
}

const STEP_CASES: StepCase[] = [
  { label: 'Wine', sizes: [13, 16, 3], batchSize: 134, train: () => prepareData(builtin('wine'), { seed: 0 }).train },
  { label: 'digits', sizes: [64, 128, 10], batchSize: 128, train: () => firstRows(prepareData(builtin('digits'), { seed: 0 }).train, 1280) },
  { label: 'MNIST-sized', sizes: [784, 256, 10], batchSize: 128, train: () => randomClassification(1024, 784, 10, new Random(3)) },
];

/**
 * A built-in data set read from the repository's data/ folder: the compiled bench sits one
 * folder deeper than the library build, where the library's own DATA_DIR would point.
 */
function builtin(name: 'wine' | 'digits'): Dataset {
  return loadDataset(fileURLToPath(new URL(`../../data/${name}.csv`, import.meta.url)), { task: 'classification' });
}

/**
 * This process's CPU time (user + system) in ms. Everything timed here runs on one thread
 * (tfjs-wasm in Node uses its single-threaded build: its CPU time never exceeded its wall
 * time), so on an idle machine this equals wall time; on a shared one it leaves out the time
 * the process waits for a core, which otherwise made single runs scatter 2–3×.
 */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Best CPU time per call of `f` after a second of warm-up calls (tfjs runs a lot of
 * JavaScript per step; with a short warm-up its first backend measured 3–4× slow): calls are
 * timed in batches of ~300 ms, and the fastest of 5 batches counts.
 */
function warmTimeMs(f: () => void, batchMs = 300, batches = 5): number {
  const warmEnd = performance.now() + 1000;
  while (performance.now() < warmEnd) f();
  let reps = 1;
  for (;;) {
    const start = cpuNow();
    for (let r = 0; r < reps; r++) f();
    const elapsed = cpuNow() - start;
    if (elapsed >= batchMs / 4) { reps = Math.max(1, Math.ceil((reps * batchMs) / Math.max(elapsed, 1e-3))); break; }
    reps *= 2;
  }
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const start = cpuNow();
    for (let r = 0; r < reps; r++) f();
    best = Math.min(best, (cpuNow() - start) / reps);
  }
  return best;
}

/** The first `rows` rows of a classification batch (so every mini-batch of an epoch is full). */
function firstRows(batch: Batch, rows: number): Batch {
  const inputs = batch.x.shape[1]!;
  return makeBatch(batch.x.data.slice(0, rows * inputs), inputs, batch.y.slice(0, rows), 'classification');
}

function randomClassification(rows: number, inputs: number, classes: number, rng: Random): Batch {
  return makeBatch(rng.normals(rows * inputs), inputs, Float64Array.from({ length: rows }, () => rng.int(classes)), 'classification');
}

function tanhNet(sizes: number[], seed: number): MLP {
  return MLP.initialized(sizes, [...sizes.slice(2).map(() => 'tanh' as const), 'identity'], new Random(seed).fork());
}

/** One epoch of fused training, step for step what `trainEpochs` now does (scalar α). */
function fusedEpoch(fused: FusedMlp, train: Batch, task: Task, batchSize: number, rng: Random, optimizer: Adam, gradient: Float64Array): number {
  const net = fused.net;
  const order = rng.permutation(train.rows);
  let total = 0;
  for (let start = 0; start < train.rows; start += batchSize) {
    const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
    const terms = { task, alpha: ALPHA, dataScale: train.rows / rows.length, ...(rows.length === train.rows ? {} : { rows }) };
    const value = fused.negLogPosterior(net.params, train, terms, gradient);
    if (!Number.isFinite(value)) throw new Error(`fused training diverged: the loss is ${value}`);
    total += (value * rows.length) / train.rows;
    optimizer.step(net.params, gradient, net.mask, RATE);
  }
  return total;
}

/**
 * The same network in tfjs, at its leanest: weights as variables (transposed to tfjs's
 * [in, out]), the mini-batches of one shuffled order gathered once up front (our paths index
 * rows every step), the summed softmax cross-entropy scaled by N/B without the prior term (as
 * ops it cost tfjs ~1 ms more per Wine step; prunus computes it), `tf.train.adam`. So tfjs does
 * a little less work than prunus here, and the ratios are, if anything, low.
 */
class TfjsTrainer {
  private readonly variables: tf.Variable[] = [];
  private readonly batches: { x: tf.Tensor2D; y: tf.Tensor2D; scale: number }[] = [];
  private readonly optimizer = tf.train.adam(RATE);

  constructor(net: MLP, train: Batch, batchSize: number) {
    for (const layer of net.layers) {
      const weight = new Float32Array(layer.inputs * layer.outputs);
      for (let o = 0; o < layer.outputs; o++) for (let i = 0; i < layer.inputs; i++) weight[i * layer.outputs + o] = net.params[layer.weightOffset + o * layer.inputs + i]!;
      this.variables.push(tf.variable(tf.tensor2d(weight, [layer.inputs, layer.outputs])));
      this.variables.push(tf.variable(tf.tensor1d(Float32Array.from(net.params.subarray(layer.biasOffset, layer.biasOffset + layer.outputs)))));
    }
    const inputs = train.x.shape[1]!;
    const classes = net.sizes[net.sizes.length - 1]!;
    const order = new Random(5).permutation(train.rows);
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
      const x = new Float32Array(rows.length * inputs);
      const y = new Float32Array(rows.length * classes);
      rows.forEach((row, r) => {
        x.set(train.x.data.subarray(row * inputs, (row + 1) * inputs), r * inputs);
        y[r * classes + train.labels[row]!] = 1;
      });
      this.batches.push({ x: tf.tensor2d(x, [rows.length, inputs]), y: tf.tensor2d(y, [rows.length, classes]), scale: train.rows / rows.length });
    }
  }

  epoch(): void {
    for (const { x, y, scale } of this.batches) {
      const cost = this.optimizer.minimize(() => this.loss(x, y, scale), true)!;
      cost.dataSync();
      cost.dispose();
    }
  }

  private loss(x: tf.Tensor2D, y: tf.Tensor2D, scale: number): tf.Scalar {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < this.variables.length; l += 2) {
      h = tf.add(tf.matMul(h, this.variables[l]! as tf.Tensor2D), this.variables[l + 1]!);
      if (l + 2 < this.variables.length) h = tf.tanh(h);
    }
    return tf.mul(scale, tf.losses.softmaxCrossEntropy(y, h, undefined, undefined, tf.Reduction.SUM));
  }

  dispose(): void {
    tf.dispose([...this.variables, ...this.batches.flatMap((b) => [b.x, b.y])]);
    this.optimizer.dispose();
  }
}

async function tfjsStepMs(backend: string, net: MLP, train: Batch, batchSize: number, steps: number): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const trainer = new TfjsTrainer(net, train, batchSize);
  const ms = warmTimeMs(() => trainer.epoch()) / steps;
  trainer.dispose();
  return ms;
}

/**
 * Rounds of the four measurements per case, interleaved; each implementation keeps its best.
 * On a machine shared with other jobs one pass can land in a busy spell (a single pass
 * measured the same fused digits step at 1.9 and 5.1 ms), interleaving spreads that over all four.
 */
const ROUNDS = 3;

async function stepTable(): Promise<void> {
  console.log(`CPU ms per Adam step: ${ROUNDS} interleaved rounds, each 1 s of warm-up then the best of 5 timed batches of whole epochs; the best round`);
  console.log('ratios = their time / fused time');
  console.log('autograd = negLogPosterior (losses.ts) on the tape, valueAndGrad, rows gathered by batchRows; fused = FusedMlp.negLogPosterior, as trainEpochs runs it');
  console.log('case          network        batch    fused   autograd   tfjs-cpu  tfjs-wasm   ×autograd   ×cpu   ×wasm');
  for (const c of STEP_CASES) {
    const train = c.train();
    const steps = Math.ceil(train.rows / c.batchSize);
    const start = tanhNet(c.sizes, 1);
    const fusedNet = start.clone();
    const fused = new FusedMlp(fusedNet, c.batchSize);
    const gradient = new Float64Array(fusedNet.parameterCount);
    const fusedRng = new Random(5);
    const fusedAdam = new Adam();
    const autogradNet = start.clone();
    const autogradRng = new Random(5);
    const autogradAdam = new Adam();
    let fusedMs = Infinity;
    let autogradMs = Infinity;
    let cpuMs = Infinity;
    let wasmMs = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      fusedMs = Math.min(fusedMs, warmTimeMs(() => fusedEpoch(fused, train, 'classification', c.batchSize, fusedRng, fusedAdam, gradient)) / steps);
      autogradMs = Math.min(autogradMs, warmTimeMs(() => autogradEpoch(autogradNet, train, 'classification', c.batchSize, autogradRng, autogradAdam)) / steps);
      cpuMs = Math.min(cpuMs, await tfjsStepMs('cpu', start, train, c.batchSize, steps));
      wasmMs = Math.min(wasmMs, await tfjsStepMs('wasm', start, train, c.batchSize, steps));
    }
    const ratio = (ms: number): string => `${(ms / fusedMs).toFixed(1)}×`;
    console.log(
      `${c.label.padEnd(14)}${c.sizes.join('-').padEnd(14)}${String(c.batchSize).padStart(6)}` +
      `${fusedMs.toFixed(3).padStart(9)}${autogradMs.toFixed(3).padStart(11)}${cpuMs.toFixed(3).padStart(11)}${wasmMs.toFixed(3).padStart(11)}` +
      `${ratio(autogradMs).padStart(12)}${ratio(cpuMs).padStart(7)}${ratio(wasmMs).padStart(8)}`,
    );
  }
  console.log('prunus: Float64, objective with the prior, rows gathered per step; tfjs 4.22: Float32, cross-entropy only, batches gathered once');
  for (const c of STEP_CASES) {
    const train = c.train();
    const net = tanhNet(c.sizes, 1);
    const rows = new Random(5).permutation(train.rows).subarray(0, Math.min(train.rows, c.batchSize));
    const d = agreement(net, train, 'classification', net.params, ALPHA, rows.length === train.rows ? {} : { rows });
    console.log(`fused against the tape, ${c.label} (one batch, the start): |Δvalue|/value ${d.value.toExponential(1)}, max|Δg|/max|g| ${d.gradient.toExponential(1)}`);
  }
}

/**
 * The autograd reference, built on the tape: `negLogPosterior` of `losses.ts` (the one
 * definition the fused passes are tested against) recorded as a graph and differentiated by
 * `valueAndGrad`, for the packed parameter vector. A mini-batch is gathered into its own batch
 * first (`batchRows`), as the graph cannot index rows. This is what `fitMap` and `trainEpochs`
 * evaluated before they were rewired to the fused passes.
 */
function autogradObjective(net: MLP, batch: Batch, task: Task, alpha: number, logNoise = 0, dataScale = 1): (z: Float64Array) => { value: number; gradient: Float64Array } {
  const f = valueAndGrad((w: Tensor) => negLogPosterior(net, batch, task, alpha, w, logNoise, dataScale));
  return (z) => {
    const { value, grad } = f(new Tensor(z));
    return { value: value.item(), gradient: grad.data };
  };
}

/** One epoch of autograd training: the same shuffles, batches and Adam steps as {@link fusedEpoch}. */
function autogradEpoch(net: MLP, train: Batch, task: Task, batchSize: number, rng: Random, optimizer: Adam): number {
  const order = rng.permutation(train.rows);
  let total = 0;
  for (let start = 0; start < train.rows; start += batchSize) {
    const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
    const batch = rows.length === train.rows ? train : batchRows(train, rows);
    const { value, gradient } = autogradObjective(net, batch, task, ALPHA, 0, train.rows / rows.length)(net.params);
    if (!Number.isFinite(value)) throw new Error(`autograd training diverged: the loss is ${value}`);
    total += (value * rows.length) / train.rows;
    optimizer.step(net.params, gradient, net.mask, RATE);
  }
  return total;
}

/**
 * How far the fused objective is from the tape's at `params` on rows `rows` of `train` (all
 * rows when omitted): |Δ value| relative to the value, and max |Δ gradient| relative to the
 * gradient's largest entry and absolute (at a converged fit the gradient is ~0, and the relative
 * figure only measures the rounding of the terms that cancel).
 */
function agreement(net: MLP, train: Batch, task: Task, params: Float64Array, alpha: number, options: { rows?: Int32Array; logNoise?: number } = {}): { value: number; gradient: number; absolute: number } {
  const rows = options.rows;
  const dataScale = rows === undefined ? 1 : train.rows / rows.length;
  const logNoise = options.logNoise ?? 0;
  const reference = autogradObjective(net, rows === undefined ? train : batchRows(train, rows), task, alpha, logNoise, dataScale)(params);
  const gradient = new Float64Array(net.parameterCount);
  const value = new FusedMlp(net, rows?.length ?? train.rows).negLogPosterior(params, train, {
    task, alpha, logNoiseVariance: logNoise, dataScale, ...(rows === undefined ? {} : { rows }),
  }, gradient);
  let scale = 0;
  let difference = 0;
  for (let j = 0; j < gradient.length; j++) {
    scale = Math.max(scale, Math.abs(reference.gradient[j]!));
    difference = Math.max(difference, Math.abs(gradient[j]! - reference.gradient[j]!));
  }
  return { value: Math.abs(value - reference.value) / Math.abs(reference.value), gradient: difference / scale, absolute: difference };
}

/** The old `fitMap`: L-BFGS (to max|g| ≤ 1e-6, at most `maxIterations`) on the autograd objective. */
function autogradFitMap(net: MLP, train: Batch, task: Task, maxIterations = 5000): LbfgsResult {
  const result = minimizeLbfgs(autogradObjective(net, train, task, ALPHA), net.params, { gradientTolerance: 1e-6, maxIterations, mask: net.mask });
  net.params.set(result.x);
  net.applyMask();
  return result;
}

/**
 * The old `fitVariational` with its defaults (global empirical-Bayes α, 1500 full-batch epochs,
 * one sample, learning rate 0.03 cosine-decayed, σ₀ = 0.1, seed 0) on the tape: the negative
 * ELBO of `variational.ts` (`negativeElbo`) recorded and differentiated every epoch, drawing the
 * same random numbers in the same order as the library's fused fit; returns μ, σ, α and the
 * 64-sample final ELBO (by the library's `elbo`, as `fitVariational` ends).
 */
function autogradFitVariational(net: MLP, train: Batch, task: Task, epochs = 1500): { mean: Float64Array; sigma: Float64Array; alpha: number[]; elbo: number } {
  const n = net.parameterCount;
  const rng = new Random(0);
  const schedule = cosineSchedule(0.03, epochs);
  const z = new Float64Array(2 * n + 1);
  z.set(net.params);
  z.fill(Math.log(Math.expm1(0.1)), n, 2 * n);
  const free = new Float64Array(2 * n + 1);
  free.set(net.mask, 0);
  free.set(net.mask, n);
  const optimizer = new Adam();
  let alpha = net.layers.map(() => 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const alphas = alphaPerParameter(net, alpha);
    rng.permutation(train.rows); // full batch: the order is drawn (as fitVariational does) but not needed
    const draws = [new Tensor(rng.normals(n))];
    const { value, grad } = valueAndGrad((v: Tensor) => {
      const q = { mean: sliceFlat(v, 0, [n]), sigma: softplus(sliceFlat(v, n, [n])), logNoiseVariance: sliceFlat(v, 2 * n, []) };
      return negativeElbo(net, train, task, q, alphas, draws);
    })(new Tensor(z));
    if (!Number.isFinite(value.item())) throw new Error(`autograd variational fit diverged at epoch ${epoch + 1}`);
    optimizer.step(z, grad.data, free, schedule(epoch));
    alpha = empiricalBayesAlpha(net, z.subarray(0, n), z.subarray(n, 2 * n), 'global');
  }
  const mean = z.slice(0, n);
  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (net.mask[j] === 0) mean[j] = 0;
    else sigma[j] = softplusScalar(z[n + j]!);
  }
  const final = elbo(net, { mean, sigma }, train, task, { alpha, samples: 64, rng: rng.fork() });
  return { mean, sigma, alpha, elbo: final.elbo };
}

/** A call's result and its CPU time (see {@link cpuNow}). */
function timed<T>(f: () => T): { value: T; ms: number } {
  const start = cpuNow();
  const value = f();
  return { value, ms: cpuNow() - start };
}

function bestOf<T>(runs: number, f: () => T): { value: T; ms: number } {
  let best = timed(f);
  for (let r = 1; r < runs; r++) {
    const next = timed(f);
    if (next.ms < best.ms) best = next;
  }
  return best;
}

/** Max |Δ| between two vectors. */
function maxDifference(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) d = Math.max(d, Math.abs(a[j]! - b[j]!));
  return d;
}

function wineFits(): void {
  const wine = prepareData(builtin('wine'), { seed: 0 });
  const start = tanhNet([13, 16, 3], 0);
  const fusedMap = bestOf(10, () => { const net = start.clone(); return { net, result: fitMap(net, wine.train, 'classification') }; });
  const autogradMap = bestOf(3, () => { const net = start.clone(); return { net, result: autogradFitMap(net, wine.train, 'classification') }; });
  const map = fusedMap.value.result;
  console.log(
    `Wine MAP fit (fitMap defaults, to max|g| ≤ 1e-6):  fused ${fusedMap.ms.toFixed(1)} ms (${map.iterations} iterations, ${map.optimizer}, ${map.reason}),` +
    ` autograd ${autogradMap.ms.toFixed(1)} ms (${autogradMap.value.result.iterations} iterations), ${(autogradMap.ms / fusedMap.ms).toFixed(1)}×;` +
    ` objectives ${map.objective.toPrecision(12)} / ${autogradMap.value.result.value.toPrecision(12)}, max |Δw| ${maxDifference(fusedMap.value.net.params, autogradMap.value.net.params).toExponential(1)}`,
  );
  const startAgreement = agreement(start, wine.train, 'classification', start.params, ALPHA);
  console.log(`  objective agreement at the start: |Δvalue|/value ${startAgreement.value.toExponential(1)}, max|Δg|/max|g| ${startAgreement.gradient.toExponential(1)}`);

  const mapNet = fusedMap.value.net;
  const fusedVariational = bestOf(5, () => fitVariational(mapNet, wine.train, 'classification'));
  const autogradVariational = bestOf(1, () => autogradFitVariational(mapNet, wine.train, 'classification'));
  const fused = fusedVariational.value;
  console.log(
    `Wine variational fit (fitVariational defaults: ${fused.history.length} full-batch epochs):  fused ${fusedVariational.ms.toFixed(0)} ms, autograd ${autogradVariational.ms.toFixed(0)} ms,` +
    ` ${(autogradVariational.ms / fusedVariational.ms).toFixed(1)}×; final ELBO ${fused.final.elbo.toFixed(4)} / ${autogradVariational.value.elbo.toFixed(4)},` +
    ` max |Δμ| ${maxDifference(fused.posterior.mean, autogradVariational.value.mean).toExponential(1)}, max |Δσ| ${maxDifference(fused.posterior.sigma, autogradVariational.value.sigma).toExponential(1)}`,
  );
}

/**
 * The α that `prunus train --dataset synthetic` (default `--alpha auto`, the ELBO criterion)
 * chooses, and the noise variance it chooses with it (`train --json`: prior.alpha,
 * prior.noiseVariance; 2026-11-28).
 */
const SYNTHETIC_ALPHA = 26.643238297500123;
const SYNTHETIC_NOISE = 0.03017795624101372;

function syntheticFits(): void {
  const synthetic = prepareData(loadDataset('synthetic'), { seed: 0 });
  const train = synthetic.train;
  const start = MLP.initialized([100, 16, 1], ['tanh', 'identity'], new Random(0).fork());
  const shape = `${train.rows}×100, 100-16-1`;

  // Cost per L-BFGS iteration, fused (fitMap's L-BFGS alone) against the tape.
  const fusedProbe = 300;
  const autogradProbe = 100;
  const fusedPerIteration = (() => { const t = timed(() => fitMap(start.clone(), train, 'regression', { optimizer: 'lbfgs', maxIterations: fusedProbe })); return t.ms / t.value.iterations; })();
  const autogradPerIteration = (() => { const t = timed(() => autogradFitMap(start.clone(), train, 'regression', autogradProbe)); return t.ms / t.value.iterations; })();
  const startAgreement = agreement(start, train, 'regression', start.params, ALPHA);
  console.log(
    `synthetic MAP (${shape}), per L-BFGS iteration:  fused ${fusedPerIteration.toFixed(1)} ms over ${fusedProbe}, autograd ${autogradPerIteration.toFixed(1)} ms over ${autogradProbe},` +
    ` ${(autogradPerIteration / fusedPerIteration).toFixed(1)}×; objective agreement at the start: ${startAgreement.value.toExponential(1)} / ${startAgreement.gradient.toExponential(1)}`,
  );

  // Whole fits from the same random start: fitMap's default (auto: L-BFGS, then Newton after
  // 300 iterations if not converged) against its old method, L-BFGS alone, given the same CPU
  // time (its iteration count set from the auto fit's time and the cost per iteration above).
  const settings: { label: string; alpha: number; noiseVariance?: number }[] = [
    { label: 'α = 1', alpha: 1 },
    { label: `α = ${SYNTHETIC_ALPHA.toFixed(2)}`, alpha: SYNTHETIC_ALPHA },
    { label: `α = ${SYNTHETIC_ALPHA.toFixed(2)}, s² = ${SYNTHETIC_NOISE.toFixed(4)} (train's final refit)`, alpha: SYNTHETIC_ALPHA, noiseVariance: SYNTHETIC_NOISE },
  ];
  for (const s of settings) {
    const options = { alpha: s.alpha, ...(s.noiseVariance === undefined ? {} : { noiseVariance: s.noiseVariance }) };
    const autoNet = start.clone();
    // The CPU time at the switch to Newton: at L-BFGS's last progress report, if Newton reports after it.
    let begun = 0;
    let lastLbfgs = 0;
    let switchedAt = Number.NaN;
    const auto = timed(() => {
      begun = cpuNow();
      return fitMap(autoNet, train, 'regression', { ...options, onProgress: (phase) => {
        if (phase === 'lbfgs') lastLbfgs = cpuNow() - begun;
        else if (phase === 'newton' && Number.isNaN(switchedAt)) switchedAt = lastLbfgs;
      } });
    });
    const a = auto.value;
    const check = agreement(autoNet, train, 'regression', autoNet.params, s.alpha, { logNoise: Math.log(s.noiseVariance ?? 1) });
    const tapeGradient = autogradObjective(autoNet, train, 'regression', s.alpha, Math.log(s.noiseVariance ?? 1))(autoNet.params).gradient;
    let tapeNorm = 0;
    for (const g of tapeGradient) tapeNorm = Math.max(tapeNorm, Math.abs(g));
    console.log(
      `synthetic MAP fit, ${s.label}, fitMap defaults:  ${(auto.ms / 1000).toFixed(1)} s, ${a.iterations} iterations (${a.optimizer}, ${a.products} curvature products` +
      `${Number.isNaN(switchedAt) ? '' : `; L-BFGS ${(switchedAt / 1000).toFixed(1)} s, Newton ${((auto.ms - switchedAt) / 1000).toFixed(1)} s`}),` +
      ` converged ${a.converged} (${a.reason}), max|g| ${a.gradientNorm.toExponential(1)} (on the tape ${tapeNorm.toExponential(1)}), objective ${a.objective.toPrecision(10)};` +
      ` fused against the tape at ŵ: |Δvalue|/value ${check.value.toExponential(1)}, max|Δg| ${check.absolute.toExponential(1)}`,
    );
    // The peer: L-BFGS alone, for the same CPU time.
    const budget = Math.max(1, Math.round(auto.ms / fusedPerIteration));
    let reachedAt = Number.NaN;
    const lbfgs = timed(() => fitMap(start.clone(), train, 'regression', {
      ...options, optimizer: 'lbfgs', maxIterations: budget,
      onProgress: (_phase, step, _total, value) => { if (Number.isNaN(reachedAt) && value <= a.objective) reachedAt = step; },
    }));
    const l = lbfgs.value;
    console.log(
      `  peer: fitMap optimizer 'lbfgs' for the same CPU time:  ${(lbfgs.ms / 1000).toFixed(1)} s, ${l.iterations} iterations, converged ${l.converged},` +
      ` max|g| ${l.gradientNorm.toExponential(1)}, objective ${l.objective.toPrecision(10)} (${(l.objective - a.objective).toExponential(1)} above auto's)` +
      `${Number.isNaN(reachedAt) ? '' : `; reached auto's objective at iteration ${reachedAt}`}`,
    );
  }
}

function fitTable(): void {
  console.log('\nwhole fits, CPU time (best of the runs given; fused = the library function, autograd = the same loop on the tape)');
  wineFits();
  syntheticFits();
}

export async function run(): Promise<void> {
  await stepTable();
  fitTable();
}

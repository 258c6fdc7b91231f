/**
 * Training speed. First, ms per Adam step (forward, backward, update; mini-batches of a
 * shuffled epoch) of the fused passes (`src/nn/fused.ts`) against prunus's autograd path
 * (`trainEpochs`) and tfjs 4.22 (Float32) on its cpu and wasm backends, on the same data and
 * batches: Wine (13-16-3 tanh, its 134 training rows as one batch), digits (64-128-10 tanh,
 * 1,280 training rows in batches of 128) and an MNIST-sized 784-256-10 tanh on 1,024 random
 * rows in batches of 128. Then whole fits: the Wine MAP fit (L-BFGS to max|gradient| ≤ 1e-6),
 * the Wine variational fit (1500 full-batch epochs) and the synthetic MAP fit (7,500 × 100,
 * 100-16-1 tanh; its time per iteration, as it does not converge), each driven by the fused
 * objective exactly as `fitMap` and `fitVariational` drive the autograd one, beside the
 * autograd original.
 */

import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { softplusScalar } from '../src/autograd/kernels.js';
import { loadDataset } from '../src/data/index.js';
import type { Dataset, Task } from '../src/data/index.js';
import { prepareData } from '../src/nn/fit.js';
import { FusedMlp } from '../src/nn/fused.js';
import { FusedVariational } from '../src/nn/fused-variational.js';
import { minimizeLbfgs, type LbfgsResult } from '../src/nn/lbfgs.js';
import { makeBatch, type Batch } from '../src/nn/losses.js';
import { MLP } from '../src/nn/mlp.js';
import { Adam, constantSchedule, cosineSchedule } from '../src/nn/optimizers.js';
import { fitMap, trainEpochs } from '../src/nn/train.js';
import { alphaPerParameter } from '../src/nn/losses.js';
import { empiricalBayesAlpha, fitVariational, klDivergence } from '../src/nn/variational.js';
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

/** One epoch of fused training, step for step what `trainEpochs` does with the autograd. */
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
    const autogradOptions = { epochs: 1, batchSize: c.batchSize, schedule: constantSchedule(RATE), alpha: ALPHA, rng: new Random(5), optimizer: new Adam() };
    let fusedMs = Infinity;
    let autogradMs = Infinity;
    let cpuMs = Infinity;
    let wasmMs = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      fusedMs = Math.min(fusedMs, warmTimeMs(() => fusedEpoch(fused, train, 'classification', c.batchSize, fusedRng, fusedAdam, gradient)) / steps);
      autogradMs = Math.min(autogradMs, warmTimeMs(() => trainEpochs(autogradNet, train, 'classification', autogradOptions)) / steps);
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
}

/** `fitMap`'s L-BFGS run (no warm-up, noise fixed) with the fused objective in place of the autograd one. */
function fusedFitMap(net: MLP, train: Batch, task: Task, maxIterations = 5000): LbfgsResult {
  const fused = new FusedMlp(net, train.rows);
  const gradient = new Float64Array(net.parameterCount);
  const objective = (z: Float64Array): { value: number; gradient: Float64Array } => ({
    value: fused.negLogPosterior(z, train, { task, alpha: ALPHA }, gradient),
    gradient,
  });
  const result = minimizeLbfgs(objective, net.params, { gradientTolerance: 1e-6, maxIterations, mask: net.mask });
  net.params.set(result.x);
  net.applyMask();
  return result;
}

/**
 * `fitVariational` with its defaults (global empirical-Bayes α, 1500 epochs, full batch, one
 * sample, learning rate 0.03 cosine-decayed, σ₀ = 0.1, seed 0) on the fused objective, drawing
 * the same random numbers in the same order; returns μ, σ, α and the 64-sample final ELBO.
 */
function fusedFitVariational(net: MLP, train: Batch, task: Task, epochs = 1500): { mean: Float64Array; sigma: Float64Array; alpha: number[]; elbo: number } {
  const n = net.parameterCount;
  const rng = new Random(0);
  const schedule = cosineSchedule(0.03, epochs);
  const z = new Float64Array(2 * n + 1);
  z.set(net.params);
  z.fill(Math.log(Math.expm1(0.1)), n, 2 * n);
  const free = new Float64Array(2 * n + 1);
  free.set(net.mask, 0);
  free.set(net.mask, n);
  const fused = new FusedVariational(net, train.rows);
  const gradient = new Float64Array(2 * n + 1);
  const optimizer = new Adam();
  let alpha = net.layers.map(() => 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const alphas = alphaPerParameter(net, alpha);
    rng.permutation(train.rows); // full batch: the order is drawn (as fitVariational does) but not needed
    const value = fused.negativeElbo(z, train, { task, alpha: alphas, noise: [rng.normals(n)] }, gradient);
    if (!Number.isFinite(value)) throw new Error(`fused variational fit diverged at epoch ${epoch + 1}`);
    optimizer.step(z, gradient, free, schedule(epoch));
    alpha = empiricalBayesAlpha(net, z.subarray(0, n), z.subarray(n, 2 * n), 'global');
  }
  const mean = z.slice(0, n);
  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (net.mask[j] === 0) mean[j] = 0;
    else sigma[j] = softplusScalar(z[n + j]!);
  }
  // The final 64-sample ELBO, drawing as `elbo` does (normals for active entries only).
  const draws = rng.fork();
  const w = new Float64Array(n);
  let logLikelihood = 0;
  for (let s = 0; s < 64; s++) {
    for (let j = 0; j < n; j++) w[j] = net.mask[j] === 0 ? 0 : mean[j]! + sigma[j]! * draws.normal();
    logLikelihood -= fused.passes.negLogLikelihood(w, train, task);
  }
  return { mean, sigma, alpha, elbo: logLikelihood / 64 - klDivergence(net, { mean, sigma }, alpha) };
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

function fitTable(): void {
  console.log('\nwhole fits, CPU time (best of the runs given; fused = the same loop on the fused objective)');
  const wine = prepareData(builtin('wine'), { seed: 0 });
  const start = tanhNet([13, 16, 3], 0);
  const autogradMap = bestOf(3, () => { const net = start.clone(); return { net, result: fitMap(net, wine.train, 'classification') }; });
  const fusedMap = bestOf(10, () => { const net = start.clone(); return { net, result: fusedFitMap(net, wine.train, 'classification') }; });
  console.log(
    `Wine MAP fit (L-BFGS to 1e-6):  fused ${fusedMap.ms.toFixed(1)} ms (${fusedMap.value.result.iterations} iterations, ${fusedMap.value.result.reason}),` +
    ` autograd ${autogradMap.ms.toFixed(1)} ms (${autogradMap.value.result.iterations} iterations), ${(autogradMap.ms / fusedMap.ms).toFixed(1)}×;` +
    ` objectives ${fusedMap.value.result.value.toPrecision(12)} / ${autogradMap.value.result.objective.toPrecision(12)}`,
  );

  const mapNet = fusedMap.value.net;
  const autogradVariational = bestOf(1, () => fitVariational(mapNet, wine.train, 'classification'));
  const fusedVariational = bestOf(5, () => fusedFitVariational(mapNet, wine.train, 'classification'));
  let meanDifference = 0;
  autogradVariational.value.posterior.mean.forEach((m, j) => { meanDifference = Math.max(meanDifference, Math.abs(m - fusedVariational.value.mean[j]!)); });
  console.log(
    `Wine variational fit (1500 epochs):  fused ${fusedVariational.ms.toFixed(0)} ms, autograd ${autogradVariational.ms.toFixed(0)} ms,` +
    ` ${(autogradVariational.ms / fusedVariational.ms).toFixed(1)}×; final ELBO ${fusedVariational.value.elbo.toFixed(4)} / ${autogradVariational.value.final.elbo.toFixed(4)},` +
    ` max |Δμ| ${meanDifference.toExponential(1)}`,
  );

  const synthetic = prepareData(loadDataset('synthetic'), { seed: 0 });
  const syntheticStart = MLP.initialized([100, 16, 1], ['tanh', 'identity'], new Random(0).fork());
  // Neither fit converges within fitMap's 5000-iteration cap (L-BFGS stalls in a non-convex
  // region, see the report of the fused path), so both are timed on their first iterations
  // and the time to the cap is extrapolated.
  const fusedProbe = 500;
  const autogradProbe = 100;
  const fusedSynthetic = timed(() => fusedFitMap(syntheticStart.clone(), synthetic.train, 'regression', fusedProbe));
  const autogradSynthetic = timed(() => fitMap(syntheticStart.clone(), synthetic.train, 'regression', { maxIterations: autogradProbe }));
  const fusedPerIteration = fusedSynthetic.ms / fusedSynthetic.value.iterations;
  const autogradPerIteration = autogradSynthetic.ms / autogradSynthetic.value.iterations;
  console.log(
    `synthetic MAP fit (${synthetic.train.rows}×100, 100-16-1):  fused ${fusedPerIteration.toFixed(1)} ms/iteration over ${fusedProbe}` +
    ` (max|g| ${fusedSynthetic.value.gradientNorm.toExponential(1)} there), 5000 iterations ≈ ${((5000 * fusedPerIteration) / 1000).toFixed(0)} s;` +
    ` autograd ${autogradPerIteration.toFixed(1)} ms/iteration over ${autogradProbe}, ≈ ${((5000 * autogradPerIteration) / 1000).toFixed(0)} s; ${(autogradPerIteration / fusedPerIteration).toFixed(1)}× per iteration`,
  );
}

export async function run(): Promise<void> {
  await stepTable();
  fitTable();
}

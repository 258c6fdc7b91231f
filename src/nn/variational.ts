/**
 * The variational posterior: a mean-field Gaussian q(w) = Π N(μ_j, σ_j²), σ_j = softplus(ρ_j),
 * over the active parameters, fitted by maximizing the ELBO (docs/methods.md §1)
 *
 *     ELBO(A, q) = E_q[log p(D | A, w)] − KL(q ‖ p(w | A))
 *
 * with the reparameterization trick and the closed-form KL to the prior N(0, 1/α). The prior
 * precision α is fixed or fitted by empirical Bayes (globally or per layer); a regression's
 * noise variance is a variational hyperparameter fitted with the rest.
 */
import { add, log, mask as maskOp, mul, noGrad, square, sub, sum, Tensor, type TensorLike } from '../autograd/index.js';
import { softplusScalar } from '../autograd/kernels.js';
import type { Task } from '../data/index.js';
import { Random } from '../random/random.js';
import { FusedMlp } from './fused.js';
import { FusedVariational } from './fused-variational.js';
import { alphaPerLayer, alphaPerParameter, negLogLikelihood, type Batch, type PriorPrecision } from './losses.js';
import { forward, type MLP } from './mlp.js';
import type { Posterior } from './model.js';
import { Adam, cosineSchedule } from './optimizers.js';

/** Rows per step of the default variational fit on data sets larger than this. */
const LARGE_BATCH = 1024;

/** How the prior precision α is chosen. */
export type PriorMode = 'fixed' | 'global' | 'per-layer';

/** Options of {@link fitVariational}. */
export interface VariationalOptions {
  /** `fixed` keeps `alpha`; `global`/`per-layer` refit α by empirical Bayes (default `global`). */
  readonly prior?: PriorMode;
  /** Initial (or fixed) prior precision, global or per layer (default 1). */
  readonly alpha?: PriorPrecision;
  /**
   * Full passes over the training rows (default 1500 on up to 1024 rows: on Boston the ELBO
   * still rises clearly from 600 to 1500; fewer on larger data sets, see the fit).
   */
  readonly epochs?: number;
  /** Mini-batch size (default: all rows, up to 1024). */
  readonly batchSize?: number;
  /** Monte Carlo samples of w per step (default 1). */
  readonly samples?: number;
  /** Adam learning rate for μ, ρ and the noise (default 0.03, cosine-decayed). */
  readonly learningRate?: number;
  /**
   * Initial σ of every parameter (default 0.1). Much smaller starts make the KL term so large
   * that the fit escapes to the prior (all μ → 0) before σ can grow: seen on Wine at 0.01.
   */
  readonly initialSigma?: number | Float64Array;
  /** Initial posterior means (default: the network's current weights, the MAP fit ŵ). */
  readonly initialMean?: Float64Array;
  /** Regression: initial noise variance in standardized units (default 1). */
  readonly noiseVariance?: number;
  /** Regression: fit the noise variance (default true). */
  readonly fitNoise?: boolean;
  readonly rng?: Random;
  /**
   * The standard normal draws of the final ELBO estimate (`samples × parameterCount`; common
   * random numbers across structures). Default: 64 fresh draws.
   */
  readonly elboDraws?: Float64Array;
  /** Called after each epoch with the running ELBO estimate of that epoch. */
  readonly onEpoch?: (epoch: number, total: number, elbo: number) => void;
}

/** The fitted posterior and hyperparameters. */
export interface VariationalResult {
  readonly posterior: Posterior;
  /** Prior precision per layer (all equal unless `per-layer`). */
  readonly alpha: number[];
  readonly prior: PriorMode;
  /** Regression noise variance (standardized units); 1 for classification. */
  readonly noiseVariance: number;
  /** The ELBO estimate of every epoch (one Monte Carlo estimate per step, averaged). */
  readonly history: number[];
  /** The fitted posterior's ELBO on the training rows, by {@link elbo} with 64 samples. */
  readonly final: ElboEstimate;
}

/**
 * KL(q ‖ p) of the mean-field Gaussian q = N(μ, σ²) to the prior N(0, 1/α), over the active
 * parameters (pruned ones are point masses at 0 under both):
 * Σ_active ½[α(μ² + σ²) − 1 − log α − 2 log σ]. Written with `log α + 2 log σ` rather than
 * `log(ασ²)`, so neither a tiny σ nor a large α can underflow or overflow the product first.
 * This is the one definition: {@link klDivergence} evaluates it, the fit differentiates it.
 *
 * @param alphas the prior precision of every parameter (see {@link alphaPerParameter}).
 * @param active 0/1 per parameter (the network's mask); every σ must be positive, including
 *   at inactive entries (they are masked out after the per-parameter terms are formed).
 */
export function klTerm(mean: Tensor, sigma: Tensor, alphas: Float64Array, active: Float64Array): Tensor {
  const logAlpha = alphas.map((v) => Math.log(v));
  const terms = mul(0.5, sub(mul(new Tensor(alphas), add(square(mean), square(sigma))), add(add(1, new Tensor(logAlpha)), mul(2, log(sigma)))));
  return sum(maskOp(terms, active));
}

/** KL(q ‖ p) of a posterior to the prior, as a number: {@link klTerm} evaluated. */
export function klDivergence(net: MLP, posterior: Posterior, alpha: PriorPrecision): number {
  // Pruned entries hold σ = 0 (log σ = −∞, and 0·∞ is NaN even under the mask): give them a
  // harmless σ = 1 before the per-parameter terms are formed; the mask drops them anyway.
  const sigma = posterior.sigma.map((v, j) => (net.mask[j] === 0 ? 1 : v));
  return noGrad(() => klTerm(new Tensor(posterior.mean), new Tensor(sigma), alphaPerParameter(net, alpha), net.mask).item());
}

/**
 * The negative log-likelihood of one reparameterized draw w = μ + σ ⊙ ε (pruned entries are
 * masked by `forward`). With {@link klTerm}, the two pieces of the negative ELBO.
 */
export function drawNegLogLikelihood(net: MLP, mean: Tensor, sigma: Tensor, eps: Tensor, batch: Batch, task: Task, logNoiseVariance: TensorLike): Tensor {
  return negLogLikelihood(task, forward(net, add(mean, mul(sigma, eps)), batch.x), batch, logNoiseVariance);
}

/**
 * The variational training objective, a Monte Carlo estimate of the negative ELBO:
 * `dataScale · mean_s NLL(μ + σ ⊙ ε_s) + KL(q ‖ p)` for the given draws ε_s. On the full batch
 * (`dataScale` 1) it is exactly `−elbo(...)` with the same draws: the fit maximizes the quantity
 * that {@link elbo} reports, not a look-alike.
 */
export function negativeElbo(
  net: MLP, batch: Batch, task: Task,
  q: { mean: Tensor; sigma: Tensor; logNoiseVariance: TensorLike },
  alphas: Float64Array, draws: readonly Tensor[], dataScale = 1,
): Tensor {
  let nll: Tensor = Tensor.scalar(0);
  for (const eps of draws) nll = add(nll, drawNegLogLikelihood(net, q.mean, q.sigma, eps, batch, task, q.logNoiseVariance));
  return add(mul(dataScale / draws.length, nll), klTerm(q.mean, q.sigma, alphas, net.mask));
}

/** The ELBO estimate with its parts and Monte Carlo standard error. */
export interface ElboEstimate {
  readonly elbo: number;
  /** Standard error of the Monte Carlo estimate of E_q[log p(D | w)] (the KL is exact). */
  readonly standardError: number;
  readonly expectedLogLikelihood: number;
  readonly kl: number;
  readonly samples: number;
  /** log p(D | w_s) of every draw, in draw order (pair them across structures for differences). */
  readonly logLikelihoods: Float64Array;
}

/** Options of {@link elbo}. */
export interface ElboOptions {
  readonly alpha: PriorPrecision;
  readonly noiseVariance?: number;
  /** Number of draws (default 32; ignored when `draws` is given). */
  readonly samples?: number;
  /** Source of the draws when `draws` is not given. */
  readonly rng?: Random;
  /**
   * The standard normal draws ε, `samples × parameterCount` row-major: common random numbers,
   * so two structures of one architecture are compared on the same draws (see {@link elboDifference}).
   */
  readonly draws?: Float64Array;
}

/**
 * Estimates the ELBO of `posterior` on `batch` for the network's current structure (its mask):
 * E_q[log p(D|w)] by draws of w (pruned entries exactly 0), minus the exact KL. It evaluates
 * {@link drawNegLogLikelihood} and {@link klTerm}, the pieces the fit's objective is made of.
 */
export function elbo(net: MLP, posterior: Posterior, batch: Batch, task: Task, options: ElboOptions): ElboEstimate {
  const n = net.parameterCount;
  const draws = options.draws ?? standardNormalDraws(options.rng ?? new Random(0), options.samples ?? 32, n);
  if (draws.length % n !== 0 || draws.length === 0) throw new Error(`elbo: ${draws.length} draws are not whole samples of ${n} parameters`);
  const samples = draws.length / n;
  const logNoise = Math.log(options.noiseVariance ?? 1);
  const logLikelihoods = new Float64Array(samples);
  // Each draw's NLL by the fused forward pass: what drawNegLogLikelihood computes, without a graph.
  const fused = new FusedMlp(net, batch.rows);
  const w = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < n; j++) w[j] = posterior.mean[j]! + posterior.sigma[j]! * draws[s * n + j]!;
    logLikelihoods[s] = -fused.negLogLikelihood(w, batch, task, logNoise);
  }
  const { mean, standardError } = meanAndStandardError(logLikelihoods);
  const kl = klDivergence(net, posterior, options.alpha);
  return { elbo: mean - kl, standardError, expectedLogLikelihood: mean, kl, samples, logLikelihoods };
}

/** `samples × n` standard normal draws, row-major. */
export function standardNormalDraws(rng: Random, samples: number, n: number): Float64Array {
  return rng.normals(samples * n);
}

/** Sample mean and the standard error of the mean. */
function meanAndStandardError(values: Float64Array): { mean: number; standardError: number } {
  const count = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / count;
  const variance = count > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1) : 0;
  return { mean, standardError: Math.sqrt(variance / count) };
}

/** Two ELBO estimates on common random numbers and their paired difference. */
export interface ElboComparison {
  /** ELBO(b) − ELBO(a). */
  readonly difference: number;
  /** Standard error of the difference, from the paired per-draw differences (the KLs are exact). */
  readonly standardError: number;
  readonly a: ElboEstimate;
  readonly b: ElboEstimate;
}

/**
 * ELBO(b) − ELBO(a) for two structures (masks) of one architecture, each with its own posterior
 * and prior, estimated on the SAME draws ε (common random numbers): draw s of both uses ε_s, so
 * the noise shared by the two estimates cancels in the difference and its standard error is that
 * of the paired differences — far smaller than either estimate's own error when the structures
 * are close.
 */
export function elboDifference(
  a: { net: MLP; posterior: Posterior; alpha: PriorPrecision; noiseVariance?: number },
  b: { net: MLP; posterior: Posterior; alpha: PriorPrecision; noiseVariance?: number },
  batch: Batch, task: Task, draws: Float64Array,
): ElboComparison {
  if (a.net.parameterCount !== b.net.parameterCount) {
    throw new Error(`elboDifference: common random numbers need one architecture (${a.net.parameterCount} and ${b.net.parameterCount} parameters)`);
  }
  const estimate = (x: typeof a): ElboEstimate =>
    elbo(x.net, x.posterior, batch, task, { alpha: x.alpha, draws, ...(x.noiseVariance !== undefined ? { noiseVariance: x.noiseVariance } : {}) });
  const ea = estimate(a);
  const eb = estimate(b);
  const paired = eb.logLikelihoods.map((v, s) => v - ea.logLikelihoods[s]!);
  const { standardError } = meanAndStandardError(paired);
  return { difference: eb.elbo - ea.elbo, standardError, a: ea, b: eb };
}

/** Inverse softplus: the ρ with softplus(ρ) = σ, stable for small σ. */
function inverseSoftplus(sigma: number): number {
  return sigma > 20 ? sigma : Math.log(Math.expm1(sigma));
}

/**
 * Fits q(w) by stochastic maximization of the ELBO, starting from μ = the network's current
 * weights (the MAP fit ŵ, docs/methods.md §2). The network itself is not changed.
 */
export function fitVariational(net: MLP, train: Batch, task: Task, options: VariationalOptions = {}): VariationalResult {
  const n = net.parameterCount;
  const prior = options.prior ?? 'global';
  let alpha = alphaPerLayer(net, options.alpha ?? 1);
  // Default: 1500 full-batch epochs. A large data set takes mini-batches of 1024 rows and as many
  // epochs as give the same number of rows seen per parameter update budget (at least 100), so a
  // fit on 7,500 rows costs what one on 1,500 does.
  const defaultBatch = Math.min(train.rows, LARGE_BATCH);
  const epochs = options.epochs ?? Math.max(100, Math.round((1500 * defaultBatch) / train.rows));
  const samples = options.samples ?? 1;
  const rng = options.rng ?? new Random(0);
  const fitNoise = task === 'regression' && (options.fitNoise ?? true);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? defaultBatch, train.rows));
  const schedule = cosineSchedule(options.learningRate ?? 0.03, epochs);

  // Packed variables: [μ (n), ρ (n), log s² (1, regression)].
  const z = new Float64Array(2 * n + 1);
  z.set(options.initialMean ?? net.params, 0);
  const initialSigma = options.initialSigma ?? 0.1;
  for (let j = 0; j < n; j++) {
    // A pruned entry's σ (0 in a posterior of a pruned structure) is never used, but it must stay
    // finite: the masked KL term multiplies it by 0, and 0·log 0 would be NaN.
    const sigma = typeof initialSigma === 'number' ? initialSigma : initialSigma[j]!;
    z[n + j] = inverseSoftplus(net.mask[j] === 0 || !(sigma > 0) ? 0.1 : sigma);
  }
  const logNoise = Math.log(options.noiseVariance ?? 1);
  z[2 * n] = logNoise;
  const free = new Float64Array(2 * n + 1);
  free.set(net.mask, 0);
  free.set(net.mask, n);
  free[2 * n] = fitNoise ? 1 : 0;
  const optimizer = new Adam();
  const history: number[] = [];
  // The fused objective computes `negativeElbo` (sample, forward, backward and the KL's gradient
  // in one pass; tested against it to 1e-12) without building a graph every step.
  const fused = new FusedVariational(net, batchSize);
  const gradient = new Float64Array(2 * n + 1);

  for (let epoch = 0; epoch < epochs; epoch++) {
    const alphas = alphaPerParameter(net, alpha);
    const order = rng.permutation(train.rows);
    let epochElbo = 0;
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
      const noise = Array.from({ length: samples }, () => rng.normals(n));
      const negative = fused.negativeElbo(z, train, {
        task, alpha: alphas, noise, dataScale: train.rows / rows.length, ...(rows.length === train.rows ? {} : { rows }),
      }, gradient);
      if (!Number.isFinite(negative)) throw new Error(`variational training diverged at epoch ${epoch + 1}: the ELBO is ${-negative}`);
      epochElbo += (-negative * rows.length) / train.rows;
      optimizer.step(z, gradient, free, schedule(epoch));
      // Adam sets a frozen entry to 0 (it is made for pruned weights): a fixed log s² must keep
      // its value, or a noise variance given with fitNoise false would become 1 after one step.
      if (!fitNoise) z[2 * n] = logNoise;
    }
    if (prior !== 'fixed') alpha = empiricalBayesAlpha(net, z.subarray(0, n), z.subarray(n, 2 * n), prior);
    history.push(epochElbo);
    options.onEpoch?.(epoch + 1, epochs, epochElbo);
  }
  const mean = z.slice(0, n);
  const sigma = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (net.mask[j] === 0) mean[j] = 0;
    else sigma[j] = softplusScalar(z[n + j]!);
  }
  const posterior = { mean, sigma };
  const noiseVariance = task === 'regression' ? Math.exp(z[2 * n]!) : 1;
  const final = elbo(net, posterior, train, task, { alpha, noiseVariance, ...(options.elboDraws !== undefined ? { draws: options.elboDraws } : { samples: 64, rng: rng.fork() }) });
  return { posterior, alpha, prior, noiseVariance, history, final };
}

/**
 * Empirical-Bayes prior precision for a Gaussian q, in closed form (docs/methods.md §1):
 * 1/α = mean over the active parameters of (μ² + σ²), globally or per layer.
 */
export function empiricalBayesAlpha(net: MLP, mean: Float64Array, rho: Float64Array, mode: 'global' | 'per-layer'): number[] {
  const sums = new Array<number>(net.layers.length).fill(0);
  const counts = new Array<number>(net.layers.length).fill(0);
  net.layers.forEach((layer, l) => {
    for (let j = layer.weightOffset; j < layer.biasOffset + layer.outputs; j++) {
      if (net.mask[j] === 0) continue;
      const sigma = softplusScalar(rho[j]!);
      sums[l]! += mean[j]! ** 2 + sigma ** 2;
      counts[l]!++;
    }
  });
  if (mode === 'global') {
    const total = sums.reduce((a, b) => a + b, 0);
    const count = counts.reduce((a, b) => a + b, 0);
    return sums.map(() => (count > 0 && total > 0 ? count / total : 1));
  }
  return sums.map((s, l) => (counts[l]! > 0 && s > 0 ? counts[l]! / s : 1));
}


/**
 * The variational posterior: a mean-field Gaussian q(w) = Π N(μ_j, σ_j²), σ_j = softplus(ρ_j),
 * over the active parameters, fitted by maximizing the ELBO (METHODS.md §1)
 *
 *     ELBO(A, q) = E_q[log p(D | A, w)] − KL(q ‖ p(w | A))
 *
 * with the reparameterization trick and the closed-form KL to the prior N(0, 1/α). The prior
 * precision α is fixed or fitted by empirical Bayes (globally or per layer); a regression's
 * noise variance is a variational hyperparameter fitted with the rest.
 */
import { add, log, mask as maskOp, mul, sliceFlat, softplus, square, sub, sum, Tensor, valueAndGrad, noGrad } from '../autograd/index.js';
import { softplusScalar } from '../autograd/kernels.js';
import type { Task } from '../data/index.js';
import { Random } from '../random/random.js';
import { batchRows, negLogLikelihood, type Batch } from './losses.js';
import { forward, type MLP } from './mlp.js';
import type { Posterior } from './model.js';
import { Adam, cosineSchedule } from './optimizers.js';

/** How the prior precision α is chosen. */
export type PriorMode = 'fixed' | 'global' | 'per-layer';

/** Options of {@link fitVariational}. */
export interface VariationalOptions {
  /** `fixed` keeps `alpha`; `global`/`per-layer` refit α by empirical Bayes (default `global`). */
  readonly prior?: PriorMode;
  /** Initial (or fixed) prior precision (default 1). */
  readonly alpha?: number;
  /** Full passes over the training rows (default 1500: on Boston the ELBO still rises clearly from 600 to 1500). */
  readonly epochs?: number;
  /** Mini-batch size (default: all rows). */
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
  /** Regression: initial noise variance in standardized units (default 1). */
  readonly noiseVariance?: number;
  /** Regression: fit the noise variance (default true). */
  readonly fitNoise?: boolean;
  readonly rng?: Random;
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

/** The prior precision of every parameter, from one α per layer. */
export function alphaPerParameter(net: MLP, alpha: readonly number[]): Float64Array {
  const out = new Float64Array(net.parameterCount);
  net.layers.forEach((layer, l) => {
    out.fill(alpha[l] ?? alpha[0]!, layer.weightOffset, layer.biasOffset + layer.outputs);
  });
  return out;
}

/**
 * KL(q ‖ p) of the mean-field Gaussian q = N(μ, σ²) to the prior N(0, 1/α), over the active
 * parameters (pruned ones are point masses at 0 under both): Σ ½[α(μ² + σ²) − 1 − log(ασ²)].
 */
export function klDivergence(net: MLP, posterior: Posterior, alpha: readonly number[]): number {
  const a = alphaPerParameter(net, alpha);
  let kl = 0;
  for (let j = 0; j < net.parameterCount; j++) {
    if (net.mask[j] === 0) continue;
    const s2 = posterior.sigma[j]! ** 2;
    kl += 0.5 * (a[j]! * (posterior.mean[j]! ** 2 + s2) - 1 - Math.log(a[j]! * s2));
  }
  return kl;
}

/** The ELBO estimate with its parts and Monte Carlo standard error. */
export interface ElboEstimate {
  readonly elbo: number;
  /** Standard error of the Monte Carlo estimate of E_q[log p(D | w)] (the KL is exact). */
  readonly standardError: number;
  readonly expectedLogLikelihood: number;
  readonly kl: number;
  readonly samples: number;
}

/**
 * Estimates the ELBO of `posterior` on `batch` for the network's current structure (its
 * mask): E_q[log p(D|w)] by `samples` draws of w (pruned entries exactly 0), minus the exact KL.
 */
export function elbo(
  net: MLP,
  posterior: Posterior,
  batch: Batch,
  task: Task,
  options: { alpha: readonly number[]; noiseVariance?: number; samples?: number; rng?: Random },
): ElboEstimate {
  const samples = options.samples ?? 32;
  const rng = options.rng ?? new Random(0);
  const logNoise = Math.log(options.noiseVariance ?? 1);
  const logLikelihoods = new Float64Array(samples);
  noGrad(() => {
    for (let s = 0; s < samples; s++) {
      const w = new Float64Array(net.parameterCount);
      for (let j = 0; j < w.length; j++) w[j] = net.mask[j] === 0 ? 0 : posterior.mean[j]! + posterior.sigma[j]! * rng.normal();
      logLikelihoods[s] = -negLogLikelihood(task, forward(net, new Tensor(w), batch.x), batch, logNoise).item();
    }
  });
  const mean = logLikelihoods.reduce((a, b) => a + b, 0) / samples;
  const variance = samples > 1 ? logLikelihoods.reduce((a, v) => a + (v - mean) ** 2, 0) / (samples - 1) : 0;
  const kl = klDivergence(net, posterior, options.alpha);
  return { elbo: mean - kl, standardError: Math.sqrt(variance / samples), expectedLogLikelihood: mean, kl, samples };
}

/** Inverse softplus: the ρ with softplus(ρ) = σ, stable for small σ. */
function inverseSoftplus(sigma: number): number {
  return sigma > 20 ? sigma : Math.log(Math.expm1(sigma));
}

/**
 * Fits q(w) by stochastic maximization of the ELBO, starting from μ = the network's current
 * weights (the MAP fit ŵ, METHODS.md §2). The network itself is not changed.
 */
export function fitVariational(net: MLP, train: Batch, task: Task, options: VariationalOptions = {}): VariationalResult {
  const n = net.parameterCount;
  const prior = options.prior ?? 'global';
  const layers = net.layers.length;
  let alpha = new Array<number>(layers).fill(options.alpha ?? 1);
  const epochs = options.epochs ?? 1500;
  const samples = options.samples ?? 1;
  const rng = options.rng ?? new Random(0);
  const fitNoise = task === 'regression' && (options.fitNoise ?? true);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? train.rows, train.rows));
  const schedule = cosineSchedule(options.learningRate ?? 0.03, epochs);

  // Packed variables: [μ (n), ρ (n), log s² (1, regression)].
  const z = new Float64Array(2 * n + 1);
  z.set(net.params, 0);
  const initialSigma = options.initialSigma ?? 0.1;
  for (let j = 0; j < n; j++) z[n + j] = inverseSoftplus(typeof initialSigma === 'number' ? initialSigma : initialSigma[j]!);
  z[2 * n] = Math.log(options.noiseVariance ?? 1);
  const free = new Float64Array(2 * n + 1);
  free.set(net.mask, 0);
  free.set(net.mask, n);
  free[2 * n] = fitNoise ? 1 : 0;
  const optimizer = new Adam();
  const history: number[] = [];

  for (let epoch = 0; epoch < epochs; epoch++) {
    const alphas = new Tensor(alphaPerParameter(net, alpha));
    const order = rng.permutation(train.rows);
    let epochElbo = 0;
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
      const batch = rows.length === train.rows ? train : batchRows(train, rows);
      const noises = Array.from({ length: samples }, () => new Tensor(rng.normals(n)));
      const { value, grad } = valueAndGrad((v: Tensor) => {
        const mu = sliceFlat(v, 0, [n]);
        const sigma = softplus(sliceFlat(v, n, [n]));
        const logNoise = sliceFlat(v, 2 * n, []);
        let nll: Tensor = Tensor.scalar(0);
        for (const eps of noises) {
          nll = add(nll, negLogLikelihood(task, forward(net, add(mu, mul(sigma, eps)), batch.x), batch, logNoise));
        }
        const kl = sum(maskOp(mul(0.5, sub(sub(mul(alphas, add(square(mu), square(sigma))), 1), log(mul(alphas, square(sigma))))), net.mask));
        return add(mul(train.rows / (rows.length * samples), nll), kl);
      })(new Tensor(z));
      const negative = value.item();
      if (!Number.isFinite(negative)) throw new Error(`variational training diverged at epoch ${epoch + 1}: the ELBO is ${-negative}`);
      epochElbo += (-negative * rows.length) / train.rows;
      optimizer.step(z, grad.data, free, schedule(epoch));
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
  const final = elbo(net, posterior, train, task, { alpha, noiseVariance, samples: 64, rng: rng.fork() });
  return { posterior, alpha, prior, noiseVariance, history, final };
}

/**
 * Empirical-Bayes prior precision for a Gaussian q, in closed form (METHODS.md §1):
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


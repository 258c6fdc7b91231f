/**
 * Negative log-likelihoods of docs/methods.md §1 on standardized data, as differentiable functions
 * of the network's outputs.
 */
import { add, exp, mask as maskOp, meanSquaredError, mul, softmaxCrossEntropy, square, sum, Tensor, type TensorLike } from '../autograd/index.js';
import type { Task } from '../data/index.js';
import { forward, type MLP } from './mlp.js';

/**
 * Training or evaluation rows, ready for the network: standardized inputs `[rows × inputs]`
 * and targets (class indices, or standardized regression targets).
 */
export interface Batch {
  /** Standardized inputs, `[rows × inputs]`. */
  readonly x: Tensor;
  /** Class index per row (classification) or standardized target per row (regression). */
  readonly y: Float64Array;
  /** `y` as integer class indices (classification only; empty for regression). */
  readonly labels: Int32Array;
  /** Number of rows. */
  readonly rows: number;
}

/** Makes a {@link Batch} from row-major standardized inputs and targets. */
export function makeBatch(x: Float64Array, inputs: number, y: Float64Array, task: Task): Batch {
  const rows = y.length;
  if (x.length !== rows * inputs) throw new Error(`makeBatch: ${x.length} input values do not make ${rows} rows of ${inputs}`);
  const labels = task === 'classification' ? Int32Array.from(y) : new Int32Array(0);
  if (task === 'classification') {
    labels.forEach((c, i) => {
      if (c !== y[i] || c < 0) throw new Error(`makeBatch: row ${i} has class index ${y[i]}, expected a non-negative integer`);
    });
  }
  return { x: new Tensor(x, [rows, inputs]), y, labels, rows };
}

/** Rows `indices` of a batch (for mini-batches and subsets). */
export function batchRows(batch: Batch, indices: ArrayLike<number>): Batch {
  const inputs = batch.x.shape[1]!;
  const x = new Float64Array(indices.length * inputs);
  const y = new Float64Array(indices.length);
  const labels = new Int32Array(batch.labels.length > 0 ? indices.length : 0);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k]!;
    x.set(batch.x.data.subarray(r * inputs, (r + 1) * inputs), k * inputs);
    y[k] = batch.y[r]!;
    if (labels.length > 0) labels[k] = batch.labels[r]!;
  }
  return { x: new Tensor(x, [indices.length, inputs]), y, labels, rows: indices.length };
}

const LOG_TWO_PI = Math.log(2 * Math.PI);

/**
 * Negative log-likelihood of the rows, summed (docs/methods.md §1):
 * - classification: Σ cross-entropy of softmax(outputs) at the true class;
 * - regression: Gaussian with variance `exp(logNoiseVariance)` on the standardized target,
 *   `½ Σ (y − f)² / s² + (N/2)·log(2π s²)`. With `logNoiseVariance = 0` and `constant = false`
 *   this is the `½ Σ (y − f)²` of the fixtures and of `prunus relevance`.
 *
 * @param logNoiseVariance log s² (a tensor when it is being fitted), regression only.
 * @param constant include the normalizing constant (needed for evidence and ELBO, not for curvature).
 */
export function negLogLikelihood(
  task: Task,
  outputs: Tensor,
  batch: Batch,
  logNoiseVariance: TensorLike = 0,
  constant = true,
): Tensor {
  if (task === 'classification') return softmaxCrossEntropy(outputs, batch.labels, 'sum');
  if (outputs.shape[1] !== 1) throw new Error(`negLogLikelihood: a regressor has one output, got ${outputs.shape[1]}`);
  const squared = meanSquaredError(outputs, new Tensor(batch.y, [batch.rows, 1]), 'sum');
  const dataTerm = mul(0.5, mul(squared, exp(mul(-1, logNoiseVariance))));
  if (!constant) return dataTerm;
  return add(dataTerm, mul(0.5 * batch.rows, add(logNoiseVariance, LOG_TWO_PI)));
}

/** The variance maximizing the Gaussian likelihood for given residuals: mean squared residual. */
export function noiseVarianceOf(outputs: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (outputs[i]! - y[i]!) ** 2;
  return Math.max(s / Math.max(1, y.length), 1e-12);
}


/**
 * The prior precision α of the Gaussian prior N(0, 1/α): one number for every parameter, or
 * one per layer (`[α_1, ..., α_L]`, a layer's weights and bias sharing theirs).
 */
export type PriorPrecision = number | readonly number[];

/** α per layer as an array of the network's length (a single number repeated). */
export function alphaPerLayer(net: MLP, alpha: PriorPrecision): number[] {
  if (typeof alpha === 'number') return net.layers.map(() => alpha);
  if (alpha.length === 1) return net.layers.map(() => alpha[0]!);
  if (alpha.length !== net.layers.length) throw new Error(`prior: ${alpha.length} precisions for ${net.layers.length} layers`);
  return [...alpha];
}

/** The prior precision of every parameter in canonical order (a layer's value over its weights and bias). */
export function alphaPerParameter(net: MLP, alpha: PriorPrecision): Float64Array {
  const perLayer = alphaPerLayer(net, alpha);
  const out = new Float64Array(net.parameterCount);
  net.layers.forEach((layer, l) => out.fill(perLayer[l]!, layer.weightOffset, layer.biasOffset + layer.outputs));
  return out;
}

/**
 * The negative log-posterior of parameters `w` (docs/methods.md §1), up to the prior's normalizing
 * constant: `dataScale · NLL(w, s²) + ½ Σ_active α_j w_j²`. This is the one definition: the MAP
 * fit minimizes it, the trajectory sampler follows it, and curvature methods take its Hessian.
 *
 * @param logNoiseVariance log s² (regression): a tensor when the noise is being fitted.
 * @param dataScale N/B for a mini-batch of B of N rows, so the prior keeps its weight (default 1).
 */
export function negLogPosterior(
  net: MLP, batch: Batch, task: Task, alpha: PriorPrecision, w: Tensor, logNoiseVariance: TensorLike = 0, dataScale = 1,
): Tensor {
  // The normalizing constant only matters when the noise variance is a variable; leaving it out
  // otherwise keeps the objective's value small, so a line search can still see decreases near
  // the optimum that would vanish in the rounding of a large constant ((N/2)·log 2π).
  const constant = typeof logNoiseVariance !== 'number';
  const nll = negLogLikelihood(task, forward(net, w, batch.x), batch, logNoiseVariance, constant);
  const masked = net.activeCount === net.parameterCount ? w : maskOp(w, net.mask);
  const penalty = typeof alpha === 'number' ? mul(alpha / 2, sum(square(masked))) : mul(0.5, sum(mul(new Tensor(alphaPerParameter(net, alpha)), square(masked))));
  return add(mul(dataScale, nll), penalty);
}

/**
 * The two negative log-likelihoods of `losses.ts` as plain loops over the network's outputs:
 * their value and their gradient with respect to the outputs, in one pass, written into a
 * caller's buffer. They start the fused backward pass (`fused.ts`).
 *
 * Both follow `negLogLikelihood` term by term, in the same order, so the values agree with the
 * autograd reference to rounding.
 */

import { softmaxRow } from '../autograd/kernels.js';
import type { Task } from '../data/index.js';
import type { Batch } from './losses.js';

const LOG_TWO_PI = Math.log(2 * Math.PI);

/** The row of the batch that row `r` of the pass reads: `rows[r]`, or `r` itself for the whole batch. */
function rowOf(rows: ArrayLike<number> | undefined, r: number): number {
  return rows === undefined ? r : rows[r]!;
}

/**
 * Summed softmax cross-entropy of `count` rows of logits `[count × classes]` at their labels,
 * with a stable log-sum-exp (the largest logit is subtracted before exponentiating).
 * Writes `scale · ∂/∂logits = scale · (softmax − onehot)` into `delta` and returns the
 * unscaled sum.
 *
 * @param labels class index per batch row; row r of the pass has label `labels[rows[r]]`
 * @param rows the batch rows of the pass, in order (undefined: rows 0..count−1)
 */
export function softmaxCrossEntropyLoss(
  logits: Float64Array, classes: number, labels: Int32Array, rows: ArrayLike<number> | undefined,
  count: number, scale: number, delta: Float64Array,
): number {
  let total = 0;
  for (let r = 0; r < count; r++) {
    const at = r * classes;
    const label = labels[rowOf(rows, r)]!;
    if (!(label >= 0 && label < classes)) throw new Error(`fused loss: class index ${label} of row ${rowOf(rows, r)} is outside [0, ${classes})`);
    total += softmaxRow(logits, at, classes, delta, at) - logits[at + label]!;
    for (let o = 0; o < classes; o++) delta[at + o]! *= scale;
    delta[at + label]! -= scale;
  }
  return total;
}

/** Value of a Gaussian NLL and its derivative with respect to log s². */
export interface GaussianLoss {
  /** `½ Σ (y − f)² / s²`, plus `(count/2)·log(2π s²)` when the constant is included. */
  readonly value: number;
  /** ∂value/∂log s² (unscaled). */
  readonly noiseSlope: number;
}

/**
 * The Gaussian NLL of `count` single outputs against their targets, with variance
 * `exp(logNoiseVariance)`. Writes `scale · ∂/∂f = scale · (f − y)/s²` into `delta`.
 *
 * @param targets standardized target per batch row; row r of the pass has `targets[rows[r]]`
 * @param constant include `(count/2)·log(2π s²)` (needed when s² is a variable)
 */
export function gaussianLoss(
  outputs: Float64Array, targets: Float64Array, rows: ArrayLike<number> | undefined, count: number,
  logNoiseVariance: number, constant: boolean, scale: number, delta: Float64Array,
): GaussianLoss {
  const precision = Math.exp(-logNoiseVariance);
  const slope = scale * precision;
  let squared = 0;
  for (let r = 0; r < count; r++) {
    const residual = outputs[r]! - targets[rowOf(rows, r)]!;
    squared += residual * residual;
    delta[r] = slope * residual;
  }
  const dataTerm = 0.5 * (squared * precision);
  return {
    value: constant ? dataTerm + 0.5 * count * (logNoiseVariance + LOG_TWO_PI) : dataTerm,
    noiseSlope: constant ? 0.5 * count - dataTerm : -dataTerm,
  };
}

/** The NLL of one pass at the output: its value, and ∂/∂log s² (0 for classification). */
export interface PassLoss {
  readonly value: number;
  readonly noiseSlope: number;
}

/**
 * `negLogLikelihood` of `losses.ts` on the outputs of one pass, `[count × outputs]`, writing
 * `scale · ∂NLL/∂outputs` into `delta`.
 *
 * @param rows the batch rows the pass ran on (undefined: the first `count`)
 * @param logNoiseVariance log s² (regression)
 * @param constant include (count/2)·log(2π s²) (regression)
 */
export function passLoss(
  task: Task, outputs: Float64Array, width: number, batch: Batch, rows: ArrayLike<number> | undefined, count: number,
  logNoiseVariance: number, constant: boolean, scale: number, delta: Float64Array,
): PassLoss {
  if (task === 'classification') {
    return { value: softmaxCrossEntropyLoss(outputs, width, batch.labels, rows, count, scale, delta), noiseSlope: 0 };
  }
  if (width !== 1) throw new Error(`fused loss: a regressor has one output, got ${width}`);
  return gaussianLoss(outputs, batch.y, rows, count, logNoiseVariance, constant, scale, delta);
}

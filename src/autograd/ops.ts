/**
 * Composed operations and losses: one-liners over the primitives, so they need no derivative
 * rules of their own.
 */
import { div, gather, keptShape, logSoftmax, mul, neg, reshape, square, sub, sumTo, exp } from './primitives.js';
import { Tensor } from './tensor.js';

/** How a loss combines its per-example terms. */
export type Reduction = 'sum' | 'mean';

function resolveAxes(shape: readonly number[], axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return list.map((a) => {
    const r = a < 0 ? shape.length + a : a;
    if (!Number.isInteger(r) || r < 0 || r >= shape.length) throw new Error(`sum: axis ${a} is out of range for shape [${shape.join(', ')}]`);
    return r;
  });
}

/**
 * Sum over `axes` (default: all), dropping them unless `keepDims`.
 * @example
 * sum(Tensor.from([[1, 2], [3, 4]]), 0); // [4, 6]
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const reduced = resolveAxes(x.shape, axes);
  let kept: number[] = [...x.shape];
  for (const a of reduced) kept = keptShape(kept, a);
  const total = sumTo(x, kept);
  return keepDims ? total : reshape(total, x.shape.filter((_, i) => !reduced.includes(i)));
}

/** Mean over `axes` (default: all). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const count = resolveAxes(x.shape, axes).reduce((p, a) => p * x.shape[a]!, 1);
  return div(sum(x, axes, keepDims), count);
}

/** Inner product of two tensors of the same size (a scalar). */
export function dot(a: Tensor, b: Tensor): Tensor {
  return sum(mul(a, b));
}

/** softmax along `axis`, as exp(log softmax) so it inherits the stable fused primitive. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}


/**
 * Softmax cross-entropy from logits [N×C] and class indices: −Σ log softmax(logits)[y].
 * @param reduction 'sum' (the negative log-likelihood of docs/methods.md §1) or 'mean'.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array, reduction: Reduction = 'sum'): Tensor {
  if (logits.rank !== 2) throw new Error(`softmaxCrossEntropy: logits must be [rows, classes], got [${logits.shape.join(', ')}]`);
  if (labels.length !== logits.shape[0]) throw new Error(`softmaxCrossEntropy: ${labels.length} labels for ${logits.shape[0]} rows`);
  const total = neg(sum(gather(logSoftmax(logits, 1), labels)));
  return reduction === 'sum' ? total : div(total, Math.max(1, labels.length));
}

/**
 * Squared error Σ (prediction − target)², or its mean over elements.
 * (The Gaussian negative log-likelihood with unit variance is half the sum.)
 */
export function meanSquaredError(prediction: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (prediction.size !== target.size) {
    throw new Error(`meanSquaredError: prediction has ${prediction.size} values, target ${target.size}`);
  }
  const total = sum(square(sub(prediction, reshape(target, prediction.shape))));
  return reduction === 'sum' ? total : div(total, Math.max(1, prediction.size));
}


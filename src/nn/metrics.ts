/**
 * Quality measures on raw-unit predictions: accuracy for classifiers, RMSE and R² for
 * regressors (in the target's own units).
 */
import type { Task } from '../data/index.js';

/** Test or validation quality; which fields are present depends on the task. */
export type Metrics = { accuracy: number } | { rmse: number; r2: number };

/**
 * Index of the largest of `width` values starting at `offset`. Exact ties go to the class that
 * comes first in `preference` (a ranking of all classes, e.g. by training frequency), else to
 * the lowest index.
 */
export function argmaxRow(values: Float64Array, offset: number, width: number, preference?: Int32Array): number {
  let best = 0;
  for (let c = 1; c < width; c++) {
    const v = values[offset + c]!;
    const b = values[offset + best]!;
    if (v > b || (v === b && preference !== undefined && preference[c]! < preference[best]!)) best = c;
  }
  return best;
}

/**
 * The rank of each class by its frequency among `labels` (0 = most frequent; ties by index):
 * the `preference` that makes a model with no parameters left (uniform probabilities) predict
 * the training majority class, i.e. be exactly the trivial predictor.
 */
export function frequencyRanking(labels: ArrayLike<number>, classes: number): Int32Array {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const order = Array.from(counts.keys()).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const rank = new Int32Array(classes);
  order.forEach((c, r) => (rank[c] = r));
  return rank;
}

/**
 * Accuracy from class probabilities (or logits) `[rows × classes]`, or RMSE and R² from
 * predictions `[rows]` against targets `y` (class indices or raw target values). `preference`
 * breaks exact ties between classes (see {@link argmaxRow}).
 */
export function computeMetrics(task: Task, predictions: Float64Array, y: Float64Array, preference?: Int32Array): Metrics {
  const rows = y.length;
  if (rows === 0) throw new Error('metrics: no rows to evaluate');
  if (task === 'classification') {
    const classes = predictions.length / rows;
    let correct = 0;
    for (let i = 0; i < rows; i++) if (argmaxRow(predictions, i * classes, classes, preference) === y[i]) correct++;
    return { accuracy: correct / rows };
  }
  let mean = 0;
  for (let i = 0; i < rows; i++) mean += y[i]!;
  mean /= rows;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    residual += (predictions[i]! - y[i]!) ** 2;
    total += (y[i]! - mean) ** 2;
  }
  return { rmse: Math.sqrt(residual / rows), r2: total > 0 ? 1 - residual / total : 0 };
}

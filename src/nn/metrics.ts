/**
 * Quality measures on raw-unit predictions: accuracy for classifiers, RMSE and R² for
 * regressors (in the target's own units).
 */
import type { Task } from '../data/index.js';

/** Test or validation quality; which fields are present depends on the task. */
export type Metrics = { accuracy: number } | { rmse: number; r2: number };

/** Index of the largest of `width` values starting at `offset`. */
export function argmaxRow(values: Float64Array, offset: number, width: number): number {
  let best = 0;
  for (let c = 1; c < width; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}

/**
 * Accuracy from class probabilities (or logits) `[rows × classes]`, or RMSE and R² from
 * predictions `[rows]` against targets `y` (class indices or raw target values).
 */
export function computeMetrics(task: Task, predictions: Float64Array, y: Float64Array): Metrics {
  const rows = y.length;
  if (rows === 0) throw new Error('metrics: no rows to evaluate');
  if (task === 'classification') {
    const classes = predictions.length / rows;
    let correct = 0;
    for (let i = 0; i < rows; i++) if (argmaxRow(predictions, i * classes, classes) === y[i]) correct++;
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

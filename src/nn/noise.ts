/**
 * Output noise under input noise (docs/methods.md §5 item 2): how much a model's outputs move when
 * Gaussian noise of a given standard deviation is added to its standardized inputs.
 */
import { Tensor } from '../autograd/index.js';
import type { Random } from '../random/random.js';
import type { Batch } from './losses.js';
import { predictScaled, type Model } from './model.js';

/**
 * Rows of the batch that {@link outputNoise} uses at most: the first `NOISE_ROWS` (a split's rows
 * are in random order, so they are a random sample). The estimate is a mean over rows of a
 * per-row standard deviation, so 500 rows fix it to about 1/√500 of its spread across rows,
 * while a 2,500-row test set (the synthetic one) would cost five times as much for nothing.
 */
export const NOISE_ROWS = 500;

/**
 * For each input noise level s: the standard deviation of the model's outputs (class
 * probabilities, or the regression output in the target's units) over `draws` noisy copies
 * x + s·ε of every row, averaged over rows and outputs. At s = 0 it is exactly 0.
 *
 * The same standard normal draws ε serve every level s (common random numbers), so the curve
 * over s is smooth and the draws are made once; at most {@link NOISE_ROWS} rows are used.
 */
export function outputNoise(model: Model, batch: Batch, inputStd: readonly number[], draws: number, rng: Random): number[] {
  const rows = Math.min(batch.rows, NOISE_ROWS);
  const m = batch.x.shape[1]!;
  const size = rows * m;
  const epsilon = new Float64Array(draws * size);
  for (let k = 0; k < epsilon.length; k++) epsilon[k] = rng.normal();
  const noisy = new Float64Array(draws * size);
  return inputStd.map((s) => {
    if (s === 0) return 0;
    // All draws of all rows in one forward pass: `draws` stacked noisy copies of the rows.
    for (let d = 0; d < draws; d++) {
      for (let k = 0; k < size; k++) noisy[d * size + k] = batch.x.data[k]! + s * epsilon[d * size + k]!;
    }
    const out = predictScaled(model, new Tensor(noisy, [draws * rows, m]));
    const width = out.length / (draws * rows);
    let total = 0;
    for (let k = 0; k < rows * width; k++) {
      let mean = 0;
      for (let d = 0; d < draws; d++) mean += out[d * rows * width + k]!;
      mean /= draws;
      let variance = 0;
      for (let d = 0; d < draws; d++) variance += (out[d * rows * width + k]! - mean) ** 2;
      total += Math.sqrt(variance / Math.max(1, draws - 1));
    }
    return total / (rows * width);
  });
}

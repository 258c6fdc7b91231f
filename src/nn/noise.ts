/**
 * Output noise under input noise (docs/methods.md §5.2): how much a model's outputs move when
 * Gaussian noise of a given standard deviation is added to its standardized inputs.
 */
import { Tensor } from '../autograd/index.js';
import type { Random } from '../random/random.js';
import type { Batch } from './losses.js';
import { predictScaled, type Model } from './model.js';

/**
 * For each input noise level s: the standard deviation of the model's outputs (class
 * probabilities, or the regression output in the target's units) over `draws` noisy copies
 * x + s·ε of every row, averaged over rows and outputs. At s = 0 it is exactly 0.
 */
export function outputNoise(model: Model, batch: Batch, inputStd: readonly number[], draws: number, rng: Random): number[] {
  const rows = batch.rows;
  const m = batch.x.shape[1]!;
  return inputStd.map((s) => {
    if (s === 0) return 0;
    // All draws of all rows in one forward pass: `draws` stacked copies of the batch.
    const noisy = new Float64Array(draws * rows * m);
    for (let d = 0; d < draws; d++) {
      for (let k = 0; k < rows * m; k++) noisy[d * rows * m + k] = batch.x.data[k]! + s * rng.normal();
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

/**
 * Standardization fitted on the training rows only, so no statistic of the test rows leaks
 * into training. The objects are exactly the model file's `inputScaling` (`{ mean[], std[] }`)
 * and `targetScaling` (`{ mean, std }`, numbers) of INTERFACES.md.
 *
 * The standard deviation is the population one (divide by N, as scikit-learn's
 * `StandardScaler`, and as the reference fixtures' `inputScaling`), so the scaled training
 * columns have mean 0 and population standard deviation exactly 1. A (numerically) constant
 * column gets std 1: it is then only centred, and can never produce a division by zero or NaN.
 */

/** Per-feature scaling: a raw row `x` is used as `(x - mean) / std`. */
export interface Standardizer {
  readonly mean: number[];
  readonly std: number[];
}

/** Regression target scaling: the network predicts `(y - mean) / std`. */
export interface TargetScaling {
  readonly mean: number;
  readonly std: number;
}

/**
 * Population mean and std of one strided column; std 1 for a constant column. Two passes,
 * because the one-pass `E[x²] - E[x]²` cancels catastrophically when the mean is large
 * against the spread.
 */
function columnMoments(x: Float64Array, n: number, stride: number, offset: number): TargetScaling {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i * stride + offset]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (x[i * stride + offset]! - mean) ** 2;
  const std = Math.sqrt(squares / n);
  // Identical values can still leave rounding noise around their computed mean: treat a
  // spread below 1e-12 of the magnitude as none.
  const constant = !(std > 1e-12 * Math.abs(mean));
  return { mean, std: constant ? 1 : std };
}

/**
 * Fits the per-column mean and population std of a row-major `n × m` matrix (pass the
 * training rows only).
 * @throws {Error} when `n < 1` or the sizes do not match.
 * @example
 * fitStandardizer(Float64Array.of(1, 10, 3, 10), 2, 2); // { mean: [2, 10], std: [1, 1] }
 */
export function fitStandardizer(x: Float64Array, n: number, m: number): Standardizer {
  if (n < 1 || x.length !== n * m) throw new Error(`fitStandardizer: ${x.length} values for a ${n}×${m} matrix`);
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < m; j++) {
    const moments = columnMoments(x, n, m, j);
    mean.push(moments.mean);
    std.push(moments.std);
  }
  return { mean, std };
}

/** `(x - mean) / std` column by column, as a new row-major matrix with `m` columns. */
export function applyStandardizer(x: Float64Array, m: number, scaling: Standardizer): Float64Array {
  if (scaling.mean.length !== m || scaling.std.length !== m || x.length % m !== 0) {
    throw new Error(`applyStandardizer: scaling for ${scaling.mean.length} columns, data with ${m} columns and ${x.length} values`);
  }
  const out = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const j = k % m;
    out[k] = (x[k]! - scaling.mean[j]!) / scaling.std[j]!;
  }
  return out;
}

/** Mean and population std of the training targets (std 1 for constant targets). */
export function fitTargetScaling(y: Float64Array): TargetScaling {
  if (y.length < 1) throw new Error('fitTargetScaling: no targets');
  return columnMoments(y, y.length, 1, 0);
}

/** `(y - mean) / std`, as a new array. */
export function scaleTarget(y: Float64Array, scaling: TargetScaling): Float64Array {
  return y.map((v) => (v - scaling.mean) / scaling.std);
}

/** The inverse of {@link scaleTarget}: `mean + std · z`, for predictions back in target units. */
export function unscaleTarget(z: Float64Array, scaling: TargetScaling): Float64Array {
  return z.map((v) => scaling.mean + scaling.std * v);
}

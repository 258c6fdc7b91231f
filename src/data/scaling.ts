/**
 * Standardization fitted on the training rows only, so no statistic of the test rows leaks
 * into training. The objects are exactly the model file's `inputScaling` (`{ mean[], std[] }`)
 * and `targetScaling` (`{ mean, std }`, numbers) of docs/cli.md.
 *
 * The standard deviation is the population one (divide by N, as scikit-learn's
 * `StandardScaler`, and as the reference fixtures' `inputScaling`), so the scaled training
 * columns have mean 0 and population standard deviation exactly 1. A constant column gets
 * std 1 (it is then only centred, to exact zeros, and can never divide by zero or give NaN);
 * so does a column whose spread is below the rounding error of its mean, `N·eps·|mean|`.
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
 * Population mean and std of one strided column, std 1 for a constant column. Two passes,
 * because the one-pass `E[x²] - E[x]²` cancels catastrophically when the mean is large
 * against the spread; deviations are divided by the largest one before squaring (as `hypot`
 * does), so tiny or huge spreads neither underflow to 0 nor overflow to Infinity.
 */
function columnMoments(x: Float64Array, n: number, stride: number, offset: number): TargetScaling {
  const first = x[offset]!;
  let sum = 0;
  let identical = true;
  for (let i = 0; i < n; i++) {
    const v = x[i * stride + offset]!;
    sum += v;
    identical &&= v === first;
  }
  // The computed mean of identical values can be off by an ulp; the value itself centres them to exact zeros.
  if (identical) return { mean: first, std: 1 };
  // Values near the top of the double range overflow their sum (1e308 + 1e308), not their mean.
  let mean = sum / n;
  if (!Number.isFinite(mean)) {
    mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * stride + offset]! / n;
  }
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(x[i * stride + offset]! - mean));
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((x[i * stride + offset]! - mean) / largest) ** 2;
  const std = largest * Math.sqrt(squares / n);
  // A spread no larger than the rounding error of the mean itself (scikit-learn's test) is
  // noise, not signal: scaling it up to unit variance would invent a feature.
  return { mean, std: std > n * Number.EPSILON * Math.abs(mean) ? std : 1 };
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

/**
 * The seed study's synthetic regression set (docs/methods.md §4). The slide is partly garbled;
 * two readings are offered:
 *
 * - `linear` (default): `w ~ N(m, Σ)` once per seed, `x_i ~ N(1, I)`, `y_i = x_iᵀ w`;
 * - `first-feature`: `x_i ~ N(m, Σ)`, `y_i = x_i1` — the other features are strongly
 *   collinear distractors, so the ideal structure is known.
 *
 * with `m = (1, 0.0025, ..., 0.0025)`, `Σ_11 = 1`, `Σ_1j = 10⁻³`, and for `i, j ≥ 2`
 * `Σ_ii = 1`, `Σ_ij = 0.95`. The defaults are N = 10000 rows and 100 features; smaller sizes
 * keep the same structure.
 */
import { cholesky } from '../linalg/cholesky.js';
import { Random } from '../random/random.js';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/** Which reading of the slide to generate (see the module comment). */
export type SyntheticReading = 'linear' | 'first-feature';

/** Options of {@link generateSynthetic}. */
export interface SyntheticOptions {
  /** Seed of the generator (default 0). */
  readonly seed?: number;
  /** Number of rows (default 10000). */
  readonly n?: number;
  /** Number of features, the dimension of `m` and `Σ` (default 100). */
  readonly dim?: number;
  /** Default `linear`. */
  readonly reading?: SyntheticReading;
}

/** A synthetic {@link Dataset} together with the parameters it was generated from. */
export interface SyntheticDataset extends Dataset {
  readonly reading: SyntheticReading;
  /**
   * The true linear coefficients: `y = x·w` exactly in both readings. The drawn `w ~ N(m, Σ)`
   * for `linear`; the unit vector `e_1` for `first-feature`.
   */
  readonly w: Float64Array;
}

/** The mean `m = (1, 0.0025, ..., 0.0025)` of docs/methods.md §4, of length `dim`. */
export function syntheticMean(dim: number): Float64Array {
  const m = new Float64Array(dim).fill(0.0025);
  m[0] = 1;
  return m;
}

/** The covariance `Σ` of docs/methods.md §4, row-major `dim × dim`. */
export function syntheticCovariance(dim: number): Float64Array {
  const s = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      s[i * dim + j] = i === j ? 1 : i === 0 || j === 0 ? 1e-3 : 0.95;
    }
  }
  return s;
}

/**
 * Generates the synthetic regression set; equal options give equal data.
 *
 * The weights and the rows come from two forks of `new Random(seed)`, so `w` for a seed does
 * not depend on `n`: a test may draw many `w` cheaply with `n = 1`.
 *
 * @throws {DataError} when `n` or `dim` is not a positive integer.
 * @example
 * const d = generateSynthetic({ seed: 1, n: 100, dim: 5 });
 * d.x.length; // 500; d.y[i] equals the dot product of row i with d.w
 */
export function generateSynthetic(options: SyntheticOptions = {}): SyntheticDataset {
  const { seed = 0, n = 10000, dim = 100, reading = 'linear' } = options;
  for (const [label, v] of [['n', n], ['dim', dim]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new DataError(`synthetic: ${label} must be a positive integer, got ${v}`);
  }
  const root = new Random(seed);
  const weightRng = root.fork();
  const rowRng = root.fork();
  const mean = syntheticMean(dim);
  const lower = cholesky(syntheticCovariance(dim), dim);
  const x = new Float64Array(n * dim);
  let w: Float64Array;
  if (reading === 'linear') {
    w = sampleGaussian(weightRng, mean, lower, dim);
    for (let k = 0; k < x.length; k++) x[k] = 1 + rowRng.normal();
  } else {
    w = new Float64Array(dim);
    w[0] = 1;
    for (let i = 0; i < n; i++) x.set(sampleGaussian(rowRng, mean, lower, dim), i * dim);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[i * dim + j]! * w[j]!;
    y[i] = s;
  }
  return {
    name: 'synthetic',
    task: 'regression',
    taskInferred: false,
    features: Array.from({ length: dim }, (_, j) => `x${j + 1}`),
    target: 'y',
    x,
    n,
    m: dim,
    y,
    classes: null,
    droppedRows: 0,
    reading,
    w,
  };
}

/** One draw of `N(mean, L·Lᵀ)`: `mean + L·z` with `z` standard normal. */
function sampleGaussian(rng: Random, mean: Float64Array, lower: Float64Array, dim: number): Float64Array {
  const z = rng.normals(dim);
  const out = Float64Array.from(mean);
  for (let i = 0; i < dim; i++) {
    let s = 0;
    // L is lower-triangular: row i has entries in columns 0..i only.
    for (let j = 0; j <= i; j++) s += lower[i * dim + j]! * z[j]!;
    out[i] = out[i]! + s;
  }
  return out;
}

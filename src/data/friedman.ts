/**
 * A noisy nonlinear regression set of prunus's own, for checking that a prior chosen by a
 * Bayesian criterion generalizes where a fixed one overfits: Friedman's first benchmark
 * (Friedman 1991, "Multivariate adaptive regression splines"),
 *
 *     y = 10 sin(π x₁x₂) + 20 (x₃ − ½)² + 10 x₄ + 5 x₅ + ε,   x ~ U[0, 1]¹⁰,
 *
 * where x₆…x₁₀ are irrelevant, with noise ε ~ N(0, σ²) as large as the signal by default:
 * σ = 4.9, about the standard deviation of the noiseless target (its variance is ≈ 24.1), so
 * at best half of the target's variance can be explained (R² ≤ ≈ 0.5).
 */
import { Random } from '../random/random.js';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/** The standard deviation of Friedman's noiseless target on U[0,1]¹⁰ (√24.1, rounded). */
export const FRIEDMAN_SIGNAL_STD = 4.9;

/** Options of {@link generateFriedman}. */
export interface FriedmanOptions {
  /** Seed of the rows and the noise (default 0). */
  readonly seed?: number;
  /** Number of rows (default 400). */
  readonly n?: number;
  /** Noise standard deviation (default {@link FRIEDMAN_SIGNAL_STD}: noise as large as the signal). */
  readonly noise?: number;
}

/**
 * Generates the noisy Friedman #1 regression set; equal options give equal data.
 * @throws {DataError} when `n` is not a positive integer or `noise` is negative.
 */
export function generateFriedman(options: FriedmanOptions = {}): Dataset {
  const { seed = 0, n = 400, noise = FRIEDMAN_SIGNAL_STD } = options;
  if (!Number.isInteger(n) || n < 1) throw new DataError(`friedman: n must be a positive integer, got ${n}`);
  if (!(noise >= 0)) throw new DataError(`friedman: the noise standard deviation must be ≥ 0, got ${noise}`);
  const rng = new Random(seed);
  const m = 10;
  const x = new Float64Array(n * m);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) x[i * m + j] = rng.uniform();
    const r = x.subarray(i * m, (i + 1) * m);
    y[i] = 10 * Math.sin(Math.PI * r[0]! * r[1]!) + 20 * (r[2]! - 0.5) ** 2 + 10 * r[3]! + 5 * r[4]! + noise * rng.normal();
  }
  return {
    name: 'friedman',
    task: 'regression',
    taskInferred: false,
    features: Array.from({ length: m }, (_, j) => `x${j + 1}`),
    target: 'y',
    x,
    n,
    m,
    y,
    classes: null,
    droppedRows: 0,
  };
}

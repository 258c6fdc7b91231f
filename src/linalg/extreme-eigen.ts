/**
 * A few extreme eigenpairs of a symmetric positive-definite A without the whole decomposition:
 * - {@link lowestEigenpairs}: the p smallest, by subspace iteration with a shifted and inverted
 *   operator (A − σI)⁻¹ applied through its Cholesky factor, and Rayleigh–Ritz with A itself;
 * - {@link largestEigenvalue}: λ_max by Lanczos with full reorthogonalization.
 * Each iteration costs O(n²·p) against O(n³) for symmetricEigen; how many are needed depends on
 * the separation of the wanted eigenvalues from the rest, which the results report (residuals)
 * so that callers can decide whether to trust them.
 */

import { choleskyFactorSolve, type CholeskyFactor } from './cholesky.js';
import { symmetricEigen } from './eigen.js';
import { matmulNT, matmulTN } from './matmul.js';

/** The p smallest Ritz pairs of A on the final subspace. */
export interface LowestEigenpairs {
  /** Ritz values λ_1 ≤ … ≤ λ_p (Rayleigh quotients of A). */
  readonly values: Float64Array;
  /** p×n row-major: row i is the unit Ritz vector of values[i]; the rows are orthonormal. */
  readonly vectors: Float64Array;
  /** ‖A·v_i − λ_i·v_i‖₂ per pair: with a gap g to the rest of the spectrum, sin∠(v_i, eigenvector) ≤ residual/g. */
  readonly residuals: Float64Array;
  /** Subspace iterations done. */
  readonly iterations: number;
}

/** Options of {@link lowestEigenpairs}. */
export interface LowestEigenpairsOptions {
  /** Block size p, 1 ≤ p ≤ n. */
  readonly count: number;
  /**
   * Called after every Rayleigh–Ritz step with the Ritz values (ascending) and residuals: true
   * to go on iterating (the caller knows which pairs it needs and how accurately).
   */
  readonly pending: (values: Float64Array, residuals: Float64Array) => boolean;
  /** Give up after this many iterations (default 50). */
  readonly maxIterations?: number;
  /** Starting vectors, q×n row-major (q ≤ p; the rest are random). */
  readonly start?: Float64Array;
  /** Seed of the random starting vectors (default 1): results are reproducible. */
  readonly seed?: number;
}

/**
 * The p smallest eigenpairs of a symmetric A [n×n], approximately, by subspace iteration on
 * (A − σI)⁻¹ where `shifted` is the Cholesky factor of A − σI (σ below λ_min(A)): each step
 * multiplies the components of eigenvalue λ by 1/(λ − σ), so the closer σ sits to the wanted
 * eigenvalues relative to the next ones, the faster they separate. After each step the block is
 * orthonormalized and rotated to the Ritz vectors of A (Rayleigh–Ritz with A, one product A·V),
 * whose residuals decide convergence.
 *
 * Stops when `pending` says so or after `maxIterations`; the caller reads the residuals,
 * never a flag.
 */
export function lowestEigenpairs(a: Float64Array, n: number, shifted: CholeskyFactor, options: LowestEigenpairsOptions): LowestEigenpairs {
  const p = options.count;
  if (!Number.isInteger(p) || p < 1 || p > n) throw new RangeError(`lowestEigenpairs: count must be in [1, ${n}], got ${p}`);
  if (shifted.n !== n) throw new RangeError(`lowestEigenpairs: the factor is ${shifted.n}×${shifted.n}, A is ${n}×${n}`);
  const maxIterations = options.maxIterations ?? 50;
  let v = randomRows(p, n, options.seed ?? 1);
  if (options.start !== undefined) v.set(options.start.subarray(0, Math.min(options.start.length, p * n)));
  // No Rayleigh–Ritz on the starting block: its residuals would say nothing (one product A·V saved).
  let ritz: Omit<LowestEigenpairs, 'iterations'> = { values: new Float64Array(p), vectors: v, residuals: new Float64Array(p) };
  let iterations = 0;
  do {
    // W = (A − σI)⁻¹·V, with V as columns: solve for the transposed block, then transpose back.
    v = transposeOf(choleskyFactorSolve(shifted, transposeOf(ritz.vectors, p, n), p), n, p);
    orthonormalizeRows(v, p, n);
    ritz = rayleighRitz(a, n, v, p);
    iterations++;
  } while (iterations < maxIterations && options.pending(ritz.values, ritz.residuals));
  return { ...ritz, iterations };
}

/** Rayleigh–Ritz of A on the orthonormal rows of v: Ritz values ascending, vectors, residual norms. */
function rayleighRitz(a: Float64Array, n: number, v: Float64Array, p: number): Omit<LowestEigenpairs, 'iterations'> {
  const av = matmulNT(v, a, p, n, n); // rows: (A·v_i)ᵀ, A symmetric
  const h = matmulNT(v, av, p, n, p);
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) h[i * p + j] = h[j * p + i] = 0.5 * (h[i * p + j]! + h[j * p + i]!);
  const { values, vectors } = symmetricEigen(h, p);
  // Ascending: column p−1−i of the eigenvectors is pair i.
  const q = new Float64Array(p * p);
  for (let r = 0; r < p; r++) for (let i = 0; i < p; i++) q[r * p + i] = vectors[r * p + (p - 1 - i)]!;
  const ascending = Float64Array.from({ length: p }, (_, i) => values[p - 1 - i]!);
  const u = matmulTN(q, v, p, p, n);
  const au = matmulTN(q, av, p, p, n);
  const residuals = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += (au[i * n + c]! - ascending[i]! * u[i * n + c]!) ** 2;
    residuals[i] = Math.sqrt(s);
  }
  // Qᵀ·V is orthonormal to rounding (Q is orthogonal, V orthonormal): no need to redo it.
  return { values: ascending, vectors: u, residuals };
}

/**
 * λ_max of a symmetric A by Lanczos with full reorthogonalization: the largest Ritz value θ, a
 * lower bound, after as many products A·q as it takes for the Lanczos bound β·|y_last| on
 * ‖A·x − θ·x‖ to fall below 1e-10·θ (at most `steps`). With λ_max separated that takes a few
 * dozen; on a crowded top it may stop at `steps` with a larger error.
 */
export function largestEigenvalue(a: Float64Array, n: number, steps = 80, seed = 2): number {
  const m = Math.min(n, steps);
  const basis = new Float64Array(m * n);
  const q = randomRows(1, n, seed);
  normalize(q, 0, n);
  basis.set(q);
  const alpha: number[] = [], beta: number[] = [];
  let estimate = 0;
  for (let j = 0; j < m; j++) {
    const w = matrixVector(a, basis.subarray(j * n, (j + 1) * n), n);
    // Full reorthogonalization, twice: the basis stays orthonormal, so no ghost copies of λ_max.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) {
        let dot = 0;
        for (let c = 0; c < n; c++) dot += w[c]! * basis[i * n + c]!;
        if (pass === 0 && i === j) alpha.push(dot);
        for (let c = 0; c < n; c++) w[c]! -= dot * basis[i * n + c]!;
      }
    }
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    const { value, last } = tridiagonalLargest(alpha, beta);
    estimate = value;
    // ‖A·x − θ·x‖ = β_j·|y_last| for the Ritz vector x = Q·y of θ.
    if (norm * Math.abs(last) <= 1e-10 * Math.abs(estimate) || j + 1 === m) break;
    beta.push(norm);
    for (let c = 0; c < n; c++) basis[(j + 1) * n + c] = w[c]! / norm;
  }
  return estimate;
}

/** A·x, row by row (a one-column product gains nothing from the packed kernel's blocking). */
function matrixVector(a: Float64Array, x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let c = 0; c < n; c++) s += a[row + c]! * x[c]!;
    out[i] = s;
  }
  return out;
}

/** Largest eigenvalue of the Lanczos tridiagonal (alpha on the diagonal, beta beside it) and the last entry of its unit eigenvector. */
function tridiagonalLargest(alpha: readonly number[], beta: readonly number[]): { value: number; last: number } {
  const k = alpha.length;
  const t = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    t[i * k + i] = alpha[i]!;
    if (i + 1 < k) t[i * k + i + 1] = t[(i + 1) * k + i] = beta[i]!;
  }
  const { values, vectors } = symmetricEigen(t, k);
  return { value: values[0]!, last: vectors[(k - 1) * k]! };
}

/** Modified Gram–Schmidt, twice ("twice is enough"), on the rows of a p×n block; a row that vanishes is replaced by a fresh random one. */
export function orthonormalizeRows(v: Float64Array, p: number, n: number, seed = 3): void {
  for (let i = 0; i < p; i++) {
    for (let attempt = 0; ; attempt++) {
      const before = rowNorm(v, i, n);
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < i; j++) {
          let dot = 0;
          for (let c = 0; c < n; c++) dot += v[i * n + c]! * v[j * n + c]!;
          for (let c = 0; c < n; c++) v[i * n + c]! -= dot * v[j * n + c]!;
        }
      }
      if (rowNorm(v, i, n) > 1e-8 * before || attempt === 3) break;
      v.set(randomRows(1, n, seed + 7919 * i + attempt), i * n);
    }
    normalize(v, i * n, n);
  }
}

function rowNorm(v: Float64Array, i: number, n: number): number {
  let s = 0;
  for (let c = 0; c < n; c++) s += v[i * n + c]! ** 2;
  return Math.sqrt(s);
}

function normalize(v: Float64Array, at: number, n: number): void {
  let s = 0;
  for (let c = 0; c < n; c++) s += v[at + c]! ** 2;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let c = 0; c < n; c++) v[at + c]! *= inv;
}

function transposeOf(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

/** rows×n entries uniform in [−1, 1) from a seeded mulberry32 (linalg imports nothing from the project). */
function randomRows(rows: number, n: number, seed: number): Float64Array {
  let state = seed >>> 0;
  return Float64Array.from({ length: rows * n }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}

/**
 * Dense curvature of the active parameters for the methods that need a whole matrix
 * (Belsley's `laplace` and `information` forms, Optimal Brain Surgeon): the Gauss-Newton
 * matrix G by default (always positive semi-definite), the exact Hessian as an option — with
 * the eigenvalues of H + αI taken in absolute value where it is indefinite, and labelled so.
 */
import { matmulNT, symmetricEigen } from '../linalg/index.js';
import { exactHessianMatrix, gaussNewtonMatrix } from '../nn/curvature.js';
import { alphaPerParameter } from '../nn/losses.js';
import { principalSubmatrix, type RelevanceContext } from './relevance.js';

/** Which dense curvature: the Gauss-Newton matrix or the exact Hessian. */
export type DenseCurvature = 'gauss-newton' | 'exact';

/**
 * Largest active set the dense methods accept: the eigendecomposition is O(k³) — about a second
 * at k = 1000 here, minutes at 3000 — and each Belsley pruning step repeats it.
 */
export const DENSE_ACTIVE_LIMIT = 3000;

/** The curvature of the negative log-posterior on the active set, H_AA + αI, and what it is. */
export interface PosteriorCurvature {
  /** Active indices (rows and columns of `matrix`, in this order). */
  readonly active: Int32Array;
  /** k×k row-major, symmetric positive definite when α > 0. */
  readonly matrix: Float64Array;
  /** E.g. `Gauss-Newton G + αI` or `|exact H + αI| (exact Hessian, absolute eigenvalues)`. */
  readonly label: string;
  /** Exact Hessian only: how many eigenvalues of H_AA + αI were negative (made positive). */
  readonly negativeEigenvalues: number;
  /**
   * Eigendecomposition of `matrix` (values descending, vectors as columns) when it was computed
   * on the way — the exact Hessian, or a Gauss-Newton matrix whose prior precision is too small
   * to make it safely invertible — else null. Inverses go through {@link inverseFromEigen} then,
   * which refuses a singular matrix with a message saying what to do.
   */
  readonly eigen: CurvatureEigen | null;
}

/** An eigendecomposition of a {@link PosteriorCurvature}, with what it is of, for messages. */
export interface CurvatureEigen {
  /** Descending. */
  readonly values: Float64Array;
  /** k×k row-major, eigenvectors as columns in the order of `values`. */
  readonly vectors: Float64Array;
  /** The method and the matrix (`obs`, `Gauss-Newton G + αI`) and the smallest α of the active parameters. */
  readonly of?: { readonly method: string; readonly label: string; readonly alpha: number };
}

/** `331 GB`, `2.4 MB`: the size of a dense k×k matrix of doubles. */
export function denseMatrixSize(k: number): string {
  const bytes = k * k * 8;
  // The unit switches where three significant digits would round up to 1000 (999.7 MB is
  // "1.00 GB", not "1.00e+3 MB").
  const [scale, unit] = bytes >= 999.5e9 ? [1e12, 'TB'] : bytes >= 999.5e6 ? [1e9, 'GB'] : [1e6, 'MB'];
  return `${(bytes / scale).toPrecision(3)} ${unit}`;
}

/**
 * Refuses active sets too large for dense work, naming the size and saying what to do instead.
 * (Hidden-unit scores are sums of the parameters' scores, so `--structured` needs the same
 * matrix: the alternatives are the diagonal methods, with or without it, or pruning first.)
 */
export function checkDenseActiveSize(method: string, k: number): void {
  if (k <= DENSE_ACTIVE_LIMIT) return;
  throw new Error(
    `${method}: ${k} active parameters need a dense ${k}×${k} matrix (${denseMatrixSize(k)}) and O(k³) decompositions; the limit is ${DENSE_ACTIVE_LIMIT} active parameters. ` +
      `Use obd, variational or magnitude (they need only diagonals; --structured adds hidden-unit scores), or prune to at most ${DENSE_ACTIVE_LIMIT} active parameters first.`,
  );
}

/** H_AA + αI with H the Gauss-Newton matrix (default) or the exact Hessian of the summed NLL at ŵ. */
export function posteriorCurvature(context: RelevanceContext, curvature: DenseCurvature, method: string): PosteriorCurvature {
  const { network, batch, task, alpha } = context;
  const active = network.activeIndices();
  checkDenseActiveSize(method, active.length);
  const options = { noiseVariance: context.noiseVariance ?? 1 };
  const n = network.parameterCount;
  const k = active.length;
  // G is built over the active columns only (its cost shrinks with k²); the exact Hessian has
  // no such shortcut, so its principal submatrix is taken.
  const matrix = curvature === 'exact'
    ? principalSubmatrix(exactHessianMatrix(network, batch, task, options), n, active)
    : gaussNewtonMatrix(network, batch, task, { ...options, active });
  const alphas = alphaPerParameter(network, alpha);
  let trace = 0;
  let smallestAlpha = Infinity;
  for (let i = 0; i < k; i++) {
    trace += matrix[i * k + i]!;
    smallestAlpha = Math.min(smallestAlpha, alphas[active[i]!]!);
    matrix[i * k + i]! += alphas[active[i]!]!;
  }
  if (curvature === 'gauss-newton') {
    const label = 'Gauss-Newton G + αI';
    // G is only positive semi-definite: with α ≥ k·ε·tr(G) ≥ k·ε·λ_max(G), G + αI is safely
    // invertible (condition below 1/(kε)) and a Cholesky factor inverts it; with a smaller α —
    // at α = 0 above all — it may be singular (softmax's flat direction makes it so for every
    // classifier), and only its eigenvalues can tell, and say so instead of a failed Cholesky.
    if (smallestAlpha >= k * Number.EPSILON * trace) return { active, matrix, label, negativeEigenvalues: 0, eigen: null };
    return { active, matrix, label, negativeEigenvalues: 0, eigen: { ...sortedEigen(matrix, k), of: { method, label, alpha: smallestAlpha } } };
  }
  // ŵ minimizes the negative log-posterior, so H + αI (not H alone, which may dip to −α) is
  // what is PSD there; if it is still indefinite (not converged, or a saddle), |H + αI| keeps
  // the curvature's magnitude in every direction (as in saddle-free Newton), and says so.
  const { values, vectors } = symmetricEigen(matrix, k);
  let negative = 0;
  const shifted = values.map((v) => {
    if (v < 0) negative++;
    return Math.abs(v);
  });
  const rebuilt = negative > 0 ? fromEigen(vectors, shifted, k, (v) => v) : matrix;
  const label = negative > 0 ? '|exact H + αI| (exact Hessian, absolute eigenvalues)' : 'exact H + αI';
  return { active, matrix: rebuilt, label, negativeEigenvalues: negative, eigen: { ...sortEigen(shifted, vectors, k), of: { method, label, alpha: smallestAlpha } } };
}

/** The eigendecomposition of a symmetric matrix, values descending. */
function sortedEigen(matrix: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors } = symmetricEigen(matrix, k);
  return sortEigen(values, vectors, k);
}

function sortEigen(values: Float64Array, vectors: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]!);
  const sortedValues = Float64Array.from(order, (c) => values[c]!);
  const sortedVectors = new Float64Array(k * k);
  for (let i = 0; i < k; i++) order.forEach((c, col) => (sortedVectors[i * k + col] = vectors[i * k + c]!));
  return { values: sortedValues, vectors: sortedVectors };
}

/**
 * The inverse of a symmetric positive-definite matrix from its eigendecomposition.
 * @throws {Error} when the matrix is singular to working precision — its smallest eigenvalue at
 *   most λ_max·max(k, 10)·ε, the threshold at which Belsley's diagnostics call a dependency
 *   exact — naming the matrix and saying what makes it invertible: the inverse would be
 *   rounding noise (at α = 0 a classifier's G + αI is singular in every case).
 */
export function inverseFromEigen(eigen: CurvatureEigen, k: number): Float64Array {
  const largest = eigen.values[0]!;
  const smallest = eigen.values[k - 1]!;
  if (k > 0 && !(smallest > largest * Math.max(k, 10) * Number.EPSILON)) {
    const what = eigen.of ?? { method: 'inverse', label: 'the matrix', alpha: Number.NaN };
    const exact = what.label.includes('exact');
    throw new Error(
      `${what.method}: ${what.label} is singular at α = ${Number.isNaN(what.alpha) ? '?' : what.alpha} (eigenvalues from ${largest.toPrecision(3)} down to ${smallest.toPrecision(3)}), ` +
        `and ${what.method} needs its inverse. ${exact ? 'A positive prior precision α other than an eigenvalue of −H' : 'A positive prior precision α'} makes it invertible: ` +
        'give prunus relevance a positive --alpha, or use a model trained with --alpha auto or elbo (a model trained with --alpha 0 has a flat prior)',
    );
  }
  return fromEigen(eigen.vectors, eigen.values, k, (v) => 1 / v);
}

/** U·diag(f(λ))·Uᵀ, as one matrix product of the column-scaled U with U (exactly symmetric). */
function fromEigen(vectors: Float64Array, values: Float64Array, k: number, f: (value: number) => number): Float64Array {
  const scaled = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < k; c++) scaled[i * k + c] = vectors[i * k + c]! * f(values[c]!);
  const out = matmulNT(scaled, vectors, k, k, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) out[i * k + j] = out[j * k + i] = 0.5 * (out[i * k + j]! + out[j * k + i]!);
  }
  return out;
}

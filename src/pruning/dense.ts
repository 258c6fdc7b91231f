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
  /** Eigendecomposition of `matrix` when it was computed on the way (exact Hessian only). */
  readonly eigen: { values: Float64Array; vectors: Float64Array } | null;
}

/** Refuses active sets too large for dense work, saying what to do instead. */
export function checkDenseActiveSize(method: string, k: number): void {
  if (k <= DENSE_ACTIVE_LIMIT) return;
  throw new Error(
    `${method}: ${k} active parameters need dense ${k}×${k} matrices and O(k³) decompositions; the limit is ${DENSE_ACTIVE_LIMIT}. ` +
      'Use obd, variational or magnitude (they need only diagonals), or the structured (neuron-level) mode.',
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
  for (let i = 0; i < k; i++) matrix[i * k + i]! += alphas[active[i]!]!;
  if (curvature === 'gauss-newton') {
    return { active, matrix, label: 'Gauss-Newton G + αI', negativeEigenvalues: 0, eigen: null };
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
  const order = Array.from(shifted.keys()).sort((a, b) => shifted[b]! - shifted[a]!);
  const sortedValues = Float64Array.from(order, (c) => shifted[c]!);
  const sortedVectors = new Float64Array(k * k);
  for (let i = 0; i < k; i++) order.forEach((c, col) => (sortedVectors[i * k + col] = vectors[i * k + c]!));
  return {
    active,
    matrix: rebuilt,
    label: negative > 0 ? '|exact H + αI| (exact Hessian, absolute eigenvalues)' : 'exact H + αI',
    negativeEigenvalues: negative,
    eigen: { values: sortedValues, vectors: sortedVectors },
  };
}

/** The inverse of a symmetric positive-definite matrix from its eigendecomposition. */
export function inverseFromEigen(eigen: { values: Float64Array; vectors: Float64Array }, k: number): Float64Array {
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

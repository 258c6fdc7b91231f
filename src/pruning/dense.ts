/**
 * Dense curvature of the active parameters for the methods that need a whole matrix
 * (Belsley's `laplace` and `information` forms, Optimal Brain Surgeon): the Gauss-Newton
 * matrix G by default (always positive semi-definite), the exact Hessian as an option — with
 * its eigenvalues taken in absolute value where it is indefinite, and labelled so.
 */
import { symmetricEigen } from '../linalg/index.js';
import { exactHessianMatrix, gaussNewtonMatrix } from '../nn/curvature.js';
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
  /** E.g. `Gauss-Newton G + αI` or `|exact H| + αI (exact Hessian, absolute eigenvalues)`. */
  readonly label: string;
  /** Exact Hessian only: how many eigenvalues of H_AA were negative (made positive). */
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
  const full = curvature === 'exact' ? exactHessianMatrix(network, batch, task, options) : gaussNewtonMatrix(network, batch, task, options);
  const k = active.length;
  const matrix = principalSubmatrix(full, n, active);
  if (curvature === 'gauss-newton') {
    for (let i = 0; i < k; i++) matrix[i * k + i]! += alpha;
    return { active, matrix, label: 'Gauss-Newton G + αI', negativeEigenvalues: 0, eigen: null };
  }
  // The exact Hessian may be indefinite (away from a minimum, or at a saddle): |H| keeps the
  // curvature's magnitude in every direction, the usual fix (e.g. saddle-free Newton).
  const { values, vectors } = symmetricEigen(matrix, k);
  let negative = 0;
  const shifted = values.map((v) => {
    if (v < 0) negative++;
    return Math.abs(v) + alpha;
  });
  const rebuilt = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += vectors[i * k + c]! * shifted[c]! * vectors[j * k + c]!;
      rebuilt[i * k + j] = rebuilt[j * k + i] = s;
    }
  }
  const order = Array.from(shifted.keys()).sort((a, b) => shifted[b]! - shifted[a]!);
  const sortedValues = Float64Array.from(order, (c) => shifted[c]!);
  const sortedVectors = new Float64Array(k * k);
  for (let i = 0; i < k; i++) order.forEach((c, col) => (sortedVectors[i * k + col] = vectors[i * k + c]!));
  return {
    active,
    matrix: rebuilt,
    label: negative > 0 ? '|exact H| + αI (exact Hessian, absolute eigenvalues)' : 'exact H + αI',
    negativeEigenvalues: negative,
    eigen: { values: sortedValues, vectors: sortedVectors },
  };
}

/**
 * The inverse of a symmetric positive-definite matrix given its eigendecomposition, or by
 * Cholesky when none is at hand.
 */
export function inverseFromEigen(eigen: { values: Float64Array; vectors: Float64Array }, k: number): Float64Array {
  const { values, vectors } = eigen;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += (vectors[i * k + c]! * vectors[j * k + c]!) / values[c]!;
      out[i * k + j] = out[j * k + i] = s;
    }
  }
  return out;
}

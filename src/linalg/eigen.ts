/**
 * Symmetric eigendecomposition, LAPACK's dsyevd plan in flat row-major TypeScript:
 * 1. Householder reduction to tridiagonal T = Qᵀ·A·Q (tridiagonalize.ts);
 * 2. eigenpairs of T by divide and conquer (tridiagonal-dc.ts);
 * 3. back-transformation V = Q·Z by blocked reflectors (reflectors.ts).
 * Steps 2 and 3 spend their time in matrix products, which run in the packed matmul kernel.
 * The classic alternative (tql2) — form Q, then apply every QL rotation to it — is O(n³)
 * scalar updates: at n = 1000 it took ~1.2 s for what steps 2 and 3 now do in ~0.7 s.
 */

import { symmetrize } from './basics.js';
import { checkMatrix } from './check.js';
import { applyReflectors } from './reflectors.js';
import { tridiagonalEigen } from './tridiagonal-dc.js';
import { tridiagonalize } from './tridiagonalize.js';

/** Eigenvalues (descending) and unit eigenvectors (column k belongs to values[k]) of a symmetric matrix. */
export interface SymmetricEigen {
  /** λ1 ≥ λ2 ≥ … ≥ λn. */
  readonly values: Float64Array;
  /** Row-major n×n; column k is the unit eigenvector of values[k]. The columns are orthonormal. */
  readonly vectors: Float64Array;
}

/** Asymmetry tolerated (relative to the largest |entry|) before symmetricEigen refuses the input. */
const SYMMETRY_TOLERANCE = 1e-10;

/**
 * Eigendecomposition A = V·diag(λ)·Vᵀ of a symmetric A [n×n].
 *
 * A must be symmetric up to a relative tolerance of 1e-10 of its largest entry (otherwise this
 * throws, naming the worst pair); the decomposition is of (A + Aᵀ)/2.
 *
 * @returns values in descending order and vectors with column k the eigenvector of values[k].
 * @example
 * const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
 * // values ≈ [3, 1]; column 0 of vectors ≈ ±[0.707, 0.707]
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  checkMatrix('symmetricEigen', 'a', a, n, n);
  const largest = checkSymmetric(a, n);
  // Work on A / max|a| so no intermediate square can overflow or underflow; unscale at the end.
  const scale = largest > 0 ? largest : 1;
  const work = symmetrize(a, n).map((x) => x / scale);
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  const norms = tridiagonalize(work, n, diagonal, offDiagonal);
  // tridiagonalize puts the coupling of i−1 and i in offDiagonal[i]; the solver wants it at i−1.
  offDiagonal.copyWithin(0, 1);
  const tridiagonalVectors = tridiagonalEigen(diagonal, offDiagonal, n);
  const result = sortDescending(diagonal, tridiagonalVectors, n, scale);
  applyReflectors(work, norms, n, result.vectors);
  return result;
}

/** Throws, naming the worst pair, unless A is symmetric to SYMMETRY_TOLERANCE·max|a|; returns max|a|. */
function checkSymmetric(a: Float64Array, n: number): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]!));
  let worst = 0, worstI = 0, worstJ = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const gap = Math.abs(a[i * n + j]! - a[j * n + i]!);
      if (gap > worst) { worst = gap; worstI = i; worstJ = j; }
    }
  }
  if (worst > SYMMETRY_TOLERANCE * largest) {
    throw new RangeError(
      `symmetricEigen: matrix is not symmetric: a[${worstI}][${worstJ}] = ${a[worstI * n + worstJ]} but ` +
      `a[${worstJ}][${worstI}] = ${a[worstJ * n + worstI]} (difference ${worst} exceeds ${SYMMETRY_TOLERANCE} × max|a| = ${SYMMETRY_TOLERANCE * largest})`,
    );
  }
  return largest;
}

/** Eigenvalues descending and unscaled; the columns of the vectors permuted to match. */
function sortDescending(values: Float64Array, vectors: Float64Array, n: number, scale: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const sortedValues = Float64Array.from(order, (from) => values[from]! * scale);
  const sortedVectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < n; k++) sortedVectors[row + k] = vectors[row + order[k]!]!;
  }
  return { values: sortedValues, vectors: sortedVectors };
}

/**
 * Symmetric eigendecomposition, LAPACK's dsyevd plan in flat row-major TypeScript:
 * 1. Householder reduction to tridiagonal T = Qᵀ·A·Q (EISPACK tred2's loop order, below);
 * 2. eigenpairs of T by divide and conquer (tridiagonal-dc.ts);
 * 3. back-transformation V = Q·Z by blocked reflectors (reflectors.ts).
 * Steps 2 and 3 spend their time in matrix products, which run in the packed matmul kernel.
 * The classic alternative (tql2) — form Q, then apply every QL rotation to it — is O(n³)
 * scalar updates: at n = 1000 it took ~1.2 s for what steps 2 and 3 now do in ~0.7 s.
 *
 * The reduction works from the last row upwards on the LOWER triangle only, so the vector it
 * annihilates (row i, columns 0..i−1) and every row it updates are contiguous runs; each
 * reflector's vector is left in the row it annihilated, for step 3.
 */

import { symmetrize } from './basics.js';
import { checkMatrix } from './check.js';
import { applyReflectors } from './reflectors.js';
import { tridiagonalEigen } from './tridiagonal-dc.js';

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

/**
 * Reduces the symmetric `work` to tridiagonal T = Qᵀ·A·Q (diagonal in `diagonal`, coupling
 * between i-1 and i in `offDiagonal[i]`). Q = H_{n−1}···H_2 is not formed: row i of `work`
 * keeps the vector v of H_i and the returned array its h (applyReflectors uses both).
 *
 * Step i (from n-1 down to 2) builds a Householder reflector H = I − v·vᵀ/h that zeroes
 * row i left of its sub-diagonal, and applies it to the leading i×i block as a symmetric
 * rank-2 update. Only the lower triangle is read or written, row by row.
 */
function tridiagonalize(work: Float64Array, n: number, diagonal: Float64Array, offDiagonal: Float64Array): Float64Array {
  const norms = new Float64Array(n); // h of each reflector (0 means "no reflection")
  const p = new Float64Array(n);
  for (let i = n - 1; i >= 2; i--) {
    const row = i * n;
    diagonal[i] = work[row + i]!;
    // Scale by the 1-norm first so squaring cannot overflow or underflow.
    let scale = 0;
    for (let q = 0; q < i; q++) scale += Math.abs(work[row + q]!);
    if (scale === 0) { offDiagonal[i] = 0; continue; }
    let h = 0;
    for (let q = 0; q < i; q++) { const x = work[row + q]! / scale; work[row + q] = x; h += x * x; }
    const f = work[row + i - 1]!;
    const g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
    offDiagonal[i] = scale * g;
    h -= f * g;
    work[row + i - 1] = f - g; // row i now holds v; it is kept there to build Q later
    norms[i] = h;

    // p = A'·v / h with A' the leading i×i block, read from its lower triangle: row j
    // contributes A[j][q]·v[q] to p[j] and, by symmetry, A[j][q]·v[j] to p[q].
    p.fill(0, 0, i);
    // Rows go in pairs so each load of v[q] and each read-modify-write of p[q] serves two rows.
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const r0 = j * n, r1 = r0 + n, v0 = work[row + j]!, v1 = work[row + j + 1]!;
      let sum0 = 0, sum1 = 0;
      for (let q = 0; q < j; q++) {
        const a0 = work[r0 + q]!, a1 = work[r1 + q]!, vq = work[row + q]!;
        sum0 += a0 * vq; sum1 += a1 * vq;
        p[q] += a0 * v0 + a1 * v1;
      }
      const a10 = work[r1 + j]!; // the pair's own 2×2 corner
      p[j] += sum0 + work[r0 + j]! * v0 + a10 * v1;
      p[j + 1] += sum1 + a10 * v0 + work[r1 + j + 1]! * v1;
    }
    if (j < i) {
      const rj = j * n, vj = work[row + j]!;
      let sum = 0;
      for (let q = 0; q < j; q++) {
        const ajq = work[rj + q]!;
        sum += ajq * work[row + q]!;
        p[q] += ajq * vj;
      }
      p[j] += sum + work[rj + j]! * vj;
    }
    let vp = 0;
    for (let q = 0; q < i; q++) { p[q] /= h; vp += work[row + q]! * p[q]!; }
    // w = p − (vᵀp / 2h)·v, then A' −= v·wᵀ + w·vᵀ keeps A' symmetric (w overwrites p).
    const k = vp / (2 * h);
    for (let q = 0; q < i; q++) p[q] -= k * work[row + q]!;
    for (let j = 0; j < i; j++) {
      const rj = j * n, vj = work[row + j]!, wj = p[j]!;
      for (let q = 0; q <= j; q++) work[rj + q] -= vj * p[q]! + wj * work[row + q]!;
    }
  }
  if (n >= 2) { diagonal[1] = work[n + 1]!; offDiagonal[1] = work[n]!; }
  if (n >= 1) diagonal[0] = work[0]!;
  return norms;
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

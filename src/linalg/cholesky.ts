/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive-definite matrix, and the solves and
 * inverse built on it. Every loop runs along rows of L (row-major), so each inner loop is a
 * sequential scan: the factorization takes dot products of two rows of L, and the triangular
 * solves update whole rows of the right-hand side at once.
 */

import { checkMatrix } from './check.js';

/**
 * Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite A [n×n].
 *
 * Only the lower triangle of A is read. Throws, naming the pivot, if A is not positive definite
 * (a pivot that is ≤ 0, or too small relative to its diagonal entry to be trusted).
 *
 * @example
 * cholesky(new Float64Array([4, 2, 2, 3]), 2); // [2, 0, 1, 1.414…]
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  checkMatrix('cholesky', 'a', a, n, n);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let p = 0; p < j; p++) d -= l[rj + p]! * l[rj + p]!;
    // A pivot that lost all but rounding noise of its diagonal means A is singular to working
    // precision; accepting it would return an L whose solves amplify noise by 1/ε.
    if (!(d > 16 * Number.EPSILON * Math.abs(a[rj + j]!))) {
      throw new RangeError(`cholesky: matrix is not positive definite (pivot ${j} is ${d}, diagonal entry ${a[rj + j]})`);
    }
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let p = 0; p < j; p++) s -= l[ri + p]! * l[rj + p]!;
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/**
 * X with L·Lᵀ·X = B, given the Cholesky factor L [n×n] and B [n×nrhs] (row-major).
 *
 * @example
 * const l = cholesky(new Float64Array([4, 2, 2, 3]), 2);
 * choleskySolve(l, new Float64Array([6, 5]), 2, 1); // [1, 1]
 */
export function choleskySolve(l: Float64Array, b: Float64Array, n: number, nrhs: number): Float64Array {
  checkMatrix('choleskySolve', 'l', l, n, n);
  checkMatrix('choleskySolve', 'b', b, n, nrhs);
  for (let i = 0; i < n; i++) {
    if (!(l[i * n + i]! > 0)) throw new RangeError(`choleskySolve: l is not a Cholesky factor (diagonal ${i} is ${l[i * n + i]})`);
  }
  const x = Float64Array.from(b);
  // Forward: L·Y = B. Row i of Y is (B_i − Σ_{p<i} L[i][p]·Y_p) / L[i][i].
  for (let i = 0; i < n; i++) {
    const ri = i * n, xi = i * nrhs;
    for (let p = 0; p < i; p++) {
      const lip = l[ri + p]!;
      if (lip === 0) continue;
      const xp = p * nrhs;
      for (let c = 0; c < nrhs; c++) x[xi + c] -= lip * x[xp + c]!;
    }
    const inv = 1 / l[ri + i]!;
    for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
  }
  // Backward: Lᵀ·X = Y. Once X_i is final, subtract its share L[i][p]·X_i from every earlier
  // row p; that reads row i of L instead of column i.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n, xi = i * nrhs;
    const inv = 1 / l[ri + i]!;
    for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
    for (let p = 0; p < i; p++) {
      const lip = l[ri + p]!;
      if (lip === 0) continue;
      const xp = p * nrhs;
      for (let c = 0; c < nrhs; c++) x[xp + c] -= lip * x[xi + c]!;
    }
  }
  return x;
}

/**
 * X with A·X = B for a symmetric positive-definite A [n×n] and B [n×nrhs].
 *
 * @example
 * spdSolve(new Float64Array([4, 2, 2, 3]), new Float64Array([6, 5]), 2, 1); // [1, 1]
 */
export function spdSolve(a: Float64Array, b: Float64Array, n: number, nrhs: number): Float64Array {
  checkMatrix('spdSolve', 'b', b, n, nrhs);
  return choleskySolve(cholesky(a, n), b, n, nrhs);
}

/**
 * A⁻¹ for a symmetric positive-definite A [n×n]; the result is exactly symmetric.
 *
 * @example
 * spdInverse(new Float64Array([2, 0, 0, 4]), 2); // ≈ [0.5, 0, 0, 0.25]
 */
export function spdInverse(a: Float64Array, n: number): Float64Array {
  const identity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  const inverse = choleskySolve(cholesky(a, n), identity, n, n);
  // The two triangles come out of different rounding paths; average them so callers that
  // rely on symmetry (e.g. as a covariance) get it exactly.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * (inverse[i * n + j]! + inverse[j * n + i]!);
      inverse[i * n + j] = inverse[j * n + i] = mean;
    }
  }
  return inverse;
}

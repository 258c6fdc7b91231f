/**
 * Cholesky factorization A = L·Lᵀ of a symmetric positive-definite matrix, and the solves,
 * inverse and inverse diagonal built on it.
 *
 * The factorization is blocked (right-looking, LAPACK dpotrf's plan): factor a diagonal block
 * of BLOCK columns by dot products along rows, solve the panel below it, then subtract the
 * panel's outer product from the trailing matrix — one matrix product per block column of the
 * trailing part, in the packed matmul kernel. Nearly all of the n³/3 multiply-adds happen in
 * that kernel; the textbook loop, whose inner product reads a column of L, ran 3–4× slower at
 * n ≈ 2400. The panels are kept (negated, contiguous) so the blocked solves and the inverse
 * diagonal reuse them as ready-made matmul operands.
 */

import { checkMatrix } from './check.js';
import { multiplyAdd } from './matmul.js';

/**
 * Columns per block. 64 keeps the unblocked work (diagonal blocks and panel solves, n²·64/2
 * scalar multiply-adds) small next to the kernel's n³/3, while each product still has depth 64.
 */
const BLOCK = 64;

/** A Cholesky factor with the panels its blocked solves use. */
export interface CholeskyFactor {
  readonly n: number;
  /** L, n×n row-major, lower triangular (the upper triangle is zero). */
  readonly l: Float64Array;
  /**
   * For block column b (columns b·BLOCK …): −L[rows below the block, the block's columns],
   * `(n − end) × width` row-major, where `end` is the block's last column + 1.
   */
  readonly panels: readonly Float64Array[];
}

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
  return choleskyFactor(a, n).l;
}

/**
 * The Cholesky factor of a symmetric positive-definite A [n×n] (lower triangle read), with the
 * panels {@link choleskyFactorSolve} and {@link inverseDiagonal} use. Throws like {@link cholesky}.
 */
export function choleskyFactor(a: Float64Array, n: number): CholeskyFactor {
  checkMatrix('cholesky', 'a', a, n, n);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) l.set(a.subarray(i * n, i * n + i + 1), i * n);
  const panels: Float64Array[] = [];
  let scratch = new Float64Array(0);
  for (let k0 = 0; k0 < n; k0 += BLOCK) {
    const end = Math.min(n, k0 + BLOCK), width = end - k0;
    factorDiagonalBlock(a, l, n, k0, end);
    // Panel: row i of L21 solves x·L11ᵀ = A21[i] (forward substitution along the row).
    for (let i = end; i < n; i++) {
      const ri = i * n;
      for (let j = k0; j < end; j++) {
        const rj = j * n;
        let s = l[ri + j]!;
        for (let p = k0; p < j; p++) s -= l[ri + p]! * l[rj + p]!;
        l[ri + j] = s / l[rj + j]!;
      }
    }
    const below = n - end;
    const panel = new Float64Array(below * width);
    for (let i = 0; i < below; i++) {
      const from = (end + i) * n + k0;
      for (let j = 0; j < width; j++) panel[i * width + j] = -l[from + j]!;
    }
    panels.push(panel);
    // Trailing update A22 −= L21·L21ᵀ, one block column at a time, lower part only.
    for (let j0 = end; j0 < n; j0 += BLOCK) {
      const cols = Math.min(BLOCK, n - j0), height = n - j0;
      if (scratch.length < height * cols) scratch = new Float64Array(height * cols);
      const product = scratch.subarray(0, height * cols);
      product.fill(0);
      const top = (j0 - end) * width;
      // (−L21)(−L21)ᵀ = L21·L21ᵀ over rows j0.. and columns j0..j0+cols.
      multiplyAdd(panel.subarray(top), 'normal', panel.subarray(top, top + cols * width), 'transposed', height, width, cols, product);
      for (let i = 0; i < height; i++) {
        const row = (j0 + i) * n + j0, last = Math.min(cols, i + 1);
        for (let j = 0; j < last; j++) l[row + j]! -= product[i * cols + j]!;
      }
    }
  }
  return { n, l, panels };
}

/** Unblocked Cholesky of the diagonal block k0..end of `l` (already updated by earlier panels). */
function factorDiagonalBlock(a: Float64Array, l: Float64Array, n: number, k0: number, end: number): void {
  for (let j = k0; j < end; j++) {
    const rj = j * n;
    let d = l[rj + j]!;
    for (let p = k0; p < j; p++) d -= l[rj + p]! * l[rj + p]!;
    // A pivot that lost all but rounding noise of its diagonal means A is singular to working
    // precision; accepting it would return an L whose solves amplify noise by 1/ε.
    if (!(d > 16 * Number.EPSILON * Math.abs(a[rj + j]!))) {
      throw new RangeError(`cholesky: matrix is not positive definite (pivot ${j} is ${d}, diagonal entry ${a[rj + j]})`);
    }
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    for (let i = j + 1; i < end; i++) {
      const ri = i * n;
      let s = l[ri + j]!;
      for (let p = k0; p < j; p++) s -= l[ri + p]! * l[rj + p]!;
      l[ri + j] = s / ljj;
    }
  }
}

/**
 * X with L·Lᵀ·X = B for a factor from {@link choleskyFactor} and B [n×nrhs] (row-major): the
 * triangular solves by blocks, each block's coupling to the rest one matrix product.
 */
export function choleskyFactorSolve(factor: CholeskyFactor, b: Float64Array, nrhs: number): Float64Array {
  const { n, l, panels } = factor;
  checkMatrix('choleskyFactorSolve', 'b', b, n, nrhs);
  const x = Float64Array.from(b);
  // Forward, L·Y = B: solve a block of rows, then push it into all rows below with its panel.
  for (let block = 0, k0 = 0; k0 < n; block++, k0 += BLOCK) {
    const end = Math.min(n, k0 + BLOCK), width = end - k0;
    for (let i = k0; i < end; i++) {
      const ri = i * n, xi = i * nrhs;
      for (let p = k0; p < i; p++) {
        const lip = l[ri + p]!, xp = p * nrhs;
        for (let c = 0; c < nrhs; c++) x[xi + c]! -= lip * x[xp + c]!;
      }
      const inv = 1 / l[ri + i]!;
      for (let c = 0; c < nrhs; c++) x[xi + c]! *= inv;
    }
    if (end < n) multiplyAdd(panels[block]!, 'normal', x.subarray(k0 * nrhs, end * nrhs), 'normal', n - end, width, nrhs, x.subarray(end * nrhs));
  }
  // Backward, Lᵀ·X = Y: a block first gathers what the rows below contribute (its panel,
  // transposed), then solves with the transpose of its diagonal block.
  const blocks = panels.length;
  for (let block = blocks - 1; block >= 0; block--) {
    const k0 = block * BLOCK, end = Math.min(n, k0 + BLOCK), width = end - k0;
    if (end < n) multiplyAdd(panels[block]!, 'transposed', x.subarray(end * nrhs), 'normal', width, n - end, nrhs, x.subarray(k0 * nrhs, end * nrhs));
    for (let i = end - 1; i >= k0; i--) {
      const xi = i * nrhs;
      const inv = 1 / l[i * n + i]!;
      for (let c = 0; c < nrhs; c++) x[xi + c]! *= inv;
      for (let p = k0; p < i; p++) {
        const lip = l[i * n + p]!, xp = p * nrhs;
        for (let c = 0; c < nrhs; c++) x[xp + c]! -= lip * x[xi + c]!;
      }
    }
  }
  return x;
}

/**
 * diag(A⁻¹) from A's Cholesky factor: (A⁻¹)_jj = Σ_i (L⁻¹)_ij², the squared column norms of
 * L⁻¹. L⁻¹ is built one block column at a time (forward substitution on the identity's columns,
 * each block's push downwards one product with a stored panel) and only its column norms are
 * kept: n³/6 multiply-adds and n·BLOCK doubles of scratch, against n³/2 and n² for the whole inverse.
 */
export function inverseDiagonal(factor: CholeskyFactor): Float64Array {
  const { n, l, panels } = factor;
  const diagonal = new Float64Array(n);
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const cols = Math.min(BLOCK, n - j0), height = n - j0;
    // Rows j0.. of columns j0..j0+cols of L⁻¹ (the rows above are zero), started as the identity.
    const x = new Float64Array(height * cols);
    for (let c = 0; c < cols; c++) x[c * cols + c] = 1;
    for (let block = j0 / BLOCK, k0 = j0; k0 < n; block++, k0 += BLOCK) {
      const end = Math.min(n, k0 + BLOCK), width = end - k0, at = k0 - j0;
      for (let i = k0; i < end; i++) {
        const ri = i * n, xi = (i - j0) * cols;
        for (let p = k0; p < i; p++) {
          const lip = l[ri + p]!, xp = (p - j0) * cols;
          for (let c = 0; c < cols; c++) x[xi + c]! -= lip * x[xp + c]!;
        }
        const inv = 1 / l[ri + i]!;
        for (let c = 0; c < cols; c++) x[xi + c]! *= inv;
      }
      if (end < n) multiplyAdd(panels[block]!, 'normal', x.subarray(at * cols, (at + width) * cols), 'normal', n - end, width, cols, x.subarray((at + width) * cols));
    }
    for (let r = 0; r < height; r++) for (let c = 0; c < cols; c++) diagonal[j0 + c]! += x[r * cols + c]! ** 2;
  }
  return diagonal;
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
  const inverse = choleskyFactorSolve(choleskyFactor(a, n), identity, n);
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

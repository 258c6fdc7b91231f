/**
 * Back-transformation of the eigenvectors of the tridiagonal T to those of A: V = Q·Z, with Q
 * the product of the Householder reflectors of the reduction, never formed.
 *
 * The reflectors are applied a block at a time in the compact WY form (Schreiber & Van Loan
 * 1989; LAPACK dlarft/dlarfb): b reflectors together are I − Y·T·Yᵀ with Y their vectors as
 * columns and T b×b upper triangular, so applying them is two products with Z — which run in
 * the packed matmul kernel — instead of 2b rank-one passes over Z.
 */

import { multiplyAdd } from './matmul.js';

/**
 * Reflectors per block. Larger blocks give the products more depth but cost more in building
 * T and in the zero padding of Y; 32, 64 and 96 timed the same within noise at n = 1000.
 */
const BLOCK = 32;

/**
 * Z ← H_{n−1}···H_3·H_2·Z in place, for Z [n×n] row-major and the reflectors left by the
 * tridiagonal reduction: H_i = I − v·vᵀ/h_i with v in row i of `reflectors`, columns 0..i−1
 * (so H_i touches rows 0..i−1 only), and h_i = norms[i], 0 meaning H_i = I.
 */
export function applyReflectors(reflectors: Float64Array, norms: Float64Array, n: number, z: Float64Array): void {
  for (let first = 2; first < n; first += BLOCK) {
    const count = Math.min(BLOCK, n - first);
    // The block's reflectors reach rows 0..height−1 (the last one, the longest, has that length).
    const height = first + count - 1;
    const y = new Float64Array(height * count);
    for (let c = 0; c < count; c++) {
      const row = (first + c) * n;
      for (let q = 0; q < first + c; q++) y[q * count + c] = reflectors[row + q]!;
    }
    const t = triangularFactor(reflectors, norms, n, first, count);
    // The block is P = H_last···H_first = (H_first···H_last)ᵀ = I − Y·Tᵀ·Yᵀ, so
    // Z ← Z − Y·(Tᵀ·(Yᵀ·Z)) over the rows it touches.
    const top = z.subarray(0, height * n);
    const yz = multiplyAdd(y, 'transposed', top, 'normal', count, height, n, new Float64Array(count * n));
    const tyz = multiplyAdd(t, 'transposed', yz, 'normal', count, count, n, new Float64Array(count * n));
    for (let i = 0; i < tyz.length; i++) tyz[i] = -tyz[i]!;
    multiplyAdd(y, 'normal', tyz, 'normal', height, count, n, top);
  }
}

/**
 * The upper-triangular T with H_first···H_last = I − Y·T·Yᵀ (LAPACK dlarft, forward,
 * column-wise): T[c][c] = τ_c = 1/h_c and T[0:c, c] = −τ_c·T[0:c, 0:c]·(Yᵀ·y_c)[0:c].
 */
function triangularFactor(reflectors: Float64Array, norms: Float64Array, n: number, first: number, count: number): Float64Array {
  const t = new Float64Array(count * count);
  const overlap = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const h = norms[first + c]!;
    if (h === 0) continue; // H = I: a zero column of T
    const tau = 1 / h, vc = (first + c) * n;
    // y_lᵀ·y_c for the earlier (shorter) vectors: only y_l's first+l entries can be non-zero.
    for (let l = 0; l < c; l++) {
      const vl = (first + l) * n;
      let dot = 0;
      for (let q = 0; q < first + l; q++) dot += reflectors[vl + q]! * reflectors[vc + q]!;
      overlap[l] = dot;
    }
    for (let r = 0; r < c; r++) {
      let sum = 0;
      for (let l = r; l < c; l++) sum += t[r * count + l]! * overlap[l]!;
      t[r * count + c] = -tau * sum;
    }
    t[c * count + c] = tau;
  }
  return t;
}

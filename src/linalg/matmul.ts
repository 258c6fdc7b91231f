/**
 * Dense matrix products on flat row-major Float64Arrays: C = A·B, Aᵀ·B and A·Bᵀ.
 *
 * All three share one register-blocked micro-kernel (Goto/BLIS layout). Each operand is first
 * copied ("packed") into a scratch buffer in exactly the order the kernel reads it: A in strips
 * of 4 rows, B in panels of 4 columns, both interleaved along k. The kernel then streams both
 * buffers sequentially and keeps a 4×4 tile of C in 16 local variables, so every loaded value
 * is used four times and C is touched once per k-block instead of once per multiply. Because
 * transposition is absorbed by the packing routines, Aᵀ·B and A·Bᵀ cost the same as A·B and no
 * transposed copy of a whole operand is ever made.
 *
 * Only shapes are checked, not values: a finiteness pass over both operands cost 8–21% of the
 * product on the skinny shapes of training (134×13·13×16 … 380×16·16×1), where each input value
 * is used only a handful of times. A NaN or ±Infinity in A or B still shows, by IEEE
 * arithmetic, as non-finite entries of C; data is validated where it enters (the dataset
 * loaders, checkMatrix at the other linalg entry points) and a diverging run is caught by the
 * training loop, which names the epoch.
 */

import { checkShape, outputBuffer } from './check.js';

/** Micro-tile height (rows of A per strip) and width (columns of B per panel). */
const TILE = 4;
/** Depth of one k-block: a 4×256 strip of A (8 KiB) stays in L1 while B panels stream past it. */
const K_BLOCK = 256;
/** Rows of A per packed block: 128×256 doubles (256 KiB) fit in L2. */
const M_BLOCK = 128;

/** Where operand elements live: A(i, p) and B(p, j) as offsets into the caller's arrays. */
export type Layout = 'normal' | 'transposed';

// Scratch buffers reused across calls (single-threaded), grown on demand so the hot path of
// training does not allocate.
let packedA = new Float64Array(M_BLOCK * K_BLOCK);
let packedB = new Float64Array(TILE * K_BLOCK);
const edgeTile = new Float64Array(TILE * TILE);

/**
 * C = A·B with A [m×k] and B [k×n], all row-major. Shapes are checked; values are not (a
 * non-finite entry of A or B propagates into C — see the module comment).
 *
 * @param out - optional C [m×n]; overwritten (not accumulated into) and returned.
 * @returns C [m×n]
 * @example
 * matmul(new Float64Array([1, 2]), new Float64Array([3, 4]), 1, 2, 1); // Float64Array [11]
 */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  checkShape('matmul', 'a', a, m, k);
  checkShape('matmul', 'b', b, k, n);
  return multiply(a, 'normal', b, 'normal', m, k, n, outputBuffer('matmul', out, m, n));
}

/**
 * C = Aᵀ·B with A stored [k×m] and B [k×n], all row-major; no transpose is materialized.
 *
 * @param out - optional C [m×n]; overwritten and returned.
 * @returns C [m×n]
 * @example
 * // A = [1 2] stored 1×2, so Aᵀ·B is the outer product [1;2]·[3 4]
 * matmulTN(new Float64Array([1, 2]), new Float64Array([3, 4]), 2, 1, 2); // [3, 4, 6, 8]
 */
export function matmulTN(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  checkShape('matmulTN', 'a', a, k, m);
  checkShape('matmulTN', 'b', b, k, n);
  return multiply(a, 'transposed', b, 'normal', m, k, n, outputBuffer('matmulTN', out, m, n));
}

/**
 * C = A·Bᵀ with A [m×k] and B stored [n×k], all row-major; no transpose is materialized.
 *
 * @param out - optional C [m×n]; overwritten and returned.
 * @returns C [m×n]
 * @example
 * // rows of A dotted with rows of B
 * matmulNT(new Float64Array([1, 2]), new Float64Array([3, 4, 5, 6]), 1, 2, 2); // [11, 17]
 */
export function matmulNT(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  checkShape('matmulNT', 'a', a, m, k);
  checkShape('matmulNT', 'b', b, n, k);
  return multiply(a, 'normal', b, 'transposed', m, k, n, outputBuffer('matmulNT', out, m, n));
}

/** The blocked driver behind the three public products: C = op(A)·op(B), C overwritten. */
function multiply(
  a: Float64Array, aLayout: Layout, b: Float64Array, bLayout: Layout,
  m: number, k: number, n: number, c: Float64Array,
): Float64Array {
  c.fill(0);
  return multiplyAdd(a, aLayout, b, bLayout, m, k, n, c);
}

/**
 * C += op(A)·op(B), unchecked: for linalg's own blocked algorithms (the eigensolver's
 * divide-and-conquer merges and reflector blocks), whose operands are sized by construction and
 * finite because their input was checked once at the public entry. `c` has row stride n and may
 * be a subarray of a larger matrix with n columns.
 */
export function multiplyAdd(
  a: Float64Array, aLayout: Layout, b: Float64Array, bLayout: Layout,
  m: number, k: number, n: number, c: Float64Array,
): Float64Array {
  if (m === 0 || n === 0 || k === 0) return c;
  const panels = Math.ceil(n / TILE);
  const kBlock = Math.min(k, K_BLOCK);
  if (packedB.length < panels * TILE * kBlock) packedB = new Float64Array(panels * TILE * kBlock);
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const depth = Math.min(K_BLOCK, k - p0);
    packB(b, bLayout, k, n, p0, depth, packedB);
    for (let i0 = 0; i0 < m; i0 += M_BLOCK) {
      const rows = Math.min(M_BLOCK, m - i0);
      packA(a, aLayout, m, k, i0, rows, p0, depth, packedA);
      const strips = Math.ceil(rows / TILE);
      for (let panel = 0; panel < panels; panel++) {
        const j = panel * TILE;
        const cols = Math.min(TILE, n - j);
        for (let strip = 0; strip < strips; strip++) {
          const i = i0 + strip * TILE;
          kernel4x4(depth, packedA, strip * TILE * depth, packedB, panel * TILE * depth, c, i * n + j, n, Math.min(TILE, m - i), cols);
        }
      }
    }
  }
  return c;
}

/**
 * Copies A(i0 : i0+rows, p0 : p0+depth) into `dst` as strips of 4 rows, each strip stored
 * k-major (a0 a1 a2 a3 for p, then for p+1, ...). Rows past the edge are zero-padded so the
 * kernel never branches inside its loop.
 */
function packA(a: Float64Array, layout: Layout, m: number, k: number, i0: number, rows: number, p0: number, depth: number, dst: Float64Array): void {
  let at = 0;
  for (let s = 0; s < rows; s += TILE) {
    for (let r = 0; r < TILE; r++) {
      const i = i0 + s + r;
      let w = at + r;
      if (s + r >= rows) {
        for (let p = 0; p < depth; p++, w += TILE) dst[w] = 0;
      } else if (layout === 'normal') {
        // A(i, p) = a[i·k + p]: reading along the row is sequential.
        for (let p = 0, src = i * k + p0; p < depth; p++, w += TILE) dst[w] = a[src + p]!;
      } else {
        // A(i, p) = a[p·m + i]: A is stored k×m.
        for (let p = 0, src = p0 * m + i; p < depth; p++, w += TILE, src += m) dst[w] = a[src]!;
      }
    }
    at += TILE * depth;
  }
}

/** Copies B(p0 : p0+depth, all columns) into `dst` as panels of 4 columns, each stored k-major. */
function packB(b: Float64Array, layout: Layout, k: number, n: number, p0: number, depth: number, dst: Float64Array): void {
  let at = 0;
  for (let j0 = 0; j0 < n; j0 += TILE) {
    for (let cIdx = 0; cIdx < TILE; cIdx++) {
      const j = j0 + cIdx;
      let w = at + cIdx;
      if (j >= n) {
        for (let p = 0; p < depth; p++, w += TILE) dst[w] = 0;
      } else if (layout === 'normal') {
        // B(p, j) = b[p·n + j]
        for (let p = 0, src = p0 * n + j; p < depth; p++, w += TILE, src += n) dst[w] = b[src]!;
      } else {
        // B(p, j) = b[j·k + p]: B stored n×k, so the column of B is a contiguous row.
        for (let p = 0, src = j * k + p0; p < depth; p++, w += TILE) dst[w] = b[src + p]!;
      }
    }
    at += TILE * depth;
  }
}

/**
 * C(tile) += Astrip · Bpanel over `depth` steps, for a rows×cols (≤ 4×4) tile at c[cAt] with
 * row stride ldc. The 16 sums live in locals so the loop body is 8 loads and 16 multiply-adds.
 */
function kernel4x4(
  depth: number, pa: Float64Array, aAt: number, pb: Float64Array, bAt: number,
  c: Float64Array, cAt: number, ldc: number, rows: number, cols: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = aAt + depth * TILE;
  for (let ia = aAt, ib = bAt; ia < end; ia += TILE, ib += TILE) {
    const a0 = pa[ia]!, a1 = pa[ia + 1]!, a2 = pa[ia + 2]!, a3 = pa[ia + 3]!;
    const b0 = pb[ib]!, b1 = pb[ib + 1]!, b2 = pb[ib + 2]!, b3 = pb[ib + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === TILE && cols === TILE) {
    let at = cAt;
    c[at] += c00; c[at + 1] += c01; c[at + 2] += c02; c[at + 3] += c03; at += ldc;
    c[at] += c10; c[at + 1] += c11; c[at + 2] += c12; c[at + 3] += c13; at += ldc;
    c[at] += c20; c[at + 1] += c21; c[at + 2] += c22; c[at + 3] += c23; at += ldc;
    c[at] += c30; c[at + 1] += c31; c[at + 2] += c32; c[at + 3] += c33;
    return;
  }
  // Edge tile: the padded sums are zero, only the in-range ones are written back.
  const tile = edgeTile;
  tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
  tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
  tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
  tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) c[cAt + r * ldc + q] += tile[r * TILE + q]!;
  }
}

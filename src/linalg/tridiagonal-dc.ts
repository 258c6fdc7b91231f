/**
 * Eigendecomposition of a symmetric tridiagonal matrix by divide and conquer (Cuppen 1981, with
 * the deflation and Löwner vectors of Gu & Eisenstat 1995; the plan of LAPACK's dstedc).
 *
 * T is torn in two at its middle coupling β: T = diag(T1, T2) + |β|·u·uᵀ with u = e_last(T1) ±
 * e_first(T2) (and |β| taken off the two diagonal entries it adds to). Each half is solved
 * recursively, T_i = Q_i·Λ_i·Q_iᵀ, which leaves the rank-one problem D + ρ·z·zᵀ with z the
 * last row of Q1 and the first row of Q2. Its eigenvectors U are cheap (secular.ts); the
 * merged eigenvectors are diag(Q1, Q2)·U, a matrix product — which is where the time goes and
 * why this beats applying QL's O(n³) rotations one by one: the product runs in the packed
 * matmul kernel. Deflation removes components whose z is negligible or whose eigenvalue
 * nearly repeats another; random matrices deflate a good share, clustered spectra most.
 */

import { multiplyAdd } from './matmul.js';
import { type SecularSolution, secularVectors, solveSecular } from './secular.js';
import { tridiagonalQL } from './tridiagonal-ql.js';

/** Blocks up to this size are solved by QL directly (LAPACK's SMLSIZ is 25). */
const LEAF_SIZE = 32;

/** Which rows of the merged block a column can be non-zero in: Q1's, Q2's, or both. */
const TOP = 1, BOTTOM = 2;

/**
 * Eigenpairs of the tridiagonal T with diagonal `d` and couplings `e` (e[i] links i and i+1),
 * both destroyed. On return d[j] is an eigenvalue (unordered) and column j of the returned
 * row-major n×n matrix its unit eigenvector.
 */
export function tridiagonalEigen(d: Float64Array, e: Float64Array, n: number): Float64Array {
  const vectors = new Float64Array(n * n);
  solveBlock(d, e, vectors, n, 0, n);
  return vectors;
}

/** Solves the diagonal block start..start+size of T into the same block of `vectors`. */
function solveBlock(d: Float64Array, e: Float64Array, vectors: Float64Array, n: number, start: number, size: number): void {
  if (size <= LEAF_SIZE) { solveLeaf(d, e, vectors, n, start, size); return; }
  const top = size >> 1;
  const beta = e[start + top - 1]!;
  d[start + top - 1] -= Math.abs(beta);
  d[start + top] -= Math.abs(beta);
  solveBlock(d, e, vectors, n, start, top);
  solveBlock(d, e, vectors, n, start + top, size - top);
  merge(d, vectors, n, start, top, size, beta);
}

/** QL on an identity basis, written transposed into the block (QL keeps vectors as rows). */
function solveLeaf(d: Float64Array, e: Float64Array, vectors: Float64Array, n: number, start: number, size: number): void {
  const values = d.slice(start, start + size), couplings = e.slice(start, start + size);
  const basis = new Float64Array(size * size);
  for (let i = 0; i < size; i++) basis[i * size + i] = 1;
  tridiagonalQL(values, couplings, basis, size);
  d.set(values, start);
  for (let k = 0; k < size; k++) {
    for (let i = 0; i < size; i++) vectors[(start + i) * n + start + k] = basis[k * size + i]!;
  }
}

/**
 * Merges the solved halves of block start..start+size (the top one `top` wide) across the
 * coupling beta. Deflated columns stay where they are with their (possibly rotated) vectors;
 * the k others are replaced by the merged vectors, in the same slots.
 */
function merge(d: Float64Array, vectors: Float64Array, n: number, start: number, top: number, size: number, beta: number): void {
  // z = (last row of Q1, ±first row of Q2)/√2 and ρ = 2|β|, so that ‖z‖ = 1.
  const z = new Float64Array(size);
  const sign = beta < 0 ? -Math.SQRT1_2 : Math.SQRT1_2;
  for (let c = 0; c < size; c++) {
    z[c] = c < top ? vectors[(start + top - 1) * n + start + c]! * Math.SQRT1_2 : vectors[(start + top) * n + start + c]! * sign;
  }
  const rho = 2 * Math.abs(beta);
  const values = d.slice(start, start + size);
  const rows = new Uint8Array(size).fill(TOP, 0, top).fill(BOTTOM, top);
  const kept = deflate(values, z, rho, vectors, n, start, top, rows);
  d.set(values, start);
  const k = kept.length;
  if (k === 0) return;
  const keptValues = new Float64Array(k), keptZ = new Float64Array(k);
  for (let i = 0; i < k; i++) { keptValues[i] = values[kept[i]!]!; keptZ[i] = z[kept[i]!]!; }
  const solution = solveSecular(keptValues, keptZ, rho, k);
  mergeVectors(keptValues, keptZ, solution, kept, rows, vectors, n, start, top, size);
  for (let j = 0; j < k; j++) d[start + kept[j]!] = solution.roots[j]!;
}

/**
 * Gu–Eisenstat deflation in ascending order of the values. A column deflates — its value and
 * vector are already an eigenpair of the merged block to rounding — when ρ·|z_c| is below the
 * tolerance, or when its value is so close to the previous kept one that a rotation of the
 * two columns, zeroing this z, perturbs the matrix by less than the tolerance.
 * @returns the kept columns (block-relative), by ascending value.
 */
function deflate(
  values: Float64Array, z: Float64Array, rho: number, vectors: Float64Array, n: number,
  start: number, top: number, rows: Uint8Array,
): number[] {
  const size = values.length;
  let largestValue = 0, largestZ = 0;
  for (let c = 0; c < size; c++) {
    largestValue = Math.max(largestValue, Math.abs(values[c]!));
    largestZ = Math.max(largestZ, Math.abs(z[c]!));
  }
  const tolerance = 8 * Number.EPSILON * Math.max(largestValue, largestZ);
  const kept: number[] = [];
  if (rho * largestZ <= tolerance) return kept;
  const order = Array.from({ length: size }, (_, c) => c).sort((x, y) => values[x]! - values[y]!);
  let previous = -1; // the last column not (yet) deflated
  for (const c of order) {
    if (rho * Math.abs(z[c]!) <= tolerance) continue;
    if (previous < 0) { previous = c; continue; }
    const tau = Math.hypot(z[c]!, z[previous]!);
    const cosine = z[c]! / tau, sine = -z[previous]! / tau;
    if (Math.abs((values[c]! - values[previous]!) * cosine * sine) <= tolerance) {
      z[c] = tau; z[previous] = 0;
      rotateColumns(vectors, n, start, top, values.length, previous, c, cosine, sine, rows[previous]! | rows[c]!);
      rows[previous] = rows[c] = rows[previous]! | rows[c]!;
      const vp = values[previous]!, vc = values[c]!;
      values[previous] = vp * cosine * cosine + vc * sine * sine;
      values[c] = vp * sine * sine + vc * cosine * cosine;
    } else {
      kept.push(previous);
    }
    previous = c;
  }
  if (previous >= 0) kept.push(previous);
  return kept;
}

/** Columns x, y of the block ← (c·x + s·y, c·y − s·x), over the rows they can be non-zero in. */
function rotateColumns(
  vectors: Float64Array, n: number, start: number, top: number, size: number,
  x: number, y: number, c: number, s: number, rows: number,
): void {
  const from = rows & TOP ? 0 : top, to = rows & BOTTOM ? size : top;
  for (let r = from; r < to; r++) {
    const at = (start + r) * n + start, vx = vectors[at + x]!, vy = vectors[at + y]!;
    vectors[at + x] = c * vx + s * vy;
    vectors[at + y] = c * vy - s * vx;
  }
}

/**
 * Replaces the kept columns by diag(Q1, Q2)·U. Columns are ordered Q1-only, mixed, Q2-only (U's
 * rows to match), so the top rows need only the first two groups and the bottom rows only the
 * last two: two products of (rows × used columns)·(used columns × k), not one full one.
 */
function mergeVectors(
  keptValues: Float64Array, keptZ: Float64Array, solution: SecularSolution, kept: number[], rows: Uint8Array,
  vectors: Float64Array, n: number, start: number, top: number, size: number,
): void {
  const k = kept.length;
  const grouped = [TOP, TOP | BOTTOM, BOTTOM].flatMap((kind) => kept.map((_, i) => i).filter((i) => rows[kept[i]!] === kind));
  const rowOf = new Int32Array(k);
  grouped.forEach((i, position) => { rowOf[i] = position; });
  const u = new Float64Array(k * k);
  secularVectors(keptValues, keptZ, solution, k, rowOf, u);
  const topOnly = grouped.filter((i) => rows[kept[i]!] === TOP).length;
  const bottomOnly = grouped.filter((i) => rows[kept[i]!] === BOTTOM).length;
  const topUsed = k - bottomOnly, bottomFrom = topOnly; // U rows [0, topUsed) and [bottomFrom, k)
  const upper = product(vectors, n, start, 0, top, grouped.slice(0, topUsed), kept, u.subarray(0, topUsed * k), k);
  const lower = product(vectors, n, start, top, size, grouped.slice(bottomFrom), kept, u.subarray(bottomFrom * k), k);
  for (let r = 0; r < size; r++) {
    const source = r < top ? upper : lower, sourceRow = (r < top ? r : r - top) * k;
    const at = (start + r) * n + start;
    for (let j = 0; j < k; j++) vectors[at + kept[j]!] = source[sourceRow + j]!;
  }
}

/** Block rows rowFrom..rowTo of the columns kept[i], i in `which`, gathered and times uRows. */
function product(
  vectors: Float64Array, n: number, start: number, rowFrom: number, rowTo: number,
  which: number[], kept: number[], uRows: Float64Array, k: number,
): Float64Array {
  const height = rowTo - rowFrom, width = which.length;
  const gathered = new Float64Array(height * width);
  for (let r = 0; r < height; r++) {
    const at = (start + rowFrom + r) * n + start;
    for (let c = 0; c < width; c++) gathered[r * width + c] = vectors[at + kept[which[c]!]!]!;
  }
  return multiplyAdd(gathered, 'normal', uRows, 'normal', height, width, k, new Float64Array(height * k));
}

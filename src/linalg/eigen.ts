/**
 * Symmetric eigendecomposition: Householder tridiagonalization, then implicit QL with Wilkinson
 * shifts (the EISPACK tred2/tql2 pair, as in JAMA and ml-matrix), re-laid out for flat
 * row-major storage.
 *
 * Layout, which is where the speed comes from:
 * - The reduction works from the last row upwards on the LOWER triangle only, so the vector
 *   it annihilates (row i, columns 0..i-1) and every row it updates are contiguous runs.
 * - Eigenvectors are accumulated TRANSPOSED: row k of `basis` is the k-th vector. A QL
 *   rotation mixes two columns of V, which in row-major would be a stride-n walk down the
 *   matrix; on the transpose it mixes two adjacent rows, a sequential scan.
 * Only at the very end is the basis transposed into the documented column layout.
 */

import { symmetrize } from './basics.js';
import { checkMatrix } from './check.js';

/** Eigenvalues (descending) and unit eigenvectors (column k belongs to values[k]) of a symmetric matrix. */
export interface SymmetricEigen {
  /** λ1 ≥ λ2 ≥ … ≥ λn. */
  readonly values: Float64Array;
  /** Row-major n×n; column k is the unit eigenvector of values[k]. The columns are orthonormal. */
  readonly vectors: Float64Array;
}

/** Asymmetry tolerated (relative to the largest |entry|) before symmetricEigen refuses the input. */
const SYMMETRY_TOLERANCE = 1e-10;
/** QL iterations allowed per eigenvalue; it converges in ~2, so hitting this means bad input. */
const MAX_ITERATIONS = 60;

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
  const basis = tridiagonalize(work, n, diagonal, offDiagonal);
  diagonalizeTridiagonal(diagonal, offDiagonal, basis, n);
  for (let k = 0; k < n; k++) diagonal[k] *= scale;
  return sortDescending(diagonal, basis, n);
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
 * between i-1 and i in `offDiagonal[i]`) and returns Qᵀ, row-major.
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
  return accumulateReflectors(work, norms, n);
}

/**
 * Qᵀ = H_2·H_3·…·H_{n−1}, built by right-multiplying in that order. Before step i the product
 * only differs from I in its leading (i−1)×(i−1) block, so step i touches an i×i block:
 * t = M·v by row dot products, then M −= t·vᵀ/h row by row (both sequential scans). Rows go
 * in fours so each load of v feeds four independent sums (a single running sum is bound by
 * the latency of one add per element).
 */
function accumulateReflectors(work: Float64Array, norms: Float64Array, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  for (let i = 2; i < n; i++) {
    const h = norms[i]!;
    if (h === 0) continue;
    const v = i * n;
    let r = 0;
    for (; r + 3 < i; r += 4) {
      const r0 = r * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let q = 0; q < i; q++) {
        const vq = work[v + q]!;
        t0 += m[r0 + q]! * vq; t1 += m[r1 + q]! * vq; t2 += m[r2 + q]! * vq; t3 += m[r3 + q]! * vq;
      }
      t0 /= h; t1 /= h; t2 /= h; t3 /= h;
      for (let q = 0; q < i; q++) {
        const vq = work[v + q]!;
        m[r0 + q] -= t0 * vq; m[r1 + q] -= t1 * vq; m[r2 + q] -= t2 * vq; m[r3 + q] -= t3 * vq;
      }
    }
    for (; r < i; r++) {
      const r0 = r * n;
      let t = 0;
      for (let q = 0; q < i; q++) t += m[r0 + q]! * work[v + q]!;
      t /= h;
      for (let q = 0; q < i; q++) m[r0 + q] -= t * work[v + q]!;
    }
  }
  return m;
}

/**
 * Implicit QL with Wilkinson shifts on the tridiagonal (diagonal, offDiagonal), in place:
 * `diagonal` ends as the eigenvalues and every rotation is applied to the rows of `basis`.
 */
function diagonalizeTridiagonal(d: Float64Array, e: Float64Array, basis: Float64Array, n: number): void {
  // Shift the couplings so e[i] links i and i+1, as the QL loop expects.
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  const eps = Number.EPSILON;
  let shiftTotal = 0;
  let scale = 0;
  // The rotations of one sweep depend only on d and e, so they are recorded first and applied
  // to the basis afterwards, two at a time (see applyRotations).
  const cosines = new Float64Array(n), sines = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    scale = Math.max(scale, Math.abs(d[l]!) + Math.abs(e[l]!));
    // The block l..m is unreduced: find the first negligible coupling at or after l.
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * scale) m++;
    let iterations = 0;
    while (m > l) {
      if (++iterations > MAX_ITERATIONS) {
        throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} after ${MAX_ITERATIONS} sweeps`);
      }
      // Wilkinson shift from the leading 2×2 of the block.
      let g = d[l]!;
      let p = (d[l + 1]! - g) / (2 * e[l]!);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l]! / (p + r);
      d[l + 1] = e[l]! * (p + r);
      const dl1 = d[l + 1]!;
      let h = g - d[l]!;
      for (let i = l + 2; i < n; i++) d[i] -= h;
      shiftTotal += h;
      // Chase the bulge from m up to l with plane rotations.
      p = d[m]!;
      let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
      const el1 = e[l + 1]!;
      for (let i = m - 1; i >= l; i--) {
        c3 = c2; c2 = c; s2 = s;
        g = c * e[i]!;
        h = c * p;
        r = Math.hypot(p, e[i]!);
        e[i + 1] = s * r;
        s = e[i]! / r;
        c = p / r;
        p = c * d[i]! - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]!);
        cosines[i] = c; sines[i] = s;
      }
      applyRotations(basis, n, l, m, cosines, sines);
      p = -s * s2 * c3 * el1 * e[l]! / dl1;
      e[l] = s * p;
      d[l] = c * p;
      if (!(Math.abs(e[l]!) > eps * scale)) break;
    }
    d[l] += shiftTotal;
    e[l] = 0;
  }
}

/**
 * Applies the sweep's rotations i = m−1 down to l, rotation i mixing basis rows i and i+1
 * (adjacent in memory, so each is a sequential pass). Consecutive rotations share a row, so
 * they go in pairs: rows i+1, i, i−1 are read and written once for two rotations.
 */
function applyRotations(basis: Float64Array, n: number, l: number, m: number, cosines: Float64Array, sines: Float64Array): void {
  let i = m - 1;
  for (; i - 1 >= l; i -= 2) {
    const c0 = cosines[i]!, s0 = sines[i]!, c1 = cosines[i - 1]!, s1 = sines[i - 1]!;
    const below = (i + 1) * n, middle = i * n, above = middle - n;
    for (let k = 0; k < n; k++) {
      const x = basis[middle + k]!, y = basis[below + k]!;
      basis[below + k] = s0 * x + c0 * y;
      const carried = c0 * x - s0 * y;
      const z = basis[above + k]!;
      basis[middle + k] = s1 * z + c1 * carried;
      basis[above + k] = c1 * z - s1 * carried;
    }
  }
  if (i === l) {
    const c = cosines[i]!, s = sines[i]!, at = i * n, next = at + n;
    for (let k = 0; k < n; k++) {
      const x = basis[at + k]!, y = basis[next + k]!;
      basis[next + k] = s * x + c * y;
      basis[at + k] = c * x - s * y;
    }
  }
}

/** Orders eigenpairs by descending value and transposes the basis rows into columns. */
function sortDescending(values: Float64Array, basis: Float64Array, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const sorted = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const from = order[k]!;
    sorted[k] = values[from]!;
    const row = from * n;
    for (let i = 0; i < n; i++) vectors[i * n + k] = basis[row + i]!;
  }
  return { values: sorted, vectors };
}

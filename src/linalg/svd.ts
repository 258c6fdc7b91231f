/**
 * Thin singular value decomposition by one-sided (Hestenes) Jacobi, and the pseudo-inverse.
 *
 * One-sided Jacobi rotates pairs of columns of A until all are mutually orthogonal; their norms
 * are then the singular values. It is slower than Golub–Kahan but computes small singular
 * values to high RELATIVE accuracy, which is what ill-conditioned Hessians need.
 *
 * Layout: the columns being rotated are stored as ROWS of a work matrix (the transpose of A
 * when A is tall, A itself when it is wide), so each rotation and each dot product is a
 * sequential scan over two rows, and V is accumulated the same way (transposed).
 */

import { checkMatrix } from './check.js';
import { matmulNT } from './matmul.js';

/** A = U·diag(s)·Vᵀ with r = min(m, n). */
export interface SingularValueDecomposition {
  /** Row-major m×r; orthonormal columns. */
  readonly u: Float64Array;
  /** r singular values, descending, non-negative. */
  readonly s: Float64Array;
  /** Row-major n×r; orthonormal columns. */
  readonly v: Float64Array;
  /** Number of singular values > relativeTolerance·s_max (default max(m, n)·ε). */
  rank(relativeTolerance?: number): number;
}

/** Sweeps allowed; Jacobi converges quadratically, so ~10 is typical and this is only a guard. */
const MAX_SWEEPS = 60;

/**
 * Thin SVD of any m×n matrix A (row-major).
 *
 * @example
 * const { s, rank } = svd(new Float64Array([3, 0, 0, -2]), 2, 2);
 * // s = [3, 2]; rank() = 2
 */
export function svd(a: Float64Array, m: number, n: number): SingularValueDecomposition {
  checkMatrix('svd', 'a', a, m, n);
  const tall = m >= n;
  const r = Math.min(m, n), length = Math.max(m, n);
  // Work on the r columns of the tall orientation (A if m ≥ n, else Aᵀ), stored as rows.
  const work = new Float64Array(r * length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]!));
  // Scale to max |entry| = 1 so squared norms can neither overflow nor underflow.
  const scale = largest > 0 ? largest : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i * n + j]! / scale;
      if (tall) work[j * m + i] = x; else work[i * n + j] = x;
    }
  }
  const rotations = orthogonalizeRows(work, r, length);
  const { values, order } = rowNorms(work, r, length);
  const long = normalizedRows(work, values, order, r, length); // length×r, the tall side's factor
  const short = new Float64Array(r * r); // r×r, the small side's factor
  for (let k = 0; k < r; k++) {
    const from = order[k]! * r;
    for (let i = 0; i < r; i++) short[i * r + k] = rotations[from + i]!;
  }
  const s = new Float64Array(r);
  for (let k = 0; k < r; k++) s[k] = values[order[k]!]! * scale;
  const u = tall ? long : short, v = tall ? short : long;
  return {
    u, s, v,
    rank(relativeTolerance = Math.max(m, n) * Number.EPSILON): number {
      const cutoff = relativeTolerance * (s[0] ?? 0);
      let count = 0;
      while (count < r && s[count]! > cutoff) count++;
      return count;
    },
  };
}

/**
 * A⁺ [n×m], the Moore–Penrose pseudo-inverse of A [m×n]: V·diag(1/s)·Uᵀ over the singular
 * values s > tol·s_max; the others are treated as exactly zero.
 *
 * @param tol - relative cutoff; defaults to max(m, n)·ε (as NumPy and MATLAB do).
 * @example
 * pinv(new Float64Array([1, 1, 1, 1]), 2, 2); // [0.25, 0.25, 0.25, 0.25]
 */
export function pinv(a: Float64Array, m: number, n: number, tol: number = Math.max(m, n) * Number.EPSILON): Float64Array {
  if (!(tol >= 0)) throw new RangeError(`pinv: tol must be a non-negative number, got ${tol}`);
  const { u, s, v, rank } = svd(a, m, n);
  const r = s.length, kept = rank(tol);
  // V_kept·diag(1/s) (n×kept) times U_kept (m×kept) transposed.
  const scaledV = new Float64Array(n * kept);
  const keptU = new Float64Array(m * kept);
  for (let i = 0; i < n; i++) for (let k = 0; k < kept; k++) scaledV[i * kept + k] = v[i * r + k]! / s[k]!;
  for (let i = 0; i < m; i++) for (let k = 0; k < kept; k++) keptU[i * kept + k] = u[i * r + k]!;
  return matmulNT(scaledV, keptU, n, kept, m);
}

/**
 * Rotates pairs of rows of `work` [r×length] until every pair is orthogonal to working
 * precision; returns the accumulated rotations R [r×r] (row i tracks row i of work).
 */
function orthogonalizeRows(work: Float64Array, r: number, length: number): Float64Array {
  const rotations = new Float64Array(r * r);
  for (let i = 0; i < r; i++) rotations[i * r + i] = 1;
  const tolerance = length * Number.EPSILON;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let i = 0; i < r - 1; i++) {
      for (let j = i + 1; j < r; j++) {
        const gi = i * length, gj = j * length;
        let alpha = 0, beta = 0, gamma = 0;
        for (let k = 0; k < length; k++) {
          const x = work[gi + k]!, y = work[gj + k]!;
          alpha += x * x; beta += y * y; gamma += x * y;
        }
        // Already orthogonal (relative to their lengths), or one of them is exactly zero.
        if (!(Math.abs(gamma) > tolerance * Math.sqrt(alpha) * Math.sqrt(beta))) continue;
        rotated = true;
        // The rotation that zeroes gamma; the smaller root t keeps |angle| ≤ π/4 (stable).
        const zeta = (beta - alpha) / (2 * gamma);
        const root = Math.abs(zeta) > 1 ? Math.abs(zeta) * Math.sqrt(1 + 1 / (zeta * zeta)) : Math.sqrt(1 + zeta * zeta);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + root);
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotatePair(work, gi, gj, length, c, s);
        rotatePair(rotations, i * r, j * r, r, c, s);
      }
    }
    if (!rotated) break;
  }
  return rotations;
}

/** (row x, row y) ← (c·x − s·y, s·x + c·y), both rows contiguous. */
function rotatePair(data: Float64Array, x: number, y: number, length: number, c: number, s: number): void {
  for (let k = 0; k < length; k++) {
    const p = data[x + k]!, q = data[y + k]!;
    data[x + k] = c * p - s * q;
    data[y + k] = s * p + c * q;
  }
}

/** Euclidean norms of the rows, and the row order that sorts them descending. */
function rowNorms(work: Float64Array, r: number, length: number): { values: Float64Array; order: number[] } {
  const values = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    let sum = 0;
    for (let k = 0; k < length; k++) sum += work[i * length + k]! ** 2;
    values[i] = Math.sqrt(sum);
  }
  const order = Array.from({ length: r }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  return { values, order };
}

/**
 * The rows of `work` divided by their norms, in `order`, written as the COLUMNS of a
 * length×r matrix. Rows that are exactly zero (null directions) get unit vectors orthogonal
 * to all others instead, so the factor always has orthonormal columns.
 */
function normalizedRows(work: Float64Array, norms: Float64Array, order: number[], r: number, length: number): Float64Array {
  const columns: Float64Array[] = [];
  for (const from of order) {
    const norm = norms[from]!;
    columns.push(norm > 0 ? work.subarray(from * length, (from + 1) * length).map((x) => x / norm) : orthogonalComplementVector(columns, length));
  }
  const out = new Float64Array(length * r);
  for (let k = 0; k < r; k++) {
    const col = columns[k]!;
    for (let i = 0; i < length; i++) out[i * r + k] = col[i]!;
  }
  return out;
}

/**
 * A unit vector orthogonal to the given orthonormal `basis` (fewer than `length` vectors):
 * the standard basis vector with the largest component outside span(basis), orthogonalized
 * twice (classical Gram–Schmidt loses orthogonality once; twice is enough).
 */
function orthogonalComplementVector(basis: Float64Array[], length: number): Float64Array {
  let best = new Float64Array(length), bestNorm = -1;
  // The mean squared residual over all e_t is (length − basis.length)/length, so one of at
  // least half of that turns up quickly; the full scan is only a fallback.
  const goodEnough = (length - basis.length) / (2 * length);
  for (let t = 0; t < length; t++) {
    const x = new Float64Array(length);
    x[t] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < length; i++) dot += b[i]! * x[i]!;
        for (let i = 0; i < length; i++) x[i] -= dot * b[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < length; i++) norm += x[i]! * x[i]!;
    norm = Math.sqrt(norm);
    if (norm > bestNorm) { best = x; bestNorm = norm; }
    if (norm * norm >= goodEnough) break;
  }
  for (let i = 0; i < length; i++) best[i] /= bestNorm;
  return best;
}

/**
 * Eigenpairs of a rank-one update D + ρ·z·zᵀ (D diagonal, ρ > 0): the core of the
 * divide-and-conquer merge.
 *
 * The eigenvalues are the roots of the secular equation f(λ) = 1/ρ + Σ z_i²/(d_i − λ) = 0, one
 * in each gap (d_j, d_{j+1}) and the last in (d_{k−1}, d_{k−1} + ρ·‖z‖²). Two details carry
 * the accuracy (Gu & Eisenstat 1995; LAPACK dlaed4/dlaed3):
 * - Each root is found as λ = o + τ with the origin o the nearer pole, and the differences
 *   d_i − λ are kept as (d_i − o) − τ, so a root close to its pole still has a small
 *   difference with full relative accuracy.
 * - The vectors are built from a ẑ recomputed from the computed roots (Löwner's formula),
 *   for which they are the exact eigenvectors of a nearby problem, so they come out
 *   orthogonal to working precision however clustered the roots are.
 */

/** Iterations per root before giving up on the rational step and bisecting to the end. */
const RATIONAL_ITERATIONS = 40;
/** Hard stop per root; bisection from any bracket reaches the float resolution well before. */
const MAX_ITERATIONS = 1200;

/** Roots of the secular equation and the differences d_i − λ_j that the vectors are built from. */
export interface SecularSolution {
  /** λ_j, ascending. */
  readonly roots: Float64Array;
  /** k×k row-major; row j holds d_i − λ_j for i = 0..k−1, each to full relative accuracy. */
  readonly differences: Float64Array;
}

/**
 * Solves 1/ρ + Σ z_i²/(d_i − λ) = 0 for the k roots, given strictly ascending d, ρ > 0 and no
 * z_i negligible (the caller deflates those first).
 */
export function solveSecular(d: Float64Array, z: Float64Array, rho: number, k: number): SecularSolution {
  const roots = new Float64Array(k);
  const differences = new Float64Array(k * k);
  let zz = 0;
  for (let i = 0; i < k; i++) zz += z[i]! * z[i]!;
  for (let j = 0; j < k; j++) {
    const row = differences.subarray(j * k, (j + 1) * k);
    roots[j] = solveRoot(d, z, rho, zz, k, j, row);
  }
  return { roots, differences };
}

/**
 * Root j, returned as a value, with `diff` (length k) filled with d_i − λ_j.
 *
 * Safeguarded iteration on τ = λ − o: a bracket [lo, hi] around the root shrinks with the sign
 * of f at each iterate; each step is the root of a model that keeps the two poles nearest the
 * root exact and matches the rest of f in value and slope (Li's "middle way"), which converges
 * in a handful of steps; a step leaving the bracket is replaced by bisection.
 */
function solveRoot(d: Float64Array, z: Float64Array, rho: number, zz: number, k: number, j: number, diff: Float64Array): number {
  const last = j === k - 1;
  if (k === 1) {
    const tau = rho * z[0]! * z[0]!;
    diff[0] = -tau;
    return d[0]! + tau;
  }
  // The two poles of the model: the gap's ends, or for the last root the top two poles.
  const p = last ? k - 2 : j, q = p + 1;
  let origin: number, lo: number, hi: number;
  if (last) {
    origin = d[j]!; lo = 0; hi = rho * zz;
  } else {
    // The sign of f at the middle of the gap says which half holds the root; use that
    // half's end as the origin, so the root's distance to it is held exactly.
    const gap = d[j + 1]! - d[j]!;
    const half = gap / 2;
    let f = 1 / rho;
    for (let i = 0; i < k; i++) f += z[i]! * z[i]! / ((d[i]! - d[j]!) - half);
    if (f >= 0) { origin = d[j]!; lo = 0; hi = half; } else { origin = d[j + 1]!; lo = -half; hi = 0; }
  }
  for (let i = 0; i < k; i++) diff[i] = d[i]! - origin;
  let tau = (lo + hi) / 2;
  const rhoInverse = 1 / rho;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // f and the slopes of its two halves ψ (poles ≤ p, all behind the root) and φ (the rest).
    let psi = 0, dpsi = 0, phi = 0, dphi = 0;
    for (let i = 0; i <= p; i++) {
      const t = z[i]! / (diff[i]! - tau);
      psi += z[i]! * t; dpsi += t * t;
    }
    for (let i = q; i < k; i++) {
      const t = z[i]! / (diff[i]! - tau);
      phi += z[i]! * t; dphi += t * t;
    }
    const f = rhoInverse + psi + phi;
    // Rounding bound on f, summed as it was (LAPACK's erretm, simplified).
    const bound = Number.EPSILON * (8 * (rhoInverse + Math.abs(psi) + Math.abs(phi)) + Math.abs(tau) * (dpsi + dphi));
    if (Math.abs(f) <= bound) break;
    if (f < 0) lo = tau; else hi = tau;
    let next = iteration < RATIONAL_ITERATIONS ? tau + modelStep(diff[p]! - tau, diff[q]! - tau, f, dpsi, dphi, last) : NaN;
    if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
    if (next === tau || next <= lo || next >= hi) break; // the bracket is down to adjacent floats
    tau = next;
  }
  for (let i = 0; i < k; i++) diff[i] = diff[i]! - tau;
  return origin + tau;
}

/**
 * Step x to the root of the model c + s/(δp − x) + S/(δq − x), whose pole weights s = δp²·ψ′,
 * S = δq²·φ′ and constant c match f and f′ at the current point (δ = d − λ at the two poles).
 * Between the poles the wanted root is the middle one; for the last root it is the one right
 * of both. Each root is taken in the form that avoids cancellation.
 */
function modelStep(deltaP: number, deltaQ: number, f: number, dpsi: number, dphi: number, last: boolean): number {
  const s = deltaP * deltaP * dpsi, S = deltaQ * deltaQ * dphi;
  const c = f - deltaP * dpsi - deltaQ * dphi;
  const a = c * (deltaP + deltaQ) + s + S;
  const b = c * deltaP * deltaQ + s * deltaQ + S * deltaP;
  // c·x² − a·x + b = 0
  if (c === 0) return b / a;
  const root = Math.sqrt(Math.abs(a * a - 4 * b * c));
  if (!last) return a <= 0 ? (a - root) / (2 * c) : (2 * b) / (a + root);
  return a >= 0 ? (a + root) / (2 * c) : (2 * b) / (a - root);
}

/**
 * The k×k matrix of unit eigenvectors of D + ρ·z·zᵀ from its solution: vector j has components
 * ẑ_i/(d_i − λ_j), normalized, where ẑ is the z for which the computed roots are exact
 * (Löwner): ẑ_i² ∝ −∏_j (d_i − λ_j) / ∏_{j≠i} (d_i − d_j), signed like z_i. Written row-major
 * into `out` with component i in row rowOf[i], so the caller can group rows as it needs.
 */
export function secularVectors(d: Float64Array, z: Float64Array, solution: SecularSolution, k: number, rowOf: Int32Array, out: Float64Array): void {
  const { differences } = solution;
  const zHat = new Float64Array(k);
  for (let i = 0; i < k; i++) zHat[i] = differences[i * k + i]!;
  // Accumulated one ratio at a time, each of order one, so the product neither overflows nor
  // underflows the way the two products taken separately could.
  for (let j = 0; j < k; j++) {
    const row = j * k, dj = d[j]!;
    for (let i = 0; i < k; i++) if (i !== j) zHat[i] *= differences[row + i]! / (d[i]! - dj);
  }
  for (let i = 0; i < k; i++) zHat[i] = Math.sqrt(Math.max(0, -zHat[i]!)) * (z[i]! < 0 ? -1 : 1);
  for (let j = 0; j < k; j++) {
    const row = j * k;
    let norm = 0;
    for (let i = 0; i < k; i++) { const x = zHat[i]! / differences[row + i]!; norm += x * x; }
    const inverse = 1 / Math.sqrt(norm);
    for (let i = 0; i < k; i++) out[rowOf[i]! * k + j] = (zHat[i]! / differences[row + i]!) * inverse;
  }
}

/**
 * The cluster of smallest eigenvalues of a symmetric positive-definite A — those within a
 * tolerance of the smallest — with its eigenvectors, the next eigenvalues, and first-order
 * bounds on how much a perturbation of A can move the diagonal of the cluster's eigenspace
 * projector. Built on {@link lowestEigenpairs}: a block that grows until it holds the cluster,
 * the next eigenvalue and a few guard vectors.
 */

import type { CholeskyFactor } from './cholesky.js';
import { lowestEigenpairs, type LowestEigenpairs } from './extreme-eigen.js';

/** Options of {@link lowestCluster}. */
export interface LowestClusterOptions {
  /** Eigenvalues within this of the smallest form the cluster. */
  readonly tolerance: number;
  /** λ_max (an estimate): sets the residual targets ε·λ_max and 64·ε·λ_max·√n. */
  readonly largest: number;
  /**
   * The perturbation a backward-stable decomposition of A commits (about ε·‖A‖_F). When the
   * gap above the cluster is below `rounding / maxSine`, the search stops and reports it: the
   * cluster's eigenspace is then uncertain to sin θ > maxSine anyway.
   */
  readonly rounding: number;
  readonly maxSine: number;
  /** First block, the largest block, and the vectors kept beyond the cluster and the next one. */
  readonly firstBlock: number;
  readonly maxBlock: number;
  readonly guard: number;
}

/** What {@link lowestCluster} found. */
export interface LowestCluster {
  /** The final block's Ritz pairs, ascending: the cluster, then the rest of the block. */
  readonly pairs: LowestEigenpairs;
  /** Members of the cluster: pairs 0 … size − 1. */
  readonly size: number;
  /**
   * Pairs size … near − 1 are converged (residual within an eighth of their distance to the
   * cluster): the near eigenvectors. Everything beyond lies at least as far as the last of them.
   */
  readonly near: number;
  /** Lower bound on the gap λ_{size+1} − λ_size (the next Ritz value less its residual). */
  readonly gap: number;
  /** Subspace iterations over all block sizes, and the final block size. */
  readonly iterations: number;
  readonly block: number;
}

/**
 * The cluster, or why not: a message, or `separation` — a cluster of `size` separated by at
 * most `gap` (a converged upper bound), below `rounding/maxSine`.
 */
export type LowestClusterResult =
  | { readonly ok: true; readonly cluster: LowestCluster }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: false; readonly reason: 'separation'; readonly size: number; readonly gap: number };

/**
 * The cluster of smallest eigenvalues of A [n×n], by subspace iteration with (A − σI)⁻¹
 * (`shifted` its Cholesky factor, σ below λ_min). Returns a reason instead when it cannot tell:
 * a cluster too large for `maxBlock`, a gap below `rounding/maxSine`, or a next eigenvalue that
 * did not converge. Ritz values are upper bounds of the eigenvalues they approach (Cauchy), so a
 * block whose first p − guard − 1 Ritz values already lie within the tolerance cannot hold the
 * cluster: it grows (×4) without iterating further.
 */
export function lowestCluster(a: Float64Array, n: number, shifted: CholeskyFactor, options: LowestClusterOptions): LowestClusterResult {
  const { tolerance, rounding, maxSine, guard } = options;
  const done = Number.EPSILON * options.largest, floor = 64 * Number.EPSILON * options.largest * Math.sqrt(n);
  const sizeOf = (values: Float64Array): number => {
    let count = 1;
    while (count < values.length && values[count]! - values[0]! <= tolerance) count++;
    return count;
  };
  let block = Math.min(n, options.firstBlock);
  let start: Float64Array | undefined;
  let iterations = 0;
  for (;;) {
    let previous = Infinity;
    const pairs = lowestEigenpairs(a, n, shifted, {
      count: block,
      maxIterations: 30,
      ...(start === undefined ? {} : { start }),
      pending: (values, residuals) => {
        const size = sizeOf(values);
        if (size + 1 + guard > values.length) return false; // too small a block: grow it
        const gap = values[size]! - values[size - 1]!;
        // The next pair converged (to an eighth of the gap) and the gap is hopeless: stop.
        if (rounding / gap > maxSine && residuals[size]! <= gap / 8) return false;
        let worst = 0;
        for (let i = 0; i < size; i++) worst = Math.max(worst, residuals[i]!);
        // Residuals of the cluster down to rounding: below ε·λ_max they are done; below the
        // floor of the sums, once they stop halving. The next eigenvalue only bounds the gap.
        const clusterPending = worst > done && !(worst <= floor && worst > 0.5 * previous);
        previous = worst;
        return clusterPending || residuals[size]! > gap / 8;
      },
    });
    iterations += pairs.iterations;
    const size = sizeOf(pairs.values);
    if (size + 1 + guard <= block || block === n) {
      const { values, residuals } = pairs;
      if (size >= values.length) return { ok: false, reason: 'the block holds no eigenvalue beyond the cluster' };
      const top = values[size - 1]!, ritzGap = values[size]! - top;
      if (residuals[size]! > ritzGap / 8) return { ok: false, reason: 'the next eigenvalue did not converge: the gap above the cluster is unknown' };
      if (rounding / ritzGap > maxSine) return { ok: false, reason: 'separation', size, gap: ritzGap };
      let near = size;
      while (near < values.length && residuals[near]! <= (values[near]! - top) / 8) near++;
      return { ok: true, cluster: { pairs, size, near, gap: values[size]! - residuals[size]! - top, iterations, block } };
    }
    if (block >= options.maxBlock) return { ok: false, reason: `the smallest eigenvalue has ${size} or more companions within the tolerance` };
    start = pairs.vectors;
    // Each size costs a few iterations of n²·block: grow fast.
    block = Math.min(n, Math.max(4 * block, 2 * size + 16), options.maxBlock);
  }
}

/**
 * Per coordinate j, a first-order bound on how far the diagonal P_jj of the cluster's
 * eigenspace projector can move when A is perturbed by E with ‖E‖ ≤ `perturbation`. E moves P
 * by Σ_{k∉cluster} (u_k·(u_kᵀ·E·P) + transpose)/(λ_k − λ_m), so
 * |δP_jj| ≤ 2‖E‖·√P_jj·(Σ_{k near} |u_kj|/(λ_k − λ_m) + ‖P_far·e_j‖/(λ_far − λ_m)) (+ its square):
 * a coordinate the nearest eigenvectors do not touch moves far less than ‖E‖/gap would say.
 * `share[j]` is P_jj as computed from the cluster's vectors.
 */
export function projectorDiagonalBounds(cluster: LowestCluster, n: number, share: Float64Array, perturbation: number): Float64Array {
  const { pairs, size, near } = cluster;
  const { values, vectors, residuals } = pairs;
  const top = values[size - 1]!;
  const farGap = values[near - 1]! - residuals[near - 1]! - top;
  const bounds = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let nearSum = 0, nearSquares = 0;
    for (let i = size; i < near; i++) {
      const u = vectors[i * n + j]!;
      nearSum += Math.abs(u) / (values[i]! - residuals[i]! - top);
      nearSquares += u * u;
    }
    const far = Math.sqrt(Math.max(0, 1 - share[j]! - nearSquares));
    const coupling = perturbation * (nearSum + far / farGap);
    bounds[j] = 2 * Math.sqrt(share[j]!) * coupling + coupling * coupling;
  }
  return bounds;
}

/**
 * Optimal Brain Surgeon (Hassibi & Stork 1993), beyond the seed study: with the full
 * curvature H of the negative log-posterior on the active set, removing w_q costs
 * s_q = w_q² / (2 [H⁻¹]_qq) after the compensating update δw = −(w_q / [H⁻¹]_qq) H⁻¹ e_q,
 * which sets w_q to exactly 0 and re-optimizes the others in the quadratic model.
 */
import { spdInverse } from '../linalg/index.js';
import { inverseFromEigen, posteriorCurvature, type DenseCurvature } from './dense.js';
import { resultFromScores, type MethodResult, type RelevanceMethod } from './relevance.js';

/** What OBS computed on the way to its scores. */
export interface ObsDetails {
  /** The dense curvature, e.g. `Gauss-Newton G + αI`. */
  readonly curvature: string;
  /** The objective the saliency is the change of. */
  readonly saliency: 'posterior';
  /** Exact Hessian only: eigenvalues of H + αI that were negative (made positive). */
  readonly negativeEigenvalues: number;
  /** [H⁻¹]_qq per active parameter, in active order. */
  readonly inverseDiagonal: Float64Array;
  /** The compensating update for removing ξ (n values; 0 where pruned). */
  readonly update: Float64Array;
}

/** OBS's result. */
export type ObsResult = MethodResult<'obs', ObsDetails>;

/** Options of the OBS method. */
export interface ObsOptions {
  /** Dense curvature (default `gauss-newton`: positive definite with the prior term). */
  readonly curvature?: DenseCurvature;
}

/**
 * The compensating update for removing active position `q`: δw = −(w_q / [H⁻¹]_qq) H⁻¹ e_q over
 * the active set (k values). Adding it to the active weights zeroes position `q` exactly.
 */
export function obsUpdate(inverse: Float64Array, weights: Float64Array, q: number): Float64Array {
  const k = weights.length;
  const factor = weights[q]! / inverse[q * k + q]!;
  const delta = new Float64Array(k);
  for (let i = 0; i < k; i++) delta[i] = -factor * inverse[i * k + q]!;
  // Rounding leaves ~1e-17 at q; the removed weight must be exactly zero.
  delta[q] = -weights[q]!;
  return delta;
}

export const obsMethod: RelevanceMethod<'obs', ObsOptions, ObsDetails> = {
  name: 'obs',
  summary: 'Optimal Brain Surgeon: w_q²/(2[H⁻¹]_qq) with the compensating update (dense; n up to a few thousand)',
  score(context, options = {}) {
    const curvature = posteriorCurvature(context, options.curvature ?? 'gauss-newton', 'obs');
    const { active, matrix } = curvature;
    const k = active.length;
    const inverse = curvature.eigen !== null ? inverseFromEigen(curvature.eigen, k) : spdInverse(matrix, k);
    const position = new Map<number, number>();
    active.forEach((j, a) => position.set(j, a));
    const w = context.network.params;
    const weights = Float64Array.from(active, (j) => w[j]!);
    const result = resultFromScores(
      context.network,
      // OBS's quadratic model is of the negative log-posterior (its curvature H + αI, whose
      // gradient vanishes at ŵ): the saliency is the change of that objective after the update.
      { method: 'obs' as const, label: `obs (${curvature.label}; saliency posterior: Δ negative log-posterior after the compensating update)`, direction: 'low-is-less-relevant', details: null },
      (j) => {
        const a = position.get(j)!;
        return (w[j]! * w[j]!) / (2 * inverse[a * k + a]!);
      },
    );
    const q = position.get(result.leastRelevant)!;
    const update = new Float64Array(context.network.parameterCount);
    obsUpdate(inverse, weights, q).forEach((d, a) => (update[active[a]!] = d));
    return {
      ...result,
      details: {
        curvature: curvature.label,
        saliency: 'posterior' as const,
        negativeEigenvalues: curvature.negativeEigenvalues,
        inverseDiagonal: Float64Array.from(active, (_, a) => inverse[a * k + a]!),
        update,
      },
    };
  },
};

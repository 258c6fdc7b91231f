/**
 * Optimal Brain Damage (docs/methods.md §2.2): a second-order estimate of what zeroing each parameter
 * costs, from the gradient g and the EXACT Hessian diagonal h of the summed negative
 * log-likelihood at ŵ. Three saliencies, labelled by the objective they approximate:
 *
 * | saliency     | s_j                                   | at a MAP fit (g = −αŵ) |
 * |--------------|---------------------------------------|------------------------|
 * | `map`        | ½(h_jj + 2α) w_j²                     | ½(h_jj + 2α) w_j²      |
 * | `likelihood` | −g_j w_j + ½ h_jj w_j²                | ½(h_jj + 2α) w_j²      |
 * | `posterior`  | −(g_j + α w_j) w_j + ½(h_jj + α) w_j² | ½(h_jj + α) w_j²       |
 * | `seed`       | ½ h_jj w_j²                           | ½ h_jj w_j²            |
 *
 * The seed's form assumes g = 0, which does not hold at a MAP fit: there the prior balances the
 * likelihood's gradient. `map` (the default) is `likelihood` with that balance taken as given:
 * equal to it at a converged fit, and not misled once pruning without a refit has moved the
 * model off the fit, where the first-order term of `likelihood` extrapolates a gradient that
 * many simultaneous removals do not share (docs/methods.md, "Which OBD saliency"). For regression, `likelihood` and `posterior` are in the units of the
 * fitted objective (g and h divided by the model's noise variance s²); `seed` and the reported
 * `hessianDiag` stay at unit noise. The Gauss-Newton and Becker-LeCun diagonals are offered as
 * labelled approximations of h.
 */
import { beckerLeCunDiagonal, exactHessianDiagonal, gaussNewtonDiagonal, lossAndGradient, type CurvatureKind } from '../nn/curvature.js';
import { alphaPerParameter } from '../nn/losses.js';
import { resultFromScores, type MethodResult, type RelevanceMethod } from './relevance.js';

/** Which objective's change the OBD saliency estimates. */
export type Saliency = 'likelihood' | 'posterior' | 'seed' | 'map';

/** The saliencies, default first (chosen by the study in docs/methods.md). */
export const SALIENCIES: readonly Saliency[] = ['map', 'likelihood', 'posterior', 'seed'];

/** Options of the OBD method. */
export interface ObdOptions {
  /** Which diagonal (default `exact`). */
  readonly curvature?: CurvatureKind;
  /** Which objective's change (default `map`). */
  readonly saliency?: Saliency;
}

/** What OBD computed on the way to its scores. */
export interface ObdDetails {
  readonly curvature: CurvatureKind;
  readonly saliency: Saliency;
  /** The Hessian diagonal of the NLL over the scored rows, at unit noise (all n parameters). */
  readonly hessianDiag: Float64Array;
  /** The NLL's gradient over the scored rows, at unit noise (all n parameters). */
  readonly gradient: Float64Array;
  /** The noise variance the `map`, `likelihood` and `posterior` saliencies divide by (1 for classification). */
  readonly noiseVariance: number;
  /** Active parameters with h_jj < 0 (allowed down to −α at a minimum). */
  readonly negativeDiagonalEntries: number;
  /** Active parameters with h_jj/s² + α < 0: the model is not at a minimum. */
  readonly negativePosteriorDiagonalEntries: number;
}

/** OBD's result. */
export type ObdResult = MethodResult<'obd', ObdDetails>;

const CURVATURE_LABELS: Record<CurvatureKind, string> = {
  exact: 'exact Hessian diagonal',
  'gauss-newton': 'Gauss-Newton diagonal — approximation',
  'becker-lecun': 'Becker-LeCun diagonal — approximation',
};

const SALIENCY_LABELS: Record<Saliency, string> = {
  likelihood: 'Δ negative log-likelihood: −g·w + ½h·w²',
  posterior: 'Δ negative log-posterior: −(g + αw)·w + ½(h + α)·w²',
  seed: "the seed's ½h·w² (assumes a zero gradient)",
  map: 'Δ negative log-likelihood at a MAP fit, where g = −αw: ½(h + 2α)·w²',
};

export const obdMethod: RelevanceMethod<'obd', ObdOptions, ObdDetails> = {
  name: 'obd',
  summary: 'Optimal Brain Damage: the exact Hessian diagonal, with the gradient term at a MAP fit (--saliency)',
  score(context, options = {}) {
    const curvature = options.curvature ?? 'exact';
    const saliency = options.saliency ?? 'map';
    const { network, batch, task } = context;
    const unitNoise = { noiseVariance: 1 };
    const diagonal =
      curvature === 'exact'
        ? exactHessianDiagonal(network, batch, task, unitNoise)
        : curvature === 'gauss-newton'
          ? gaussNewtonDiagonal(network, batch, task, unitNoise)
          : beckerLeCunDiagonal(network, batch, task, unitNoise);
    const { gradient } = lossAndGradient(network, batch, task, unitNoise);
    const precision = task === 'regression' ? 1 / (context.noiseVariance ?? 1) : 1;
    const alphas = alphaPerParameter(network, context.alpha);
    const active = network.activeIndices();
    // ŵ minimizes NLL + (α/2)‖w‖², so there h_jj + α ≥ 0 (up to convergence error), while the
    // NLL's own h_jj may be negative down to −α. Both counts are reported: the first is what
    // docs/methods.md §2 asks for; a non-zero second one means the fit is not at a minimum.
    let negative = 0;
    let belowPrior = 0;
    for (const j of active) {
      if (diagonal[j]! < 0) negative++;
      if (precision * diagonal[j]! + alphas[j]! < 0) belowPrior++;
    }
    const w = network.params;
    const saliencyOf: Record<Saliency, (j: number) => number> = {
      seed: (j) => (diagonal[j]! * w[j]! * w[j]!) / 2,
      map: (j) => ((precision * diagonal[j]! + 2 * alphas[j]!) * w[j]! * w[j]!) / 2,
      likelihood: (j) => -precision * gradient[j]! * w[j]! + (precision * diagonal[j]! * w[j]! * w[j]!) / 2,
      posterior: (j) => -(precision * gradient[j]! + alphas[j]! * w[j]!) * w[j]! + ((precision * diagonal[j]! + alphas[j]!) * w[j]! * w[j]!) / 2,
    };
    return resultFromScores(
      network,
      {
        method: 'obd',
        label: `obd (${CURVATURE_LABELS[curvature]}; saliency ${saliency}: ${SALIENCY_LABELS[saliency]})`,
        direction: 'low-is-less-relevant',
        details: {
          curvature,
          saliency,
          hessianDiag: diagonal,
          gradient,
          noiseVariance: 1 / precision,
          negativeDiagonalEntries: negative,
          negativePosteriorDiagonalEntries: belowPrior,
        },
      },
      saliencyOf[saliency],
    );
  },
};

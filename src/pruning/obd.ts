/**
 * Optimal Brain Damage (METHODS §2.2): the saliency s_j = h_jj w_j² / 2, with h_jj the EXACT
 * diagonal of the Hessian of the summed negative log-likelihood at ŵ. The Gauss-Newton and
 * Becker-LeCun diagonals are offered as labelled approximations.
 */
import { beckerLeCunDiagonal, exactHessianDiagonal, gaussNewtonDiagonal, type CurvatureKind } from '../nn/curvature.js';
import { resultFromScores, type RelevanceMethod } from './relevance.js';

/** Options of the OBD method. */
export interface ObdOptions {
  /** Which diagonal (default `exact`). */
  readonly curvature?: CurvatureKind;
}

const LABELS: Record<CurvatureKind, string> = {
  exact: 'obd (exact Hessian diagonal)',
  'gauss-newton': 'obd (Gauss-Newton diagonal — approximation)',
  'becker-lecun': 'obd (Becker-LeCun diagonal — approximation)',
};

export const obdMethod: RelevanceMethod<ObdOptions> = {
  name: 'obd',
  summary: 'Optimal Brain Damage: h_jj·w_j²/2 with the exact Hessian diagonal',
  score(context, options = {}) {
    const curvature = options.curvature ?? 'exact';
    const { network, batch, task } = context;
    const curvatureOptions = { noiseVariance: context.noiseVariance ?? 1 };
    const diagonal =
      curvature === 'exact'
        ? exactHessianDiagonal(network, batch, task, curvatureOptions)
        : curvature === 'gauss-newton'
          ? gaussNewtonDiagonal(network, batch, task, curvatureOptions)
          : beckerLeCunDiagonal(network, batch, task, curvatureOptions);
    const active = network.activeIndices();
    // ŵ minimizes NLL + (α/2)‖w‖², so there h_jj + α ≥ 0 (up to convergence error), while the
    // NLL's own h_jj may be negative down to −α. Both counts are reported: the first is what
    // METHODS §2 asks for; a non-zero second one means the fit is not at a minimum.
    let negative = 0;
    let belowPrior = 0;
    for (const j of active) {
      if (diagonal[j]! < 0) negative++;
      if (diagonal[j]! + context.alpha < 0) belowPrior++;
    }
    const w = network.params;
    return resultFromScores(
      network,
      {
        method: 'obd',
        label: LABELS[curvature],
        direction: 'low-is-less-relevant',
        details: { curvature, hessianDiag: diagonal, negativeDiagonalEntries: negative, negativePosteriorDiagonalEntries: belowPrior },
      },
      (j) => (diagonal[j]! * w[j]! * w[j]!) / 2,
    );
  },
};

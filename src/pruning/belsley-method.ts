/**
 * Belsley's collinearity diagnostics as a relevance method (METHODS §2.4): pick a symmetric
 * PSD matrix M describing the active parameters, and remove the parameter carrying the largest
 * share of its most degenerate component. The matrix source is labelled in every output:
 * - `information` (default): M = H + αI, Belsley on the information matrix as in regression's
 *   XᵀX; small eigenvalues are redundant (flat) directions;
 * - `laplace`: M = (H + αI)⁻¹, the Laplace posterior covariance of ŵ — the slides' literal
 *   "covariance of the estimate";
 * - `trajectory`: the empirical covariance of SGD iterates around ŵ (SWAG-like);
 * - `samples`: the empirical covariance of given samples of the parameter vector.
 * H is the Gauss-Newton matrix by default, the exact Hessian as an option (dense.ts).
 */
import { mul, Tensor, valueAndGrad } from '../autograd/index.js';
import { spdInverse } from '../linalg/index.js';
import { batchRows, negLogPosterior } from '../nn/losses.js';
import { belsleyDiagnostics, covarianceOfSamples } from './belsley.js';
import { checkDenseActiveSize, inverseFromEigen, posteriorCurvature, type DenseCurvature } from './dense.js';
import type { RelevanceContext, RelevanceMethod, RelevanceResult } from './relevance.js';

/** Where Belsley's matrix M comes from. */
export type BelsleyMatrix = 'information' | 'laplace' | 'trajectory' | 'samples';

/** The matrix sources, default first. */
export const BELSLEY_MATRICES: readonly BelsleyMatrix[] = ['information', 'laplace', 'trajectory', 'samples'];

/** Options of the Belsley method. */
export interface BelsleyMethodOptions {
  readonly matrix?: BelsleyMatrix;
  /** Dense curvature for `information` and `laplace` (default `gauss-newton`). */
  readonly curvature?: DenseCurvature;
  /** Scale M to unit diagonal first (as R's colldiag). */
  readonly scale?: boolean;
  /** `samples`: rows are samples of the whole parameter vector (n columns), row-major. */
  readonly samples?: { readonly rows: number; readonly data: Float64Array };
  /** `trajectory`: number of SGD iterates collected (default max(2k, 200) for k active). */
  readonly snapshots?: number;
  /** `trajectory`: SGD step size on the per-row negative log-posterior (default 0.01). */
  readonly learningRate?: number;
  /** Include the k×k proportions in `details` (default: when k ≤ 400). */
  readonly includeProportions?: boolean;
}

/**
 * Iterates of constant-step mini-batch SGD started at ŵ, one per step after a burn-in: they
 * wander around the minimum with a covariance shaped by the loss surface (Mandt et al. 2017;
 * SWAG). Returns the snapshots of the active parameters, row-major [snapshots × k].
 */
export function trajectorySamples(context: RelevanceContext, snapshots: number, learningRate: number): Float64Array {
  const { network, batch, task, alpha, rng } = context;
  const active = network.activeIndices();
  const k = active.length;
  const w = network.params.slice();
  const batchSize = Math.min(32, batch.rows);
  const burnIn = Math.max(50, Math.ceil(snapshots / 10));
  const out = new Float64Array(snapshots * k);
  const logNoise = Math.log(context.noiseVariance ?? 1);
  let order = rng.permutation(batch.rows);
  let at = 0;
  for (let step = 0; step < burnIn + snapshots; step++) {
    if (at + batchSize > batch.rows) {
      order = rng.permutation(batch.rows);
      at = 0;
    }
    const rows = batchRows(batch, order.subarray(at, at + batchSize));
    at += batchSize;
    // Per-row objective (NLL of the mini-batch scaled to the data set, plus the prior, over N),
    // so the step size means the same on any data set.
    const { grad } = valueAndGrad((t: Tensor) => mul(1 / batch.rows, negLogPosterior(network, rows, task, alpha, t, logNoise, batch.rows / batchSize)))(new Tensor(w));
    for (const j of active) w[j]! -= learningRate * grad.data[j]!;
    if (step >= burnIn) active.forEach((j, a) => (out[(step - burnIn) * k + a] = w[j]!));
  }
  return out;
}

/** Builds the labelled matrix M over the active parameters. */
function belsleyMatrix(context: RelevanceContext, options: BelsleyMethodOptions): { matrix: Float64Array; label: string; extra: Record<string, unknown> } {
  const source = options.matrix ?? 'information';
  const active = context.network.activeIndices();
  const k = active.length;
  checkDenseActiveSize(`belsley (${source})`, k);
  if (source === 'information' || source === 'laplace') {
    const curvature = posteriorCurvature(context, options.curvature ?? 'gauss-newton', `belsley (${source})`);
    const extra = { negativeEigenvalues: curvature.negativeEigenvalues };
    if (source === 'information') return { matrix: curvature.matrix, label: `information: ${curvature.label}`, extra };
    const inverse = curvature.eigen !== null ? inverseFromEigen(curvature.eigen, k) : spdInverse(curvature.matrix, k);
    return { matrix: inverse, label: `laplace: (${curvature.label})⁻¹`, extra };
  }
  if (source === 'trajectory') {
    const snapshots = options.snapshots ?? Math.max(2 * k, 200);
    const learningRate = options.learningRate ?? 0.01;
    const samples = trajectorySamples(context, snapshots, learningRate);
    return { matrix: covarianceOfSamples(samples, snapshots, k), label: `trajectory: covariance of ${snapshots} SGD iterates around ŵ`, extra: { snapshots, learningRate } };
  }
  const given = options.samples;
  if (given === undefined) throw new Error('belsley (samples): needs samples of the parameter vector (a CSV with one column per parameter)');
  const n = context.network.parameterCount;
  if (given.data.length !== given.rows * n) {
    throw new Error(`belsley (samples): ${given.data.length} values are not ${given.rows} samples of ${n} parameters`);
  }
  const activeSamples = new Float64Array(given.rows * k);
  for (let r = 0; r < given.rows; r++) active.forEach((j, a) => (activeSamples[r * k + a] = given.data[r * n + j]!));
  return { matrix: covarianceOfSamples(activeSamples, given.rows, k), label: `samples: covariance of ${given.rows} given samples`, extra: { rows: given.rows } };
}

export const belsleyMethod: RelevanceMethod<BelsleyMethodOptions> = {
  name: 'belsley',
  summary: "Belsley's collinearity diagnostics on a parameter matrix (information, laplace, trajectory or samples)",
  score(context: RelevanceContext, options: BelsleyMethodOptions = {}): RelevanceResult {
    const network = context.network;
    const active = network.activeIndices();
    const k = active.length;
    const { matrix, label, extra } = belsleyMatrix(context, options);
    const diagnostics = belsleyDiagnostics(matrix, k, { scale: options.scale ?? false });
    const n = network.parameterCount;
    const scores = new Float64Array(n).fill(Number.NaN);
    active.forEach((j, a) => (scores[j] = diagnostics.degenerateShare[a]!));
    // ξ first (its tie-breaking lives in belsleyDiagnostics), then the rest by their share of
    // the degenerate component(s), largest first.
    const xi = active[diagnostics.leastRelevant]!;
    const rest = Array.from(active).filter((j) => j !== xi).sort((a, b) => scores[b]! - scores[a]! || a - b);
    const includeProportions = options.includeProportions ?? k <= 400;
    return {
      method: 'belsley',
      label: `belsley (${label}${diagnostics.scaled ? ', scaled to unit diagonal' : ''})`,
      parameters: n,
      scores,
      direction: 'high-is-less-relevant',
      order: Int32Array.from([xi, ...rest]),
      leastRelevant: xi,
      details: {
        matrix: options.matrix ?? 'information',
        matrixLabel: label,
        active,
        eigenvalues: diagnostics.eigenvalues,
        conditionIndices: diagnostics.conditionIndices,
        exactDependencies: diagnostics.exactDependencies,
        mostDegenerate: diagnostics.mostDegenerate,
        degenerateComponents: diagnostics.degenerateComponents,
        tolerance: diagnostics.tolerance,
        ...(includeProportions ? { proportions: diagnostics.proportions } : {}),
        ...extra,
      },
    };
  },
};

/**
 * Belsley's collinearity diagnostics as a relevance method (docs/methods.md §2 item 4): pick a symmetric
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
import { spdInverse } from '../linalg/index.js';
import { FusedMlp } from '../nn/fused.js';
import { alphaPerParameter } from '../nn/losses.js';
import { belsleyDiagnostics, belsleyFastDiagnostics, belsleyOrder, covarianceOfSamples } from './belsley.js';
import { checkDenseActiveSize, inverseFromEigen, posteriorCurvature, type DenseCurvature } from './dense.js';
import type { MethodResult, RelevanceContext, RelevanceMethod } from './relevance.js';

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
  /** Include the k×k proportions in `details` (default: when k ≤ 400). They need the full decomposition. */
  readonly includeProportions?: boolean;
  /**
   * `true`: always the full eigendecomposition (every condition index; O(k³) with a large
   * constant). `false`: try the fast path (smallest eigenpairs and diag(M⁻¹) only) whatever k.
   * Default: the full one when the proportions are included (k ≤ 400 unless said otherwise),
   * the fast path otherwise. The fast path falls back to the full one, and says why, whenever it
   * cannot guarantee the same ξ and order (belsleyFastDiagnostics).
   */
  readonly fullDecomposition?: boolean;
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
  const logNoise = task === 'regression' ? Math.log(context.noiseVariance ?? 1) : 0;
  // The negative log-posterior of the mini-batch (scaled to the data set), by the fused passes.
  const fused = new FusedMlp(network, batchSize);
  const terms = { task, alpha: alphaPerParameter(network, alpha), logNoiseVariance: logNoise, dataScale: batch.rows / batchSize };
  const gradient = new Float64Array(network.parameterCount);
  let order = rng.permutation(batch.rows);
  let at = 0;
  for (let step = 0; step < burnIn + snapshots; step++) {
    if (at + batchSize > batch.rows) {
      order = rng.permutation(batch.rows);
      at = 0;
    }
    fused.negLogPosterior(w, batch, { ...terms, rows: order.subarray(at, at + batchSize) }, gradient);
    at += batchSize;
    // A step on the per-row objective (the posterior over N), so the step size means the same
    // on any data set.
    for (const j of active) w[j]! -= (learningRate / batch.rows) * gradient[j]!;
    if (step >= burnIn) active.forEach((j, a) => (out[(step - burnIn) * k + a] = w[j]!));
  }
  return out;
}

/** Builds the labelled matrix M over the active parameters, and a known lower bound of its spectrum (0 if none). */
function belsleyMatrix(context: RelevanceContext, options: BelsleyMethodOptions): { matrix: Float64Array; label: string; floor: number; extra: Record<string, unknown> } {
  const source = options.matrix ?? 'information';
  const active = context.network.activeIndices();
  const k = active.length;
  checkDenseActiveSize(`belsley (${source})`, k);
  if (source === 'information' || source === 'laplace') {
    const curvature = posteriorCurvature(context, options.curvature ?? 'gauss-newton', `belsley (${source})`);
    const extra = { negativeEigenvalues: curvature.negativeEigenvalues };
    // G is PSD, so G + αI has no eigenvalue below α: the fast path shifts to just under it.
    const alphas = alphaPerParameter(context.network, context.alpha);
    const floor = (options.curvature ?? 'gauss-newton') === 'gauss-newton' ? Math.min(...Array.from(active, (j) => alphas[j]!)) : 0;
    if (source === 'information') return { matrix: curvature.matrix, label: `information: ${curvature.label}`, floor, extra };
    const inverse = curvature.eigen !== null ? inverseFromEigen(curvature.eigen, k) : spdInverse(curvature.matrix, k);
    return { matrix: inverse, label: `laplace: (${curvature.label})⁻¹`, floor: 0, extra };
  }
  if (source === 'trajectory') {
    const snapshots = options.snapshots ?? Math.max(2 * k, 200);
    const learningRate = options.learningRate ?? 0.01;
    const samples = trajectorySamples(context, snapshots, learningRate);
    return { matrix: covarianceOfSamples(samples, snapshots, k), label: `trajectory: covariance of ${snapshots} SGD iterates around ŵ`, floor: 0, extra: { snapshots, learningRate } };
  }
  const given = options.samples;
  if (given === undefined) throw new Error('belsley (samples): needs samples of the parameter vector (a CSV with one column per parameter)');
  const n = context.network.parameterCount;
  if (given.data.length !== given.rows * n) {
    throw new Error(`belsley (samples): ${given.data.length} values are not ${given.rows} samples of ${n} parameters`);
  }
  const activeSamples = new Float64Array(given.rows * k);
  for (let r = 0; r < given.rows; r++) active.forEach((j, a) => (activeSamples[r * k + a] = given.data[r * n + j]!));
  return { matrix: covarianceOfSamples(activeSamples, given.rows, k), label: `samples: covariance of ${given.rows} given samples`, floor: 0, extra: { rows: given.rows } };
}

/** What {@link belsleyScores} returns: positions are indices into the active set. */
export interface BelsleyScores {
  /** Per active parameter, the share of the degenerate component(s) it carries (high = less relevant). */
  readonly scores: Float64Array;
  /** Position of ξ. */
  readonly xi: number;
  readonly scaled: boolean;
  /** What was computed, JSON-ready: `decomposition` is `fast` or `full`, `decompositionNote` says why. */
  readonly details: BelsleyDecomposition;
}

/** What both paths of Belsley's diagnostics report. */
interface BelsleyCommonDetails {
  /** Why this path was taken. */
  readonly decompositionNote: string;
  readonly largestEigenvalue: number;
  readonly smallestEigenvalue: number;
  /** λ_max/λ_min (Infinity with an exact dependency). */
  readonly largestConditionIndex: number;
  readonly exactDependencies: number;
  readonly mostDegenerate: number;
  readonly degenerateComponents: readonly number[];
  /** Per active parameter, its share of the degenerate group's eigenspace (the tie-breaker of ξ). */
  readonly eigenspaceShare: Float64Array;
  /** The exact-dependency threshold on eigenvalues. */
  readonly tolerance: number;
}

/** The full eigendecomposition's diagnostics. */
export interface BelsleyFullDetails extends BelsleyCommonDetails {
  readonly decomposition: 'full';
  readonly eigenvalues: Float64Array;
  readonly conditionIndices: Float64Array;
  /** k×k row-major, when asked for (default k ≤ 400). */
  readonly proportions?: Float64Array;
}

/** The fast path's diagnostics: the smallest eigenpairs and diag(M⁻¹) only. */
export interface BelsleyFastDetails extends BelsleyCommonDetails {
  readonly decomposition: 'fast';
  readonly notComputed: readonly string[];
  readonly smallestEigenvalues: Float64Array;
  readonly gap: number;
  readonly scoreError: number;
  readonly iterations: number;
}

/** Either path's diagnostics. */
export type BelsleyDecomposition = BelsleyFullDetails | BelsleyFastDetails;

/** What the Belsley method computed: its matrix, labelled, and the diagnostics of it. */
export type BelsleyDetails = BelsleyDecomposition & {
  readonly matrix: BelsleyMatrix;
  readonly matrixLabel: string;
  /** The active indices, in the order of M's rows. */
  readonly active: Int32Array;
  /** `information`/`laplace` with the exact Hessian: negative eigenvalues made positive. */
  readonly negativeEigenvalues?: number;
  /** `trajectory`: snapshots and step size; `samples`: rows. */
  readonly snapshots?: number;
  readonly learningRate?: number;
  readonly rows?: number;
};

/** Belsley's result. */
export type BelsleyResult = MethodResult<'belsley', BelsleyDetails>;

/**
 * The method's diagnostics of M (k×k over the active set): by the fast path when the options
 * allow it and it can guarantee the full path's ξ and order (belsleyFastDiagnostics), else by
 * the full decomposition. `floor` is a known lower bound of M's spectrum (α for G + αI; 0 if
 * none), which only speeds the fast path up.
 */
export function belsleyScores(matrix: Float64Array, k: number, floor: number, options: BelsleyMethodOptions = {}): BelsleyScores {
  const scale = options.scale ?? false;
  const includeProportions = options.includeProportions ?? (options.fullDecomposition !== false && k <= 400);
  let reason: string;
  if (options.fullDecomposition === true) reason = 'fullDecomposition: true';
  else if (includeProportions) reason = `the proportions were asked for${options.includeProportions === undefined ? ' (k ≤ 400)' : ''}: they need every eigenvector`;
  else {
    const fast = belsleyFastDiagnostics(matrix, k, { scale, spectrumFloor: floor });
    if (fast.ok) {
      const d = fast.diagnostics;
      return {
        scores: d.degenerateShare,
        xi: d.leastRelevant,
        scaled: d.scaled,
        details: {
          decomposition: 'fast',
          decompositionNote: 'smallest eigenpairs (shifted subspace iteration) and diag(M⁻¹) (Cholesky) only',
          notComputed: ['eigenvalues', 'conditionIndices', 'proportions'],
          largestEigenvalue: d.largestEigenvalue,
          smallestEigenvalue: d.smallestEigenvalues[0],
          smallestEigenvalues: d.smallestEigenvalues,
          largestConditionIndex: d.largestConditionIndex,
          exactDependencies: d.exactDependencies,
          mostDegenerate: d.mostDegenerate,
          degenerateComponents: d.degenerateComponents,
          eigenspaceShare: d.eigenspaceShare,
          tolerance: d.tolerance,
          gap: d.gap,
          scoreError: d.scoreError,
          iterations: d.iterations,
        },
      };
    }
    reason = `fast path refused: ${fast.reason}`;
  }
  const d = belsleyDiagnostics(matrix, k, { scale });
  return {
    scores: d.degenerateShare,
    xi: d.leastRelevant,
    scaled: d.scaled,
    details: {
      decomposition: 'full',
      decompositionNote: reason,
      eigenvalues: d.eigenvalues,
      conditionIndices: d.conditionIndices,
      largestEigenvalue: d.eigenvalues[0],
      smallestEigenvalue: d.eigenvalues[k - 1],
      largestConditionIndex: d.conditionIndices[k - 1],
      exactDependencies: d.exactDependencies,
      mostDegenerate: d.mostDegenerate,
      degenerateComponents: d.degenerateComponents,
      eigenspaceShare: d.eigenspaceShare,
      tolerance: d.tolerance,
      ...(includeProportions ? { proportions: d.proportions } : {}),
    },
  };
}

export const belsleyMethod: RelevanceMethod<'belsley', BelsleyMethodOptions, BelsleyDetails> = {
  name: 'belsley',
  summary: "Belsley's collinearity diagnostics on a parameter matrix (information, laplace, trajectory or samples)",
  score(context: RelevanceContext, options: BelsleyMethodOptions = {}): BelsleyResult {
    const network = context.network;
    const active = network.activeIndices();
    const k = active.length;
    const { matrix, label, floor, extra } = belsleyMatrix(context, options);
    const diagnosis = belsleyScores(matrix, k, floor, options);
    const n = network.parameterCount;
    const scores = new Float64Array(n).fill(Number.NaN);
    active.forEach((j, a) => (scores[j] = diagnosis.scores[a]!));
    // ξ first (its tie-breaking lives in the diagnostics), then the rest by their share of the
    // degenerate component(s), largest first.
    const xi = active[diagnosis.xi]!;
    const order = Int32Array.from(belsleyOrder(diagnosis.scores, diagnosis.xi), (a) => active[a]!);
    return {
      method: 'belsley',
      label: `belsley (${label}${diagnosis.scaled ? ', scaled to unit diagonal' : ''})`,
      parameters: n,
      scores,
      direction: 'high-is-less-relevant',
      order,
      leastRelevant: xi,
      details: {
        matrix: options.matrix ?? 'information',
        matrixLabel: label,
        active,
        ...diagnosis.details,
        ...extra,
      },
    };
  },
};

/**
 * The one small interface every relevance method implements (docs/methods.md §2): given the MAP
 * network ŵ (with its mask) and data, score each active parameter and name the least
 * relevant one. Every intermediate a method computes goes into `details`, so `--json`
 * output can show it.
 */
import type { Task } from '../data/index.js';
import type { Batch, PriorPrecision } from '../nn/losses.js';
import type { MLP } from '../nn/mlp.js';
import type { Posterior } from '../nn/model.js';
import type { Random } from '../random/random.js';

/** What a relevance method may use. All methods score the same network (docs/methods.md §2). */
export interface RelevanceContext {
  /** The MAP fit ŵ, pruned entries masked to 0. Methods do not modify it. */
  readonly network: MLP;
  readonly task: Task;
  /** The rows curvature and likelihood are summed over (standardized). */
  readonly batch: Batch;
  /** Prior precision α, global or per layer (for `H + αI` and the like). */
  readonly alpha: PriorPrecision;
  /** Regression noise variance in standardized units used by curvature (default 1). */
  readonly noiseVariance?: number;
  /** Source of randomness (random method, trajectory sampling). */
  readonly rng: Random;
  /** The variational posterior, for the variational method. */
  readonly posterior?: Posterior;
}

/** Whether a small or a large score means "less relevant". */
export type ScoreDirection = 'low-is-less-relevant' | 'high-is-less-relevant';

/**
 * A method's verdict on the active parameters, with its intermediates typed by method: `M` is
 * the method's name and `D` what it computed on the way (`MethodResult<'obd', ObdDetails>`), so
 * a result is narrowed by `result.method` and its details read without casts.
 */
export interface MethodResult<M extends string = string, D = Readonly<Record<string, unknown>>> {
  /** Method name, e.g. `obd`. */
  readonly method: M;
  /** What exactly was computed, e.g. `obd (exact Hessian diagonal)`; shown in every output. */
  readonly label: string;
  /** Total number of parameters n. */
  readonly parameters: number;
  /** One score per parameter in canonical order; NaN for pruned parameters. */
  readonly scores: Float64Array;
  readonly direction: ScoreDirection;
  /** Active indices, least relevant first. */
  readonly order: Int32Array;
  /** ξ, the least relevant active parameter (`order[0]`). */
  readonly leastRelevant: number;
  /** Every intermediate (Hessian diagonal, condition indices, ...), JSON-serializable. */
  readonly details: D;
}

/** A relevance method: a name, what it computes, and the scoring function. */
export interface RelevanceMethod<M extends string, Options, D> {
  readonly name: M;
  /** One line for help texts. */
  readonly summary: string;
  score(context: RelevanceContext, options?: Options): MethodResult<M, D>;
}

/**
 * Builds a {@link MethodResult} from scores over the active parameters: `order` sorts the
 * active set from least to most relevant (ties towards the lower index, so results are
 * deterministic), pruned entries get NaN.
 */
export function resultFromScores<M extends string, D>(
  network: MLP,
  fields: { method: M; label: string; direction: ScoreDirection; details: D },
  scoreOf: (j: number) => number,
): MethodResult<M, D> {
  const n = network.parameterCount;
  const scores = new Float64Array(n).fill(Number.NaN);
  const active = network.activeIndices();
  if (active.length === 0) throw new Error(`${fields.method}: every parameter is already pruned; nothing to score`);
  for (const j of active) {
    const s = scoreOf(j);
    if (Number.isNaN(s)) throw new Error(`${fields.method}: the score of parameter ${network.parameterName(j)} is NaN`);
    scores[j] = s;
  }
  const sign = fields.direction === 'low-is-less-relevant' ? 1 : -1;
  const order = Int32Array.from(active).sort((a, b) => sign * (scores[a]! - scores[b]!) || a - b);
  return {
    method: fields.method,
    label: fields.label,
    parameters: n,
    scores,
    direction: fields.direction,
    order,
    leastRelevant: order[0]!,
    details: fields.details,
  };
}

/** Rows and columns `indices` of a square n×n matrix (the active block of a curvature matrix). */
export function principalSubmatrix(m: Float64Array, n: number, indices: ArrayLike<number>): Float64Array {
  const k = indices.length;
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    const row = indices[a]! * n;
    for (let b = 0; b < k; b++) out[a * k + b] = m[row + indices[b]!]!;
  }
  return out;
}

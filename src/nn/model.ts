/**
 * A trained model: the network plus what it needs to meet raw data — the task, feature and
 * class names, input and target scaling, the fitted noise and (optionally) the variational
 * posterior. This is the in-memory form of a `prunus-mlp` v1 file.
 */
import { Tensor } from '../autograd/index.js';
import { softmaxRow } from '../autograd/kernels.js';
import { applyStandardizer, unscaleTarget, type Standardizer, type TargetScaling, type Task } from '../data/index.js';
import { FusedMlp } from './fused.js';
import type { MLP } from './mlp.js';

/** A mean-field Gaussian posterior over the canonical parameter vector. */
export interface Posterior {
  /** Posterior means μ (the canonical order; 0 where pruned). */
  readonly mean: Float64Array;
  /** Posterior standard deviations σ = softplus(ρ) (0 where pruned). */
  readonly sigma: Float64Array;
}

/** A network with the metadata that ties it to raw data. */
export interface Model {
  readonly network: MLP;
  readonly task: Task;
  readonly features: readonly string[];
  readonly target: string;
  /** Class labels in output order (classification), null for regression. */
  readonly classes: readonly string[] | null;
  /** Maps a raw row x to (x − mean)/std; null means inputs are used as they are. */
  readonly inputScaling: Standardizer | null;
  /** Regression: the network predicts (y − mean)/std. Null for classification. */
  readonly targetScaling: TargetScaling | null;
  /** Regression noise variance in standardized target units (fitted); 1 when unknown. */
  readonly noiseVariance?: number;
  /** The variational posterior, when one was fitted. */
  readonly posterior?: Posterior;
  /** Free-form training metadata (saved in the model file, ignored by readers). */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** Standardizes raw rows `[rows × features]` with the model's input scaling (a copy). */
export function scaleInputs(model: Model, raw: Float64Array): Float64Array {
  return model.inputScaling === null ? raw.slice() : applyStandardizer(raw, model.features.length, model.inputScaling);
}

/**
 * Predictions for raw rows: class probabilities `[rows × classes]` for a classifier, target
 * values in the target's own units `[rows]` for a regressor.
 */
export function predictRaw(model: Model, raw: Float64Array): Float64Array {
  const m = model.features.length;
  if (raw.length % m !== 0) throw new Error(`predict: ${raw.length} values are not whole rows of ${m} features`);
  return predictScaled(model, new Tensor(scaleInputs(model, raw), [raw.length / m, m]));
}

/**
 * As {@link predictRaw}, for rows already standardized with the model's input scaling. The
 * network runs through the fused forward pass (the same function as `forward`, without a graph).
 */
export function predictScaled(model: Model, x: Tensor): Float64Array {
  const rows = x.shape[0]!;
  const net = model.network;
  if (x.rank !== 2 || x.shape[1] !== net.sizes[0]) throw new Error(`predict: input must be [rows, ${net.sizes[0]}], got [${x.shape.join(', ')}]`);
  if (rows === 0) return new Float64Array(0);
  const batch = { x, y: new Float64Array(rows), labels: new Int32Array(0), rows };
  const outputs = new FusedMlp(net, rows).predict(net.params, batch).slice();
  if (model.task === 'classification') return softmaxRows(outputs, net.sizes[net.sizes.length - 1]!);
  return model.targetScaling === null ? outputs : unscaleTarget(outputs, model.targetScaling);
}

/** Row-wise softmax in place (the stable kernel of the autograd layer). */
function softmaxRows(logits: Float64Array, width: number): Float64Array {
  for (let start = 0; start < logits.length; start += width) softmaxRow(logits, start, width, logits, start);
  return logits;
}

/**
 * The prior precision α the model's weights were fitted with (per layer, or one number), as its
 * training metadata records it; 1 (the old fixed default) when it does not.
 */
export function modelAlpha(model: Model): number | number[] {
  const alpha = model.training?.['alpha'];
  if (typeof alpha === 'number' && alpha >= 0) return alpha;
  if (Array.isArray(alpha) && alpha.length === model.network.layers.length && alpha.every((a) => typeof a === 'number' && a >= 0)) return alpha as number[];
  return 1;
}

/**
 * Small models for the export and shrink tests: random masked networks of every activation,
 * classifiers and regressors with non-trivial input and target scaling, and raw rows to feed
 * them. Everything is drawn from a seed, so a failing case can be rebuilt from it.
 */
import { loadDataset, type Dataset, type Task } from '../../src/data/index.js';
import { trainOnDataset } from '../../src/nn/fit.js';
import { ACTIVATIONS, MLP, type Activation } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
import { neuronGroups } from '../../src/pruning/structured.js';
import { shrinkModel } from '../../src/pruning/shrink.js';
import { Random } from '../../src/random/random.js';

/** What a random model is built from. */
export interface ModelSpec {
  readonly seed: number;
  readonly task: Task;
  readonly inputs: number;
  readonly hidden: readonly number[];
  /** One per hidden layer. */
  readonly activations: readonly Activation[];
  /** Probability that a parameter is pruned. */
  readonly pruneRate: number;
  /** Also give the model a variational posterior. */
  readonly posterior?: boolean;
}

/** A random model of the spec: weights ~ N(0, 1), a random mask, scalings far from identity. */
export function randomModel(spec: ModelSpec): Model {
  const rng = new Random(spec.seed);
  const outputs = spec.task === 'classification' ? 3 : 1;
  const sizes = [spec.inputs, ...spec.hidden, outputs];
  const net = new MLP(sizes, [...spec.activations, 'identity']);
  for (let j = 0; j < net.parameterCount; j++) {
    net.params[j] = rng.normal();
    net.mask[j] = rng.uniform() < spec.pruneRate ? 0 : 1;
  }
  net.applyMask();
  const features = Array.from({ length: spec.inputs }, (_, c) => `x${c}`);
  return {
    network: net,
    task: spec.task,
    features,
    target: 'y',
    classes: spec.task === 'classification' ? ['a', 'b', 'c'] : null,
    // Scalings as real data has them (a float32 export subtracts the mean in float32, so a mean
    // far larger than the spread would measure float32's cancellation rather than the export).
    inputScaling: { mean: features.map(() => 3 * rng.normal()), std: features.map(() => 0.5 + 4.5 * rng.uniform()) },
    targetScaling: spec.task === 'regression' ? { mean: 20 + rng.normal(), std: 0.5 + 9 * rng.uniform() } : null,
    ...(spec.task === 'regression' ? { noiseVariance: 0.3 } : {}),
    ...(spec.posterior === true
      ? { posterior: { mean: net.params.map((w) => w + (w === 0 ? 0 : 0.01)), sigma: net.mask.map((m) => m * (0.05 + rng.uniform())) } }
      : {}),
    training: { note: 'test model' },
  };
}

/** `rows` raw rows `[rows × inputs]` around the model's input means, in the raw units. */
export function randomRows(model: Model, rows: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const m = model.features.length;
  const scaling = model.inputScaling;
  return Float64Array.from({ length: rows * m }, (_, k) => {
    const c = k % m;
    return scaling === null ? rng.normal() : scaling.mean[c]! + 2 * scaling.std[c]! * rng.normal();
  });
}

/** The columns of raw rows that a model with the given feature names reads, by name. */
export function selectColumns(rows: Float64Array, from: readonly string[], to: readonly string[]): Float64Array {
  const index = to.map((name) => from.indexOf(name));
  const n = rows.length / from.length;
  return Float64Array.from({ length: n * to.length }, (_, k) => rows[Math.floor(k / to.length) * from.length + index[k % to.length]!]!);
}

/** Every hidden activation, for property tests. */
export const HIDDEN_ACTIVATIONS: readonly Activation[] = ACTIVATIONS;

/** A trained model in three forms, with raw rows of its data set. */
export interface TrainedCase {
  readonly full: Model;
  /** Two hidden units and 60% of the remaining weights pruned (by magnitude). */
  readonly pruned: Model;
  /** `pruned`, shrunk. */
  readonly shrunk: Model;
  /** Raw feature rows of the data set, in `full.features` order. */
  readonly rows: Float64Array;
}

/**
 * A Wine classifier (13-8-3, tanh) and a regressor on 120 Boston rows (13-6-1, sigmoid),
 * trained to convergence in well under a second, each also pruned and shrunk.
 */
export function trainedCases(): { classifier: TrainedCase; regressor: TrainedCase } {
  const wine = loadDataset('wine');
  const boston = loadDataset('boston');
  const n = 120;
  const small: Dataset = { ...boston, n, x: boston.x.slice(0, n * boston.m), y: boston.y.slice(0, n) };
  const make = (dataset: Dataset, hidden: number[], activation: Activation): TrainedCase => {
    const full = trainOnDataset(dataset, { hidden, activation, seed: 3 }).model;
    const pruned = pruneByMagnitude(full, 2, 0.6);
    return { full, pruned, shrunk: shrinkModel(pruned).model, rows: dataset.x };
  };
  return { classifier: make(wine, [8], 'tanh'), regressor: make(small, [6], 'sigmoid') };
}

/**
 * The model with the `units` hidden units of least total |w| pruned (their whole groups), then
 * the given fraction of the remaining active weights (not biases) of least |w|.
 */
export function pruneByMagnitude(model: Model, units: number, fraction: number): Model {
  const net = model.network.clone();
  const weight = (j: number) => Math.abs(net.params[j]!);
  const groups = neuronGroups(net)
    .map((g) => ({ g, size: Array.from(g.parameters).reduce((a, j) => a + weight(j), 0) }))
    .sort((a, b) => a.size - b.size);
  for (const { g } of groups.slice(0, units)) net.prune(g.parameters);
  const weights = Array.from(net.activeIndices()).filter((j) => net.locate(j).kind === 'weight').sort((a, b) => weight(a) - weight(b));
  net.prune(weights.slice(0, Math.floor(fraction * weights.length)));
  return { ...model, network: net };
}

/** Largest |a − b| / max(1, |b|) (relative for large values, absolute for probabilities). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: ${a.length} values against ${b.length}`);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / Math.max(1, Math.abs(b[k]!)));
  return worst;
}

/** Rows rounded to float32, so a float32 runtime and prunus see the same inputs. */
export function float32Rows(rows: Float64Array): Float64Array {
  return rows.map(Math.fround);
}

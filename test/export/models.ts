/**
 * Small models for the export and shrink tests: random masked networks of every activation,
 * classifiers and regressors with non-trivial input and target scaling, and raw rows to feed
 * them. Everything is drawn from a seed, so a failing case can be rebuilt from it.
 */
import type { Task } from '../../src/data/index.js';
import { ACTIVATIONS, MLP, type Activation } from '../../src/nn/mlp.js';
import type { Model } from '../../src/nn/model.js';
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
    inputScaling: { mean: features.map(() => 10 * rng.normal()), std: features.map(() => 0.1 + 5 * rng.uniform()) },
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

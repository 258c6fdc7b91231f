/**
 * Physical shrinking of a pruned model: the same function, stored without the hidden units
 * and the input features that pruning has cut off, so a pruned model really is smaller.
 *
 * A hidden unit goes when it has no active path through it:
 * - all its outgoing weights are pruned: nothing it emits reaches the next layer;
 * - all its incoming weights are pruned: it emits the constant σ(b) (its bias, 0 when pruned),
 *   which is folded into the next layer's biases (`b'_r = b_r + W_ri·σ(b)`) before it goes.
 *   A folded bias that was pruned becomes active again — one bias is cheaper than a unit.
 * Removing a unit can leave units of the neighbouring layers without a path, so the rules
 * are applied until nothing changes. An input feature goes when every weight leaving it is
 * pruned (or left with a removed unit). A layer never becomes empty: when every unit of a
 * layer (or every feature) would go, one is kept with all its parameters pruned, so the file
 * still describes a valid network (whose output is then a constant).
 */
import { ACTIVATION_FUNCTIONS } from '../autograd/activations.js';
import { formatModelFile } from '../nn/modelfile.js';
import { MLP } from '../nn/mlp.js';
import type { Model, Posterior } from '../nn/model.js';
import { removeUnits } from './structured.js';

/** The size of a model, for before/after reports. */
export interface ModelSize {
  /** `[inputs, hidden..., outputs]`. */
  readonly sizes: readonly number[];
  /** Parameters stored (the architecture's count, pruned ones included). */
  readonly parameters: number;
  /** Active (unpruned) parameters. */
  readonly active: number;
  /** Bytes of the model as a `prunus-mlp` v1 file. */
  readonly bytes: number;
}

/** A hidden unit that shrinking removed. */
export interface RemovedUnit {
  /** Hidden layer, 0-based (as in `removeUnits`), and the unit's index in the original model. */
  readonly layer: number;
  readonly unit: number;
  /** E.g. `h1[3]`. */
  readonly name: string;
  /** `no-output`: every outgoing weight pruned; `constant`: every incoming weight pruned, its constant output folded into the next layer's biases. */
  readonly reason: 'no-output' | 'constant';
}

/** What {@link shrinkModel} returns. */
export interface ShrinkResult {
  /** The smaller model, computing the same function as the input (to rounding). */
  readonly model: Model;
  readonly before: ModelSize;
  readonly after: ModelSize;
  /** Hidden units removed, in the order they were found. */
  readonly removedUnits: readonly RemovedUnit[];
  /** Names of the input features removed (their `inputScaling` entries go with them). */
  readonly removedFeatures: readonly string[];
  /** Pruned biases made active again to hold a folded constant. */
  readonly reactivatedBiases: number;
}

/**
 * Shrinks a masked model to the smallest network computing the same function (see the module
 * comment for the rules). Feature and class names, scalings and noise variance are carried
 * over; so is the variational posterior, restricted to the kept parameters (a folded bias gets
 * the plug-in mean `μ_b + μ_W·σ(μ_b_unit)` and the first-order (delta-method) variance of that
 * sum, exact when the σ involved are 0). `training` is carried over, with a `shrink` entry
 * saying what was removed when something was. The input model is not modified.
 * @example
 * const { model, before, after } = shrinkModel(readModelFile('pruned.json'));
 * console.log(`${before.parameters} → ${after.parameters} parameters`);
 */
export function shrinkModel(model: Model): ShrinkResult {
  const source = model.network;
  const work = source.clone();
  const posterior = model.posterior === undefined ? undefined : { mean: model.posterior.mean.slice(), sigma: model.posterior.sigma.slice() };
  const { removed, reactivated } = pruneDeadUnits(work, posterior);

  // Keep one unit per layer, fully pruned, where every unit went (removeUnits cannot empty a layer).
  const units = removed.filter((u) => {
    const layerRemoved = removed.filter((v) => v.layer === u.layer).map((v) => v.unit);
    return !(layerRemoved.length === work.layers[u.layer]!.outputs && u.unit === Math.min(...layerRemoved));
  });
  let network = removeUnits(work, units);
  const posteriorNetworks = posterior === undefined ? undefined : {
    mean: removeUnits(new MLP(work.sizes, work.activations, posterior.mean, Float64Array.from(work.mask)), units),
    sigma: removeUnits(new MLP(work.sizes, work.activations, posterior.sigma, Float64Array.from(work.mask)), units),
  };

  // Input features that no active weight leaves.
  const first = network.layers[0]!;
  let keptFeatures = model.features.map((_, c) => c).filter((c) => {
    for (let r = 0; r < first.outputs; r++) if (network.mask[first.weightOffset + r * first.inputs + c] !== 0) return true;
    return false;
  });
  if (keptFeatures.length === 0) keptFeatures = [0];
  const removedFeatures = model.features.filter((_, c) => !keptFeatures.includes(c));
  const dropColumns = (net: MLP): MLP => (removedFeatures.length === 0 ? net : keepInputs(net, keptFeatures));
  network = dropColumns(network);
  const shrunkPosterior: Posterior | undefined = posteriorNetworks === undefined ? undefined : {
    mean: dropColumns(posteriorNetworks.mean).params,
    sigma: dropColumns(posteriorNetworks.sigma).params,
  };

  const removedUnits = units;
  const shrinkNote = {
    from: [...source.sizes],
    to: [...network.sizes],
    removedUnits: removedUnits.map((u) => `${u.name} (${u.reason})`),
    removedFeatures,
    reactivatedBiases: reactivated,
  };
  const shrunk: Model = {
    network,
    task: model.task,
    features: keptFeatures.map((c) => model.features[c]!),
    target: model.target,
    classes: model.classes,
    inputScaling: model.inputScaling === null ? null : {
      mean: keptFeatures.map((c) => model.inputScaling!.mean[c]!),
      std: keptFeatures.map((c) => model.inputScaling!.std[c]!),
    },
    targetScaling: model.targetScaling,
    ...(model.noiseVariance !== undefined ? { noiseVariance: model.noiseVariance } : {}),
    ...(shrunkPosterior !== undefined ? { posterior: shrunkPosterior } : {}),
    ...(removedUnits.length + removedFeatures.length > 0
      ? { training: { ...(model.training ?? {}), shrink: shrinkNote } }
      : model.training !== undefined ? { training: model.training } : {}),
  };
  return { model: shrunk, before: sizeOf(model), after: sizeOf(shrunk), removedUnits, removedFeatures, reactivatedBiases: reactivated };
}

/** The size figures of a model (see {@link ModelSize}). */
export function sizeOf(model: Model): ModelSize {
  const net = model.network;
  return { sizes: [...net.sizes], parameters: net.parameterCount, active: net.activeCount, bytes: Buffer.byteLength(formatModelFile(model)) };
}

/**
 * Marks every hidden unit without an active path, to a fixed point, in `net` (and the
 * posterior arrays): a removed unit's whole group is pruned, after its constant output (if it
 * had any reach) was folded into the next layer's biases.
 */
function pruneDeadUnits(net: MLP, posterior: { mean: Float64Array; sigma: Float64Array } | undefined): { removed: RemovedUnit[]; reactivated: number } {
  const removed: RemovedUnit[] = [];
  const gone = net.layers.map(() => new Set<number>());
  let reactivated = 0;
  const active = (j: number): boolean => net.mask[j] !== 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let l = 0; l + 1 < net.layers.length; l++) {
      const layer = net.layers[l]!;
      const next = net.layers[l + 1]!;
      for (let i = 0; i < layer.outputs; i++) {
        if (gone[l]!.has(i)) continue;
        const outgoing = Array.from({ length: next.outputs }, (_, r) => next.weightOffset + r * next.inputs + i);
        const incoming = Array.from({ length: layer.inputs }, (_, c) => layer.weightOffset + i * layer.inputs + c);
        const bias = layer.biasOffset + i;
        let reason: RemovedUnit['reason'];
        if (!outgoing.some(active)) reason = 'no-output';
        else if (!incoming.some(active)) {
          reason = 'constant';
          reactivated += foldConstant(net, posterior, layer.activation, bias, outgoing, next.biasOffset);
        } else continue;
        for (const j of [...incoming, bias, ...outgoing]) {
          net.mask[j] = 0;
          net.params[j] = 0;
          if (posterior !== undefined) posterior.mean[j] = posterior.sigma[j] = 0;
        }
        gone[l]!.add(i);
        removed.push({ layer: l, unit: i, name: `h${l + 1}[${i}]`, reason });
        changed = true;
      }
    }
  }
  return { removed, reactivated };
}

/**
 * Adds a constant unit's contribution `W_ri·σ(b)` to each next-layer bias `b_r` it reaches;
 * returns how many pruned biases that made active. The posterior gets the plug-in mean and the
 * delta-method variance `σ_b² + σ(μ)²·σ_W² + (μ_W·σ'(μ))²·σ_bias²`.
 */
function foldConstant(
  net: MLP,
  posterior: { mean: Float64Array; sigma: Float64Array } | undefined,
  activation: MLP['activations'][number],
  bias: number,
  outgoing: readonly number[],
  nextBias: number,
): number {
  const f = ACTIVATION_FUNCTIONS[activation];
  const constant = f.value(net.params[bias]!);
  const mu = posterior?.mean[bias] ?? 0;
  const muValue = f.value(mu);
  const muSlope = f.slope(muValue, mu);
  let reactivated = 0;
  outgoing.forEach((j, r) => {
    if (net.mask[j] === 0) return;
    const delta = net.params[j]! * constant;
    const target = nextBias + r;
    if (posterior !== undefined) {
      const s = posterior.sigma;
      posterior.mean[target] = posterior.mean[target]! + posterior.mean[j]! * muValue;
      s[target] = Math.sqrt(s[target]! ** 2 + (muValue * s[j]!) ** 2 + (posterior.mean[j]! * muSlope * s[bias]!) ** 2);
    }
    if (delta === 0) return;
    if (net.mask[target] === 0) {
      net.mask[target] = 1;
      reactivated++;
    }
    net.params[target] = net.params[target]! + delta;
  });
  return reactivated;
}

/** The network with only the given input columns of the first layer (masks carried over). */
function keepInputs(net: MLP, columns: readonly number[]): MLP {
  const sizes = [columns.length, ...net.sizes.slice(1)];
  const smaller = new MLP(sizes, net.activations);
  const from = net.layers[0]!;
  const to = smaller.layers[0]!;
  for (let r = 0; r < from.outputs; r++) {
    columns.forEach((c, k) => {
      smaller.params[to.weightOffset + r * to.inputs + k] = net.params[from.weightOffset + r * from.inputs + c]!;
      smaller.mask[to.weightOffset + r * to.inputs + k] = net.mask[from.weightOffset + r * from.inputs + c]!;
    });
  }
  // Everything after the first layer's weights keeps its place relative to the end.
  const tail = net.parameterCount - from.biasOffset;
  smaller.params.set(net.params.subarray(from.biasOffset), smaller.parameterCount - tail);
  smaller.mask.set(net.mask.subarray(from.biasOffset), smaller.parameterCount - tail);
  return smaller;
}

/**
 * Structured (neuron-level) pruning: a hidden unit is a group of parameters — its incoming
 * weights, its bias and its outgoing weights — scored by aggregating its members' scores,
 * and a pruned unit is physically removed from the layer matrices, so the model really shrinks.
 */
import { MLP } from '../nn/mlp.js';
import type { MethodResult } from './relevance.js';

/** A hidden unit and the canonical indices of its parameters. */
export interface NeuronGroup {
  /** Hidden layer, 0-based (the unit is an output of layer `layer` and an input of `layer + 1`). */
  readonly layer: number;
  /** Unit index within the layer. */
  readonly unit: number;
  /** Readable name, e.g. `h1[3]` (hidden layers counted from 1). */
  readonly name: string;
  /** Incoming weights, the bias, then outgoing weights. */
  readonly parameters: Int32Array;
}

/** Every hidden unit of the network as a group (input and output units are not groups). */
export function neuronGroups(net: MLP): NeuronGroup[] {
  const groups: NeuronGroup[] = [];
  for (let l = 0; l + 1 < net.layers.length; l++) {
    const layer = net.layers[l]!;
    const next = net.layers[l + 1]!;
    for (let i = 0; i < layer.outputs; i++) {
      const members: number[] = [];
      for (let c = 0; c < layer.inputs; c++) members.push(layer.weightOffset + i * layer.inputs + c);
      members.push(layer.biasOffset + i);
      for (let r = 0; r < next.outputs; r++) members.push(next.weightOffset + r * next.inputs + i);
      groups.push({ layer: l, unit: i, name: `h${l + 1}[${i}]`, parameters: Int32Array.from(members) });
    }
  }
  return groups;
}

/** How a group's score is formed from its active members' scores. */
export type Aggregation = 'sum' | 'max' | 'mean';

/** A unit's aggregated score. */
export interface GroupScore {
  readonly group: NeuronGroup;
  /** Aggregated score (NaN when the unit has no active parameter left). */
  readonly score: number;
  /** Active members counted. */
  readonly active: number;
}

/**
 * Scores hidden units from per-parameter scores. `sum` suits additive costs (OBD and OBS
 * saliencies estimate the loss increase, which adds up under the diagonal approximation);
 * the result keeps the method's direction, so the least relevant unit comes first.
 * Units whose parameters are all pruned already are left out.
 */
export function groupScores(net: MLP, result: Pick<MethodResult, 'scores' | 'direction'>, aggregation: Aggregation = 'sum'): GroupScore[] {
  const scored: GroupScore[] = [];
  for (const group of neuronGroups(net)) {
    const values: number[] = [];
    for (const j of group.parameters) if (net.mask[j] !== 0) values.push(result.scores[j]!);
    if (values.length === 0) continue;
    const score =
      aggregation === 'sum'
        ? values.reduce((a, b) => a + b, 0)
        : aggregation === 'max'
          ? Math.max(...values)
          : values.reduce((a, b) => a + b, 0) / values.length;
    scored.push({ group, score, active: values.length });
  }
  const sign = result.direction === 'low-is-less-relevant' ? 1 : -1;
  return scored.sort((a, b) => sign * (a.score - b.score) || a.group.layer - b.group.layer || a.group.unit - b.group.unit);
}

/**
 * A smaller network without the given hidden units: their rows (weights and bias) are deleted
 * from their layer and their columns from the next layer's weights; masks are carried over.
 * The function computed is exactly that of the network with the units' groups pruned (their
 * outgoing weights are zero, so whatever the unit emits reaches nothing).
 * @throws when a layer would lose all its units.
 */
export function removeUnits(net: MLP, units: readonly { layer: number; unit: number }[]): MLP {
  const removed = net.layers.map(() => new Set<number>());
  for (const { layer, unit } of units) {
    if (layer < 0 || layer + 1 >= net.layers.length) throw new Error(`removeUnits: layer ${layer} is not a hidden layer`);
    if (unit < 0 || unit >= net.layers[layer]!.outputs) throw new Error(`removeUnits: layer ${layer} has no unit ${unit}`);
    removed[layer]!.add(unit);
  }
  const keep = net.layers.map((layer, l) => Array.from({ length: layer.outputs }, (_, i) => i).filter((i) => !removed[l]!.has(i)));
  keep.forEach((units, l) => {
    if (l + 1 < net.layers.length && units.length === 0) throw new Error(`removeUnits: hidden layer ${l + 1} would have no units left`);
  });
  const sizes = [net.sizes[0]!, ...keep.map((u) => u.length)];
  const smaller = new MLP(sizes, net.activations);
  net.layers.forEach((layer, l) => {
    const target = smaller.layers[l]!;
    const rows = keep[l]!;
    const columns = l === 0 ? Array.from({ length: layer.inputs }, (_, c) => c) : keep[l - 1]!;
    rows.forEach((r, newRow) => {
      columns.forEach((c, newColumn) => {
        const from = layer.weightOffset + r * layer.inputs + c;
        const to = target.weightOffset + newRow * target.inputs + newColumn;
        smaller.params[to] = net.params[from]!;
        smaller.mask[to] = net.mask[from]!;
      });
      smaller.params[target.biasOffset + newRow] = net.params[layer.biasOffset + r]!;
      smaller.mask[target.biasOffset + newRow] = net.mask[layer.biasOffset + r]!;
    });
  });
  smaller.applyMask();
  return smaller;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MLP } from '../../src/nn/mlp.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { formatModelFile, parseModelJson } from '../../src/nn/modelfile.js';
import { shrinkModel } from '../../src/pruning/shrink.js';
import { HIDDEN_ACTIVATIONS, randomModel, randomRows, selectColumns } from './models.js';

/** Largest |a − b| / max(1, |b|). */
function relativeError(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[k]!) / Math.max(1, Math.abs(b[k]!)))));
  return worst;
}

/** Whether every remaining hidden unit has an active weight in and out, and every feature one out. */
function fullyAlive(model: Model): boolean {
  const net = model.network;
  const first = net.layers[0]!;
  for (let c = 0; c < first.inputs; c++) {
    let alive = false;
    for (let r = 0; r < first.outputs; r++) alive ||= net.mask[first.weightOffset + r * first.inputs + c] !== 0;
    if (!alive) return false;
  }
  for (let l = 0; l + 1 < net.layers.length; l++) {
    const layer = net.layers[l]!;
    const next = net.layers[l + 1]!;
    for (let i = 0; i < layer.outputs; i++) {
      let into = false;
      let out = false;
      for (let c = 0; c < layer.inputs; c++) into ||= net.mask[layer.weightOffset + i * layer.inputs + c] !== 0;
      for (let r = 0; r < next.outputs; r++) out ||= net.mask[next.weightOffset + r * next.inputs + i] !== 0;
      if (!into || !out) return false;
    }
  }
  return true;
}

const specs = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  task: fc.constantFrom('classification' as const, 'regression' as const),
  inputs: fc.integer({ min: 1, max: 6 }),
  hidden: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  activation: fc.constantFrom(...HIDDEN_ACTIVATIONS),
  pruneRate: fc.double({ min: 0, max: 0.9, noNaN: true }),
  posterior: fc.boolean(),
});

describe('shrinkModel', () => {
  it('random masked models: the same predictions to 1e-12 on raw rows, and nothing dead left', () => {
    fc.assert(
      fc.property(specs, (s) => {
        const model = randomModel({ ...s, activations: s.hidden.map(() => s.activation) });
        const rows = randomRows(model, 7, s.seed + 1);
        const { model: shrunk, before, after, removedFeatures } = shrinkModel(model);
        const expected = predictRaw(model, rows);
        const got = predictRaw(shrunk, selectColumns(rows, model.features, shrunk.features));
        expect(relativeError(got, expected)).toBeLessThan(1e-12);
        expect(after.parameters).toBeLessThanOrEqual(before.parameters);
        expect(shrunk.features.length + removedFeatures.length).toBe(model.features.length);
        // Either nothing dead is left, or the whole network is a constant kept as one stub per layer.
        const constant = shrunk.network.sizes.slice(0, -1).every((size) => size === 1) && !fullyAlive(shrunk);
        expect(fullyAlive(shrunk) || constant).toBe(true);
        // Shrinking again changes nothing, and the file round-trips.
        expect(shrinkModel(shrunk).after.sizes).toEqual(after.sizes);
        const reread = parseModelJson(formatModelFile(shrunk), 'shrunk.json');
        expect(Array.from(reread.network.params)).toEqual(Array.from(shrunk.network.params));
        if (model.posterior !== undefined) {
          expect(shrunk.posterior!.mean.length).toBe(shrunk.network.parameterCount);
          expect(shrunk.posterior!.sigma.length).toBe(shrunk.network.parameterCount);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('folds a constant unit into the next biases, reactivating a pruned one, and carries the posterior', () => {
    // 2-3-1, sigmoid: unit 1 has no active incoming weight and a pruned bias, so it emits
    // sigmoid(0) = 0.5; unit 2 has no active outgoing weight. Output bias pruned.
    const params = Float64Array.of(1, 2, 0, 0, 3, 4, 0.1, 0, 0.3, 5, 7, 11, 0);
    const mask = Float64Array.of(1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0);
    const network = new MLP([2, 3, 1], ['sigmoid', 'identity'], params, mask);
    const model: Model = {
      network, task: 'regression', features: ['p', 'q'], target: 'y', classes: null,
      inputScaling: null, targetScaling: null,
      posterior: { mean: params.slice(), sigma: mask.map((m) => m * 0.5) },
    };
    const result = shrinkModel(model);
    expect(result.removedUnits.map((u) => `${u.name} ${u.reason}`)).toEqual(['h1[1] constant', 'h1[2] no-output']);
    expect(result.reactivatedBiases).toBe(1);
    const net = result.model.network;
    expect(net.sizes).toEqual([2, 1, 1]);
    // Output bias 0 + 7·0.5.
    expect(Array.from(net.params)).toEqual([1, 2, 0.1, 5, 3.5]);
    expect(Array.from(net.mask)).toEqual([1, 1, 1, 1, 1]);
    // Posterior: kept entries as they were; the folded bias: mean 7·0.5, sd √(0.5²·0.5²) (bias sd 0).
    expect(Array.from(result.model.posterior!.mean)).toEqual([1, 2, 0.1, 5, 3.5]);
    expect(Array.from(result.model.posterior!.sigma)).toEqual([0.5, 0.5, 0.5, 0.5, 0.25]);
    expect(result.before).toMatchObject({ sizes: [2, 3, 1], parameters: 13, active: 8 });
    expect(result.after).toMatchObject({ sizes: [2, 1, 1], parameters: 5, active: 5 });
    expect(result.after.bytes).toBeLessThan(result.before.bytes);
    expect(result.model.training).toMatchObject({ shrink: { from: [2, 3, 1], to: [2, 1, 1], reactivatedBiases: 1 } });
  });

  it('drops input features whose weights all go to removed units, with their scaling', () => {
    // Feature 1 only feeds unit 1, whose outgoing weight is pruned.
    const params = Float64Array.of(1, 0, 0, 2, 0.5, 0.5, 3, 0, 0);
    const mask = Float64Array.of(1, 0, 0, 1, 1, 1, 1, 0, 1);
    const model: Model = {
      network: new MLP([2, 2, 1], ['tanh', 'identity'], params, mask), task: 'regression', features: ['p', 'q'], target: 'y',
      classes: null, inputScaling: { mean: [1, 2], std: [3, 4] }, targetScaling: { mean: 5, std: 6 },
    };
    const { model: shrunk, removedFeatures } = shrinkModel(model);
    expect(removedFeatures).toEqual(['q']);
    expect(shrunk.features).toEqual(['p']);
    expect(shrunk.inputScaling).toEqual({ mean: [1], std: [3] });
    expect(shrunk.network.sizes).toEqual([1, 1, 1]);
    expect(predictRaw(shrunk, Float64Array.of(4))[0]).toBe(predictRaw(model, Float64Array.of(4, 123))[0]);
  });

  it('a model pruned to a constant keeps one stub per layer and predicts the constant', () => {
    const network = new MLP([3, 2, 2, 1], ['relu', 'tanh', 'identity']);
    network.params.fill(0.7);
    network.prune(Array.from({ length: 6 }, (_, j) => j)); // every first-layer weight
    const model: Model = { network, task: 'regression', features: ['a', 'b', 'c'], target: 'y', classes: null, inputScaling: null, targetScaling: null };
    const { model: shrunk, removedFeatures } = shrinkModel(model);
    expect(shrunk.network.sizes).toEqual([1, 1, 1, 1]);
    expect(removedFeatures).toEqual(['b', 'c']);
    expect(shrunk.network.activeCount).toBe(1);
    expect(predictRaw(shrunk, Float64Array.of(9))[0]).toBeCloseTo(predictRaw(model, Float64Array.of(1, 2, 3))[0]!, 14);
  });
});

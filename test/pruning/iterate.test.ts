import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { evaluate, trainOnDataset, type TrainResult } from '../../src/nn/fit.js';
import { MLP } from '../../src/nn/mlp.js';
import { negLogPosteriorValue } from '../../src/nn/train.js';
import { pruneLoop, type PruneLoopData } from '../../src/pruning/iterate.js';
import { Random } from '../../src/random/random.js';

let trained: TrainResult;
let data: PruneLoopData;

beforeAll(() => {
  trained = trainOnDataset(loadDataset('wine'), { hidden: [6], alpha: 1, seed: 3 });
  data = { model: trained.model, train: trained.data.train, test: trained.data.test, alpha: trained.prior.alpha, noiseVariance: 1 };
});

describe('pruneLoop', () => {
  it('follows the schedule: step k keeps round((1 − share)·n) parameters, removing the smallest |w| for magnitude', () => {
    const n = trained.model.network.parameterCount;
    const result = pruneLoop(data, { method: 'magnitude', schedule: [0.25, 0.5, 0.9], rng: new Random(0), keepModels: true });
    expect(result.steps.map((s) => s.active)).toEqual([n, ...[0.25, 0.5, 0.9].map((share) => Math.round((1 - share) * n))]);
    expect(result.steps[0]!.test).toEqual(evaluate(trained.model, data.test));
    // Each step removes the smallest magnitudes among the parameters still active.
    let active = new Set(Array.from({ length: n }, (_, j) => j));
    const w = trained.model.network.params;
    for (const step of result.steps.slice(1)) {
      const largestRemoved = Math.max(...step.removed.map((j) => Math.abs(w[j]!)));
      for (const j of step.removed) active.delete(j);
      const smallestKept = Math.min(...[...active].map((j) => Math.abs(w[j]!)));
      expect(largestRemoved).toBeLessThanOrEqual(smallestKept);
      expect(Array.from(step.mask!).filter((m) => m !== 0)).toHaveLength(step.active);
    }
    // The input model is not modified.
    expect(trained.model.network.activeCount).toBe(n);
  });

  it('keeps fine-tuning epochs only where they lower the training objective', () => {
    const objective = (params: Float64Array, mask: Float64Array): number => {
      const net = new MLP(trained.model.network.sizes, trained.model.network.activations, params.slice(), mask.slice());
      return negLogPosteriorValue(net, data.train, 'classification', data.alpha);
    };
    const asPruned = pruneLoop(data, { method: 'magnitude', schedule: [0.6], rng: new Random(1), keepModels: true }).steps[1]!;
    // A modest rate lowers the objective of the pruned model: kept.
    const tuned = pruneLoop(data, { method: 'magnitude', schedule: [0.6], fineTuneEpochs: 20, rng: new Random(1), keepModels: true }).steps[1]!;
    expect(tuned.fineTuneKept).toBe(true);
    expect(objective(tuned.params!, tuned.mask!)).toBeLessThan(objective(asPruned.params!, asPruned.mask!));
    // A rate of 50 throws the weights far off: undone, the fine-tuned model is the pruned one.
    const wild = pruneLoop(data, { method: 'magnitude', schedule: [0.6], fineTuneEpochs: 3, fineTuneLearningRate: 50, rng: new Random(1), keepModels: true }).steps[1]!;
    expect(wild.fineTuneKept).toBe(false);
    expect(Array.from(wild.params!)).toEqual(Array.from(asPruned.params!));
    expect(wild.testFineTuned).toEqual(asPruned.test);
  });
});

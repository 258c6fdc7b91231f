import { describe, expect, it } from 'vitest';
import * as prunus from '../src/index.js';

describe('the public library API', () => {
  it('runs the example of its documentation: train on Wine, score by OBD', () => {
    const { model, data, map } = prunus.trainOnDataset(prunus.loadDataset('wine'), { seed: 1 });
    const obd = prunus.scoreRelevance('obd', { network: model.network, task: model.task, batch: data.train, alpha: map.alpha, rng: new prunus.Random(1) });
    expect(obd.order[0]).toBe(obd.leastRelevant);
    expect(obd.parameters).toBe(275);
  });

  it('exposes the layers as namespaces and the seed methods by name', () => {
    expect(typeof prunus.linalg.symmetricEigen).toBe('function');
    expect(typeof prunus.autograd.hvp).toBe('function');
    expect([...prunus.SEED_METHODS]).toEqual(['random', 'obd', 'variational', 'belsley']);
    for (const name of prunus.SEED_METHODS) expect(prunus.isMethodName(name)).toBe(true);
  });
});

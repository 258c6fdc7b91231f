/**
 * Value tests of the method registry (src/pruning/methods.ts) written for mutation testing
 * (docs/mutation.md): names, dispatch, and the one option refused outside OBD.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { isMethodName, RELEVANCE_METHODS, scoreRelevance, SEED_METHODS } from '../../src/pruning/methods.js';
import type { RelevanceContext } from '../../src/pruning/relevance.js';
import { Random } from '../../src/random/random.js';

const context: RelevanceContext = {
  network: new MLP([1, 1], ['identity'], Float64Array.of(0.5, -2)), task: 'regression',
  batch: makeBatch(Float64Array.of(1, 2, 3), 1, Float64Array.of(0, 1, 1), 'regression'), alpha: 1, rng: new Random(0),
};

describe('relevance methods by name', () => {
  it('names: the seed study’s four and the two baselines beyond it; nothing else, inherited properties included', () => {
    expect(Object.keys(RELEVANCE_METHODS)).toEqual(['random', 'obd', 'variational', 'belsley', 'magnitude', 'obs']);
    expect(SEED_METHODS).toEqual(['random', 'obd', 'variational', 'belsley']);
    for (const name of Object.keys(RELEVANCE_METHODS)) expect(isMethodName(name)).toBe(true);
    for (const name of ['toString', 'constructor', 'OBD', '']) expect(isMethodName(name)).toBe(false);
  });

  it('dispatches to the named method with its options; Becker-LeCun only for OBD', () => {
    expect(scoreRelevance('magnitude', context).scores).toEqual(Float64Array.of(0.5, 2));
    expect(scoreRelevance('obd', context, { curvature: 'becker-lecun', saliency: 'seed' }).details.curvature).toBe('becker-lecun');
    for (const name of ['obs', 'belsley', 'magnitude'] as const) {
      expect(() => scoreRelevance(name, context, { curvature: 'becker-lecun' })).toThrow(`${name}: the Becker-LeCun curvature is only a diagonal; use gauss-newton or exact`);
    }
    expect(scoreRelevance('obs', context, { curvature: 'exact' }).details.curvature).toMatch(/exact/);
  });
});

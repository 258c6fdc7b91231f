/**
 * Value tests of OBS (src/pruning/obs.ts) written for mutation testing (docs/mutation.md): the
 * saliencies, [H⁻¹]_qq and the compensating update against G + αI built here from per-row output
 * gradients and inverted by Gauss-Jordan elimination, and the refusal of a singular G + αI.
 */
import { describe, expect, it } from 'vitest';
import { sum, Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { makeBatch } from '../../src/nn/losses.js';
import { forward, MLP } from '../../src/nn/mlp.js';
import { obsMethod } from '../../src/pruning/obs.js';
import type { RelevanceContext } from '../../src/pruning/relevance.js';
import { Random } from '../../src/random/random.js';
import { gramOfRows, inverseAndLogDet } from '../helpers/reference.js';

describe('OBS on a small regressor', () => {
  it('scores w²/(2[H⁻¹]_qq) with H = G/s² + αI; details hold [H⁻¹]_qq and the update −(w_ξ/[H⁻¹]_ξξ)·H⁻¹e_ξ', () => {
    const rng = new Random(3);
    const rows = 8;
    const x = rng.normals(rows * 2);
    const batch = makeBatch(x, 2, rng.normals(rows), 'regression');
    const net = new MLP([2, 2, 1], ['tanh', 'identity'], rng.normals(9));
    net.prune([2]);
    const s2 = 0.5;
    const alpha = [0.3, 2];
    const active = Array.from(net.activeIndices());
    const rowGradients = Array.from({ length: rows }, (_, r) =>
      valueAndGrad((w: Tensor) => sum(forward(net, w, new Tensor(x.slice(2 * r, 2 * r + 2), [1, 2]))))(new Tensor(net.params.slice())).grad.data);
    const h = gramOfRows(rowGradients, active).map((row, i) => row.map((v, j) => v / s2 + (i === j ? (active[i]! < 6 ? 0.3 : 2) : 0)));
    const { inverse } = inverseAndLogDet(h);
    const context: RelevanceContext = { network: net, task: 'regression', batch, alpha, noiseVariance: s2, rng: new Random(0) };
    const result = obsMethod.score(context);
    const w = net.params;
    active.forEach((j, a) => expect(result.scores[j]).toBeCloseTo(w[j]! ** 2 / (2 * inverse[a]![a]!), 10));
    active.forEach((_, a) => expect(result.details.inverseDiagonal[a]).toBeCloseTo(inverse[a]![a]!, 10));
    const q = active.indexOf(result.leastRelevant);
    const expectedLeast = active.reduce((best, j, a) => (w[j]! ** 2 / inverse[a]![a]! < w[best]! ** 2 / inverse[active.indexOf(best)]![active.indexOf(best)]! ? j : best), active[0]!);
    expect(result.leastRelevant).toBe(expectedLeast);
    active.forEach((j, a) => {
      const expected = a === q ? -w[j]! : -(w[active[q]!]! / inverse[q]![q]!) * inverse[a]![q]!;
      expect(result.details.update[j]).toBeCloseTo(expected, 10);
    });
    expect(result.details.update[2]).toBe(0);
    expect(result.details.negativeEigenvalues).toBe(0);
  });

  it('refuses a singular G + αI (a classifier at α = 0: softmax’s flat direction) instead of inverting rounding noise', () => {
    const batch = makeBatch(Float64Array.of(1, -1, 0.5, 2), 1, Float64Array.of(0, 1, 1, 0), 'classification');
    const net = new MLP([1, 2], ['identity'], Float64Array.of(0.3, -0.2, 0.1, 0.4));
    expect(() => obsMethod.score({ network: net, task: 'classification', batch, alpha: 0, rng: new Random(0) })).toThrow(/obs: Gauss-Newton G \+ αI is singular at α = 0/);
  });
});

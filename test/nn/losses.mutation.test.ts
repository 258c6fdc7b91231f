/**
 * Value tests of src/nn/losses.ts written for mutation testing (docs/mutation.md): the batch
 * helpers' bookkeeping, the prior's per-layer and per-parameter precisions, and the negative
 * log-posterior against its closed form for a linear model (no hidden layer), where every term
 * can be written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { alphaPerLayer, alphaPerParameter, batchRows, makeBatch, negLogLikelihood, negLogPosterior, noiseVarianceOf } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';

describe('batches', () => {
  it('a classification batch carries integer labels; a regression batch none, whatever its targets', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6);
    const c = makeBatch(x, 2, Float64Array.of(2, 0, 1), 'classification');
    expect(Array.from(c.labels)).toEqual([2, 0, 1]);
    expect(c.rows).toBe(3);
    expect(c.x.shape).toEqual([3, 2]);
    // Fractional and negative targets are fine for regression (they are not class indices).
    const r = makeBatch(x, 2, Float64Array.of(-0.5, 1.25, 7), 'regression');
    expect(r.labels.length).toBe(0);
    expect(Array.from(r.y)).toEqual([-0.5, 1.25, 7]);
    expect(() => makeBatch(x, 2, Float64Array.of(0, 1.5, 1), 'classification')).toThrow('row 1 has class index 1.5');
    expect(() => makeBatch(x, 2, Float64Array.of(0, 1, -1), 'classification')).toThrow('row 2 has class index -1');
    expect(() => makeBatch(x, 4, Float64Array.of(0, 1, 2), 'regression')).toThrow('6 input values do not make 3 rows of 4');
  });

  it('batchRows picks inputs, targets and labels of the given rows, in the given order', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const c = batchRows(makeBatch(x, 2, Float64Array.of(0, 1, 2, 3), 'classification'), [3, 0, 3]);
    expect(Array.from(c.x.data)).toEqual([7, 8, 1, 2, 7, 8]);
    expect(Array.from(c.y)).toEqual([3, 0, 3]);
    expect(Array.from(c.labels)).toEqual([3, 0, 3]);
    expect(c.rows).toBe(3);
    const r = batchRows(makeBatch(x, 2, Float64Array.of(0.5, -1, 2, 3), 'regression'), [1, 2]);
    expect(Array.from(r.x.data)).toEqual([3, 4, 5, 6]);
    expect(Array.from(r.y)).toEqual([-1, 2]);
    expect(r.labels.length).toBe(0);
    expect(r.x.shape).toEqual([2, 2]);
  });
});

describe('likelihood', () => {
  it('a regressor must have one output', () => {
    const batch = makeBatch(Float64Array.of(1, 2), 1, Float64Array.of(0, 1), 'regression');
    expect(() => negLogLikelihood('regression', new Tensor(new Float64Array(4), [2, 2]), batch)).toThrow('one output, got 2');
  });

  it('the Gaussian NLL: ½ Σ r²/s² + (N/2)·log(2π s²), the constant only when asked for', () => {
    const batch = makeBatch(Float64Array.of(0, 0, 0), 1, Float64Array.of(1, -2, 0.5), 'regression');
    const f = new Tensor(Float64Array.of(0.5, 0, 1), [3, 1]);
    const rss = 0.25 + 4 + 0.25;
    const s2 = 0.7;
    expect(negLogLikelihood('regression', f, batch, Math.log(s2), false).item()).toBeCloseTo(rss / (2 * s2), 14);
    expect(negLogLikelihood('regression', f, batch, Math.log(s2)).item()).toBeCloseTo(rss / (2 * s2) + 1.5 * Math.log(2 * Math.PI * s2), 14);
    expect(noiseVarianceOf(f.data, batch.y)).toBeCloseTo(rss / 3, 15);
    // A perfect fit is floored, not 0 (its log is taken); no rows divide by 1, not 0.
    expect(noiseVarianceOf(batch.y, batch.y)).toBe(1e-12);
    expect(noiseVarianceOf(new Float64Array(0), new Float64Array(0))).toBe(1e-12);
  });
});

describe('the prior precision', () => {
  const net = new MLP([2, 3, 1], ['tanh', 'identity']);

  it('per layer: a number or a one-element array repeats; L values are copied; other lengths are refused', () => {
    expect(alphaPerLayer(net, 0.3)).toEqual([0.3, 0.3]);
    expect(alphaPerLayer(net, [0.3])).toEqual([0.3, 0.3]);
    const given = [0.3, 4];
    const copy = alphaPerLayer(net, given);
    expect(copy).toEqual([0.3, 4]);
    expect(copy).not.toBe(given);
    expect(() => alphaPerLayer(net, [1, 2, 3])).toThrow('3 precisions for 2 layers');
    expect(() => alphaPerLayer(new MLP([2, 1], ['identity']), [1, 2])).toThrow('2 precisions for 1 layers');
  });

  it('per parameter: each layer’s value over its weights and its bias', () => {
    // Layer 1: 6 weights + 3 biases; layer 2: 3 weights + 1 bias.
    expect(Array.from(alphaPerParameter(net, [0.5, 7]))).toEqual([...Array(9).fill(0.5), ...Array(4).fill(7)]);
  });
});

describe('the negative log-posterior', () => {
  // f(x) = w1·x1 + w2·x2 + b on three rows.
  const x = Float64Array.of(1, 2, -1, 0.5, 3, -2);
  const y = Float64Array.of(0.5, -1, 2);
  const batch = makeBatch(x, 2, y, 'regression');
  const residualsOf = (w: readonly number[]) => [0, 1, 2].map((r) => y[r]! - (w[0]! * x[2 * r]! + w[1]! * x[2 * r + 1]! + w[2]!));

  it('is NLL (no constant) + ½ Σ_active α w², its gradient −Σ r·x̃ + α w; a pruned entry counts for neither', () => {
    const net = new MLP([2, 1], ['identity'], Float64Array.of(0.4, -0.3, 0.2), Float64Array.of(1, 0, 1));
    // A value at the pruned position of w itself: masked out of the likelihood and the penalty.
    const w = [0.4, 5, 0.2];
    const r = residualsOf([0.4, 0, 0.2]);
    const alpha = 0.8;
    const { value, grad } = valueAndGrad((t: Tensor) => negLogPosterior(net, batch, 'regression', alpha, t))(new Tensor(Float64Array.from(w)));
    expect(value.item()).toBeCloseTo(0.5 * r.reduce((a, v) => a + v * v, 0) + (alpha / 2) * (0.4 ** 2 + 0.2 ** 2), 13);
    const design = [0, 1, 2].map((k) => [x[2 * k]!, x[2 * k + 1]!, 1]);
    const expected = [0, 2].map((j) => -r.reduce((a, v, k) => a + v * design[k]![j]!, 0) + alpha * w[j]!);
    expect(grad.data[0]).toBeCloseTo(expected[0]!, 13);
    expect(grad.data[1]).toBe(0);
    expect(grad.data[2]).toBeCloseTo(expected[1]!, 13);
  });

  it('dataScale weighs the likelihood and not the prior; an α per layer weighs its layer', () => {
    const net = new MLP([2, 3, 1], ['identity', 'identity']);
    const w = Float64Array.from({ length: net.parameterCount }, (_, j) => Math.sin(j + 1));
    const plain = negLogPosterior(net, batch, 'regression', [0, 0], new Tensor(w)).item();
    const penalty = (alpha: number[]) => 0.5 * alphaPerParameter(net, alpha).reduce((a, al, j) => a + al * w[j]! ** 2, 0);
    expect(negLogPosterior(net, batch, 'regression', [0.5, 3], new Tensor(w), 0, 2.5).item()).toBeCloseTo(2.5 * plain + penalty([0.5, 3]), 12);
    expect(negLogPosterior(net, batch, 'regression', 0.5, new Tensor(w)).item()).toBeCloseTo(plain + penalty([0.5, 0.5]), 12);
    // The first layer alone: 9 parameters.
    let firstLayer = 0;
    for (let j = 0; j < 9; j++) firstLayer += w[j]! ** 2;
    expect(negLogPosterior(net, batch, 'regression', [2, 0], new Tensor(w)).item()).toBeCloseTo(plain + firstLayer, 12);
  });

  it('with a fitted noise (a tensor log s²) the normalizing constant is included, and its derivative is the fixed point’s', () => {
    const net = new MLP([2, 1], ['identity']);
    const w = [0.1, 0.2, -0.3];
    const r = residualsOf(w);
    const rss = r.reduce((a, v) => a + v * v, 0);
    const logS2 = Math.log(0.6);
    const { value, grad } = valueAndGrad((t: Tensor) => negLogPosterior(net, batch, 'regression', 0, new Tensor(Float64Array.from(w)), t))(new Tensor(Float64Array.of(logS2)));
    expect(value.item()).toBeCloseTo(rss / (2 * 0.6) + 1.5 * Math.log(2 * Math.PI * 0.6), 12);
    // ∂/∂ log s² = −RSS/(2s²) + N/2: zero at s² = RSS/N.
    expect(grad.data[0]).toBeCloseTo(-rss / (2 * 0.6) + 1.5, 12);
    // A number log s² drops the constant (the line search's objective).
    expect(negLogPosterior(net, batch, 'regression', 0, new Tensor(Float64Array.from(w)), logS2).item()).toBeCloseTo(rss / (2 * 0.6), 12);
  });

  it('classification: the summed softmax cross-entropy', () => {
    const net = new MLP([1, 2], ['identity'], Float64Array.of(1, -1, 0, 0));
    const c = makeBatch(Float64Array.of(1, 2), 1, Float64Array.of(0, 1), 'classification');
    // Logits (1, −1) with label 0, (2, −2) with label 1.
    const expected = Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(4));
    expect(negLogPosterior(net, c, 'classification', 0, new Tensor(net.params)).item()).toBeCloseTo(expected, 13);
  });
});

/**
 * Value tests of the fused losses (src/nn/fused-loss.ts) written for mutation testing
 * (docs/mutation.md): values in closed form, the output gradients and ∂/∂log s² by central
 * finite differences, row selection, and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../src/nn/losses.js';
import { gaussianLoss, passLoss, softmaxCrossEntropyLoss } from '../../src/nn/fused-loss.js';

/** Central difference of f at x along coordinate i. */
function central(f: (x: Float64Array) => number, x: Float64Array, i: number, h = 1e-5): number {
  const plus = x.slice();
  const minus = x.slice();
  plus[i]! += h;
  minus[i]! -= h;
  return (f(plus) - f(minus)) / (2 * h);
}

describe('softmax cross-entropy', () => {
  it('Σ log Σ exp z − z_y, its gradient scale·(softmax − onehot), rows picked by index', () => {
    const logits = Float64Array.of(1, -1, 0.5, /**/ 2, 2, -3, /**/ 800, 799, 0);
    const labels = Int32Array.of(2, 0, 1, 0);
    // Pass rows 0, 1, 2 read batch rows 3, 1, 2: labels 0, 0, 1.
    const rows = [3, 1, 2];
    const reference = (z: Float64Array) => [0, 1, 2].reduce((s, r) => {
      const row = Array.from(z.subarray(3 * r, 3 * r + 3));
      const top = Math.max(...row);
      return s + top + Math.log(row.reduce((t, v) => t + Math.exp(v - top), 0)) - row[labels[rows[r]!]!]!;
    }, 0);
    const delta = new Float64Array(9);
    const value = softmaxCrossEntropyLoss(logits, 3, labels, rows, 3, 2.5, delta);
    expect(value).toBeCloseTo(reference(logits), 12);
    for (let i = 0; i < 9; i++) expect(delta[i]).toBeCloseTo(2.5 * central(reference, logits, i), 6);
    // Without rows, pass row r reads batch row r.
    const plain = new Float64Array(9);
    const direct = softmaxCrossEntropyLoss(logits, 3, labels, undefined, 2, 1, plain);
    const row0 = Math.log(Math.exp(1) + Math.exp(-1) + Math.exp(0.5)) - 0.5;
    const row1 = 2 + Math.log(2 + Math.exp(-5)) - 2;
    expect(direct).toBeCloseTo(row0 + row1, 13);
    expect(Array.from(plain.subarray(6))).toEqual([0, 0, 0]);
  });

  it('refuses a class index outside the outputs', () => {
    const delta = new Float64Array(2);
    expect(() => softmaxCrossEntropyLoss(Float64Array.of(0, 0), 2, Int32Array.of(2), undefined, 1, 1, delta)).toThrow('class index 2 of row 0 is outside [0, 2)');
    expect(() => softmaxCrossEntropyLoss(Float64Array.of(0, 0), 2, Int32Array.of(0, -1), [1], 1, 1, delta)).toThrow('class index -1 of row 1 is outside [0, 2)');
    expect(softmaxCrossEntropyLoss(Float64Array.of(0, 0), 2, Int32Array.of(1), undefined, 1, 1, delta)).toBeCloseTo(Math.log(2), 15);
  });
});

describe('Gaussian NLL', () => {
  const outputs = Float64Array.of(0.5, -1, 2);
  const targets = Float64Array.of(9, 1, 0, 1.5);
  const rows = [1, 3, 2];

  it('½ Σ r²/s² (+ (N/2) log 2πs²), gradient scale·(f − y)/s², slope ∂/∂log s² — by central differences', () => {
    const logS2 = Math.log(0.3);
    for (const constant of [false, true]) {
      const value = (f: Float64Array, ls = logS2) => gaussianLoss(f, targets, rows, 3, ls, constant, 1, new Float64Array(3)).value;
      const delta = new Float64Array(3);
      const loss = gaussianLoss(outputs, targets, rows, 3, logS2, constant, 4, delta);
      const rss = (0.5 - 1) ** 2 + (-1 - 1.5) ** 2 + (2 - 0) ** 2;
      expect(loss.value).toBeCloseTo(rss / 0.6 + (constant ? 1.5 * Math.log(2 * Math.PI * 0.3) : 0), 12);
      for (let i = 0; i < 3; i++) expect(delta[i]).toBeCloseTo(4 * central(value, outputs, i), 6);
      const slope = (value(outputs, logS2 + 1e-6) - value(outputs, logS2 - 1e-6)) / 2e-6;
      expect(loss.noiseSlope).toBeCloseTo(slope, 5);
    }
    // Without rows: the first targets.
    expect(gaussianLoss(outputs, targets, undefined, 2, 0, false, 1, new Float64Array(3)).value).toBeCloseTo(0.5 * (8.5 ** 2 + 2 ** 2), 12);
  });

  it('passLoss dispatches by task and refuses a regressor with two outputs', () => {
    const regression = makeBatch(Float64Array.of(0, 0), 1, Float64Array.of(1, -1), 'regression');
    const delta = new Float64Array(4);
    const r = passLoss('regression', Float64Array.of(0, 0), 1, regression, undefined, 2, 0, false, 1, delta);
    expect(r).toEqual({ value: 1, noiseSlope: -1 });
    expect(() => passLoss('regression', new Float64Array(4), 2, regression, undefined, 2, 0, false, 1, delta)).toThrow('a regressor has one output, got 2');
    const classification = makeBatch(Float64Array.of(0, 0), 1, Float64Array.of(1, 0), 'classification');
    const c = passLoss('classification', Float64Array.of(0, 0, 0, 0), 2, classification, undefined, 2, 5, true, 1, delta);
    expect(c.value).toBeCloseTo(2 * Math.log(2), 15);
    expect(c.noiseSlope).toBe(0);
    expect(Array.from(delta)).toEqual([0.5, -0.5, -0.5, 0.5]);
  });
});

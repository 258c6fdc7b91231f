/**
 * Value tests of the curvature entry points (src/nn/curvature.ts) written for mutation testing
 * (docs/mutation.md): their input checks and dense-size limits, the 1/s² scaling of every
 * curvature, and the gradient against central differences of the loss itself.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/autograd/index.js';
import {
  beckerLeCunDiagonal, exactHessianDiagonal, exactHessianMatrix, gaussNewtonDiagonal, gaussNewtonMatrix, lossAndGradient,
} from '../../src/nn/curvature.js';
import { makeBatch, type Batch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { Random } from '../../src/random/random.js';

const rng = new Random(4);
const regressor = new MLP([2, 3, 1], ['sigmoid', 'identity'], rng.normals(13));
const regression = makeBatch(rng.normals(10), 2, rng.normals(5), 'regression');
const classifier = new MLP([2, 2], ['identity'], rng.normals(6));
const classification = makeBatch(rng.normals(6), 2, Float64Array.of(0, 1, 1), 'classification');

const all = [exactHessianDiagonal, gaussNewtonDiagonal, beckerLeCunDiagonal, gaussNewtonMatrix, exactHessianMatrix, lossAndGradient] as const;

describe('curvature input checks', () => {
  it('refuses inputs of the wrong width, labels or targets that do not match the rows, classes beyond the outputs, a regressor with two outputs', () => {
    const wide = makeBatch(new Float64Array(9), 3, new Float64Array(3), 'regression');
    const fewLabels: Batch = { ...classification, labels: Int32Array.of(0, 1) };
    const beyond: Batch = { ...classification, labels: Int32Array.of(0, 2, 1) };
    const negative: Batch = { ...classification, labels: Int32Array.of(0, -1, 1) };
    const fewTargets: Batch = { ...regression, y: new Float64Array(4) };
    const rowsMismatch: Batch = { ...regression, rows: 4 };
    const rank3: Batch = { ...regression, x: new Tensor(regression.x.data, [5, 2, 1]) };
    for (const f of all) {
      const name = f.name;
      expect(() => f(regressor, wide, 'regression')).toThrow(`${name}: the batch inputs must be [3, 2] for this network, got [3, 3]`);
      expect(() => f(regressor, rowsMismatch, 'regression')).toThrow(`${name}: the batch inputs must be [4, 2]`);
      expect(() => f(regressor, rank3, 'regression')).toThrow(`${name}: the batch inputs must be [5, 2] for this network, got [5, 2, 1]`);
      expect(() => f(classifier, fewLabels, 'classification')).toThrow(`${name}: 2 class labels for 3 rows`);
      expect(() => f(classifier, beyond, 'classification')).toThrow(`${name}: row 1 has class 2, but the network has 2 outputs`);
      expect(() => f(classifier, negative, 'classification')).toThrow(`${name}: row 1 has class -1`);
      expect(() => f(classifier, regression, 'regression')).toThrow(`${name}: a regressor has one output, this network has 2`);
      expect(() => f(regressor, fewTargets, 'regression')).toThrow(`${name}: 4 targets for 5 rows`);
      for (const noiseVariance of [0, -1, Number.NaN, Infinity]) {
        expect(() => f(regressor, regression, 'regression', { noiseVariance })).toThrow(`${name}: noiseVariance must be a positive finite number, got ${noiseVariance}`);
      }
    }
  });

  it('dense matrices stop at maxParameters (the active count for Gauss-Newton), naming the size and the diagonal to use', () => {
    expect(gaussNewtonMatrix(regressor, regression, 'regression', { maxParameters: 13 }).length).toBe(169);
    expect(exactHessianMatrix(regressor, regression, 'regression', { maxParameters: 13 }).length).toBe(169);
    expect(() => gaussNewtonMatrix(regressor, regression, 'regression', { maxParameters: 12 })).toThrow('gaussNewtonMatrix: 13 parameters would need a dense 13×13 matrix (0 MB); the limit is 12 (maxParameters). Use gaussNewtonDiagonal');
    expect(() => exactHessianMatrix(regressor, regression, 'regression', { maxParameters: 12 })).toThrow('exactHessianMatrix: 13 parameters would need a dense 13×13 matrix (0 MB); the limit is 12 (maxParameters). Use exactHessianDiagonal');
    expect(gaussNewtonMatrix(regressor, regression, 'regression', { maxParameters: 4, active: [0, 5, 12] }).length).toBe(9);
    expect(() => gaussNewtonMatrix(regressor, regression, 'regression', { maxParameters: 2, active: [0, 5, 12] })).toThrow('3 parameters would need');
  });
});

describe('curvature values', () => {
  it('every curvature of a regressor scales by 1/s²; a classifier ignores s²', () => {
    const s2 = 0.25;
    for (const f of [exactHessianDiagonal, gaussNewtonDiagonal, beckerLeCunDiagonal, gaussNewtonMatrix, exactHessianMatrix]) {
      const unit = f(regressor, regression, 'regression');
      const scaled = f(regressor, regression, 'regression', { noiseVariance: s2 });
      unit.forEach((v, i) => expect(scaled[i]).toBeCloseTo(v / s2, 10));
      expect(Array.from(f(classifier, classification, 'classification', { noiseVariance: s2 }))).toEqual(Array.from(f(classifier, classification, 'classification')));
    }
  });

  it('lossAndGradient: ½ Σ r²/s² and its gradient by central differences, pruned entries included', () => {
    const net = regressor.clone();
    net.prune([3]);
    const s2 = 0.6;
    // f(x) = Σ_i W2[i]·sigmoid(W1[i]·x + b1[i]) + b2, written out.
    const loss = (w: Float64Array) => {
      let total = 0;
      for (let r = 0; r < regression.rows; r++) {
        const x = regression.x.data.subarray(2 * r, 2 * r + 2);
        const h = [0, 1, 2].map((i) => 1 / (1 + Math.exp(-(w[2 * i]! * x[0]! + w[2 * i + 1]! * x[1]! + w[6 + i]!))));
        const f = h.reduce((s, v, i) => s + v * w[9 + i]!, w[12]!);
        total += (regression.y[r]! - f) ** 2;
      }
      return total / (2 * s2);
    };
    const { loss: value, gradient } = lossAndGradient(net, regression, 'regression', { noiseVariance: s2 });
    const at = net.params.slice();
    expect(value).toBeCloseTo(loss(at), 12);
    for (let j = 0; j < 13; j++) {
      const plus = at.slice();
      const minus = at.slice();
      plus[j]! += 1e-6;
      minus[j]! -= 1e-6;
      expect(gradient[j]).toBeCloseTo((loss(plus) - loss(minus)) / 2e-6, 6);
    }
    // The pruned weight gets its gradient (what restoring it would do), at the masked point.
    expect(Math.abs(gradient[3]!)).toBeGreaterThan(1e-6);
  });
});

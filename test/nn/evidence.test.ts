import { describe, expect, it } from 'vitest';
import { cholesky, spdSolve, symmetricEigen } from '../../src/linalg/index.js';
import { evidenceUpdate, laplaceEvidence } from '../../src/nn/evidence.js';
import { makeBatch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { fitMap } from '../../src/nn/train.js';
import { Random } from '../../src/random/random.js';

/**
 * Closed-form Bayesian linear regression with the design X̃ = [X, 1] (the bias is a parameter
 * with the same prior), computed here without the network code: the reference the evidence
 * framework must reproduce for a network with no hidden layer.
 */
function bayesianLinearRegression(x: Float64Array, y: Float64Array, rows: number, m: number, alpha: number, s2: number) {
  const p = m + 1;
  const design = new Float64Array(rows * p);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < m; c++) design[i * p + c] = x[i * m + c]!;
    design[i * p + m] = 1;
  }
  const gram = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let i = 0; i < rows; i++) {
    for (let a = 0; a < p; a++) {
      xty[a]! += (design[i * p + a]! * y[i]!) / s2;
      for (let b = 0; b < p; b++) gram[a * p + b]! += (design[i * p + a]! * design[i * p + b]!) / s2;
    }
  }
  const precision = gram.slice();
  for (let a = 0; a < p; a++) precision[a * p + a]! += alpha;
  const mean = spdSolve(precision, xty, p, 1);
  // Marginal likelihood: y ~ N(0, s² I + X̃X̃ᵀ/α).
  const c = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let dot = 0;
      for (let a = 0; a < p; a++) dot += design[i * p + a]! * design[j * p + a]!;
      c[i * rows + j] = dot / alpha + (i === j ? s2 : 0);
    }
  }
  const factor = cholesky(c, rows);
  let logDet = 0;
  for (let i = 0; i < rows; i++) logDet += 2 * Math.log(factor[i * rows + i]!);
  const solved = spdSolve(c, y, rows, 1);
  const quadratic = y.reduce((sum, v, i) => sum + v * solved[i]!, 0);
  const logEvidence = -0.5 * quadratic - 0.5 * logDet - 0.5 * rows * Math.log(2 * Math.PI);
  const eigenvalues = symmetricEigen(gram, p).values;
  const gamma = Array.from(eigenvalues).reduce((sum, l) => sum + l / (l + alpha), 0);
  let residual = 0;
  for (let i = 0; i < rows; i++) {
    let f = 0;
    for (let a = 0; a < p; a++) f += design[i * p + a]! * mean[a]!;
    residual += (y[i]! - f) ** 2;
  }
  const norm = mean.reduce((sum, v) => sum + v * v, 0);
  return { mean, logEvidence, gamma, alpha: gamma / norm, noiseVariance: residual / (rows - gamma) };
}

function linearData(seed: number, rows: number, m: number) {
  const rng = new Random(seed);
  const x = rng.normals(rows * m);
  const truth = rng.normals(m);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let f = 0.3;
    for (let c = 0; c < m; c++) f += x[i * m + c]! * truth[c]!;
    y[i] = f + 0.7 * rng.normal();
  }
  return { x, y, batch: makeBatch(x, m, y, 'regression') };
}

describe('the evidence framework on a network with no hidden layer is exact Bayesian linear regression', () => {
  for (const [alpha, s2] of [[0.5, 0.4], [3, 1.7], [0.01, 0.9]] as const) {
    it(`log evidence, γ, and the α and s² updates match the closed form to 1e-8 (α = ${alpha}, s² = ${s2})`, () => {
      const rows = 40;
      const m = 3;
      const { x, y, batch } = linearData(11, rows, m);
      const net = new MLP([m, 1], ['identity']);
      fitMap(net, batch, 'regression', { alpha, noiseVariance: s2, gradientTolerance: 1e-12 });
      const reference = bayesianLinearRegression(x, y, rows, m, alpha, s2);
      reference.mean.forEach((v, a) => expect(net.params[a]).toBeCloseTo(v, 9));
      const evidence = laplaceEvidence(net, batch, 'regression', alpha, s2);
      const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      expect(relative(evidence.logEvidence, reference.logEvidence)).toBeLessThan(1e-8);
      expect(relative(evidence.gamma, reference.gamma)).toBeLessThan(1e-8);
      const update = evidenceUpdate(evidence, [alpha], 'global', 'regression');
      expect(relative(update.alpha[0]!, reference.alpha)).toBeLessThan(1e-8);
      expect(relative(update.noiseVariance, reference.noiseVariance)).toBeLessThan(1e-8);
      // One layer: the per-layer update is the global one.
      expect(relative(evidenceUpdate(evidence, [alpha], 'layer', 'regression').alpha[0]!, reference.alpha)).toBeLessThan(1e-8);
    });
  }

  it('pruned parameters are outside the model: the evidence is that of the regression on the active columns', () => {
    const rows = 30;
    const { x, y, batch } = linearData(4, rows, 3);
    const net = new MLP([3, 1], ['identity']);
    net.prune([1]);
    fitMap(net, batch, 'regression', { alpha: 2, noiseVariance: 0.6, gradientTolerance: 1e-12 });
    const reduced = Float64Array.from({ length: rows * 2 }, (_, t) => x[Math.floor(t / 2) * 3 + (t % 2 === 0 ? 0 : 2)]!);
    const reference = bayesianLinearRegression(reduced, y, rows, 2, 2, 0.6);
    const evidence = laplaceEvidence(net, batch, 'regression', 2, 0.6);
    expect(Math.abs(evidence.logEvidence - reference.logEvidence)).toBeLessThan(1e-8 * Math.abs(reference.logEvidence));
    expect(evidence.activePerLayer).toEqual([3]);
  });

  it('refuses α = 0 with a remedy', () => {
    const { batch } = linearData(1, 10, 2);
    const net = new MLP([2, 1], ['identity']);
    expect(() => laplaceEvidence(net, batch, 'regression', 0, 1)).toThrow(/α = 0 the prior is improper.*positive --alpha, or --alpha elbo/);
  });
});

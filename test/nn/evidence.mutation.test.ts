/**
 * Value tests of src/nn/evidence.ts written for mutation testing (docs/mutation.md), beyond the
 * linear-regression closed form of evidence.test.ts: a network with a hidden layer and a prior
 * per layer (γ and ‖ŵ‖² split by layer), a softmax classifier (no noise variance anywhere), and
 * the fixed-point update on hand-made inputs. The references compute G, its inverse and its
 * determinant here, from per-row Jacobians and plain Gauss-Jordan elimination, without the
 * curvature or linear-algebra code under test.
 */
import { describe, expect, it } from 'vitest';
import { noGrad, sum, Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { evidenceUpdate, laplaceEvidence, type LaplaceEvidence } from '../../src/nn/evidence.js';
import { makeBatch } from '../../src/nn/losses.js';
import { forward, MLP } from '../../src/nn/mlp.js';
import { Random } from '../../src/random/random.js';
import { inverseAndLogDet } from '../helpers/reference.js';

/** The Laplace quantities from a given G (active block) and misfit, as docs/methods.md §1 writes them. */
function reference(g: number[][], active: number[], layerOf: (j: number) => number, alpha: number[], w: Float64Array, nll: number, normalizer: number) {
  const k = active.length;
  const a = g.map((row, i) => row.map((v, j) => v + (i === j ? alpha[layerOf(active[i]!)]! : 0)));
  const { inverse, logDet } = inverseAndLogDet(a);
  const layers = alpha.length;
  const gamma = new Array<number>(layers).fill(0);
  const norms = new Array<number>(layers).fill(0);
  const counts = new Array<number>(layers).fill(0);
  for (let i = 0; i < k; i++) {
    const l = layerOf(active[i]!);
    counts[l]!++;
    gamma[l]! += 1 - alpha[l]! * inverse[i]![i]!;
    norms[l]! += w[active[i]!]! ** 2;
  }
  const misfit = nll + alpha.reduce((s, al, l) => s + 0.5 * al * norms[l]!, 0);
  const logPrior = alpha.reduce((s, al, l) => s + 0.5 * counts[l]! * Math.log(al), 0);
  return { gamma, norms, counts, misfit, logDet, logEvidence: -misfit - 0.5 * logDet + logPrior - normalizer };
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('Laplace evidence of a network with a hidden layer and a prior per layer', () => {
  it('γ, ‖ŵ‖² and counts per layer, the determinant and the log evidence match the per-row Jacobian reference', () => {
    const rng = new Random(5);
    const rows = 7;
    const x = rng.normals(rows * 2);
    const y = rng.normals(rows);
    const batch = makeBatch(x, 2, y, 'regression');
    const net = MLP.initialized([2, 3, 1], ['tanh', 'identity'], rng);
    for (let j = 0; j < net.parameterCount; j++) net.params[j] = rng.normal();
    net.prune([1, 10]); // a first-layer weight and a second-layer weight
    const s2 = 0.37;
    const alpha = [0.6, 2.5];
    const active = Array.from(net.activeIndices());
    const layerOf = (j: number) => (j < 9 ? 0 : 1);
    // G = Σ_r J_rᵀ J_r / s² from each row's output gradient (autograd), active block only.
    const g = active.map(() => new Array<number>(active.length).fill(0));
    let rss = 0;
    for (let r = 0; r < rows; r++) {
      const xr = new Tensor(x.slice(2 * r, 2 * r + 2), [1, 2]);
      const { value, grad } = valueAndGrad((w: Tensor) => sum(forward(net, w, xr)))(new Tensor(net.params.slice()));
      rss += (y[r]! - value.item()) ** 2;
      active.forEach((a, i) => active.forEach((b, j) => (g[i]![j]! += (grad.data[a]! * grad.data[b]!) / s2)));
    }
    const ref = reference(g, active, layerOf, alpha, net.params, rss / (2 * s2), 0.5 * rows * Math.log(2 * Math.PI * s2));
    const e = laplaceEvidence(net, batch, 'regression', alpha, s2);
    expect(e.activePerLayer).toEqual([8, 3]);
    expect(e.activePerLayer).toEqual(ref.counts);
    e.gammaPerLayer.forEach((v, l) => expect(relative(v, ref.gamma[l]!)).toBeLessThan(1e-9));
    e.squaredNorms.forEach((v, l) => expect(relative(v, ref.norms[l]!)).toBeLessThan(1e-12));
    expect(relative(e.gamma, ref.gamma[0]! + ref.gamma[1]!)).toBeLessThan(1e-9);
    expect(relative(e.logDeterminant, ref.logDet)).toBeLessThan(1e-9);
    expect(relative(e.misfit, ref.misfit)).toBeLessThan(1e-12);
    expect(relative(e.logEvidence, ref.logEvidence)).toBeLessThan(1e-9);
    expect(relative(e.residualSumOfSquares, rss)).toBeLessThan(1e-12);
    expect(e.rows).toBe(rows);

    // The updates: per layer γ_l/‖ŵ_l‖², global Σγ/Σ‖ŵ‖², s² = RSS/(N − γ) either way.
    const layerUpdate = evidenceUpdate(e, alpha, 'layer', 'regression');
    layerUpdate.alpha.forEach((v, l) => expect(relative(v, ref.gamma[l]! / ref.norms[l]!)).toBeLessThan(1e-9));
    const globalUpdate = evidenceUpdate(e, alpha, 'global', 'regression');
    const globalAlpha = (ref.gamma[0]! + ref.gamma[1]!) / (ref.norms[0]! + ref.norms[1]!);
    globalUpdate.alpha.forEach((v) => expect(relative(v, globalAlpha)).toBeLessThan(1e-9));
    for (const u of [layerUpdate, globalUpdate]) expect(relative(u.noiseVariance, rss / (rows - ref.gamma[0]! - ref.gamma[1]!))).toBeLessThan(1e-9);
  });

  it('refuses an α that is zero, negative or infinite in any one layer', () => {
    const net = new MLP([1, 2, 1], ['tanh', 'identity']);
    const batch = makeBatch(Float64Array.of(1, 2), 1, Float64Array.of(0, 1), 'regression');
    for (const alpha of [[1, 0], [0, 1], [-1, 1], [1, Infinity]]) expect(() => laplaceEvidence(net, batch, 'regression', alpha)).toThrow('α must be positive and finite');
  });
});

describe('Laplace evidence of a softmax classifier', () => {
  it('matches the hand-written Gauss-Newton matrix of a linear softmax model; a noise variance passed in is ignored', () => {
    // Logits z_c = Σ_i W[c,i] x_i + b_c: G = Σ_r J_rᵀ (diag p − p pᵀ) J_r, with J_r picking x̃ = (x, 1).
    const rng = new Random(8);
    const rows = 6;
    const m = 2;
    const classes = 3;
    const x = rng.normals(rows * m);
    const y = Float64Array.of(0, 1, 2, 1, 0, 2);
    const batch = makeBatch(x, m, y, 'classification');
    const net = new MLP([m, classes], ['identity'], rng.normals(classes * (m + 1)));
    const w = net.params;
    const n = net.parameterCount;
    const g = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    let nll = 0;
    // Parameter of class c and input i (i = m: the bias).
    const index = (c: number, i: number) => (i < m ? c * m + i : classes * m + c);
    for (let r = 0; r < rows; r++) {
      const xt = [...x.slice(r * m, r * m + m), 1];
      const z = Array.from({ length: classes }, (_, c) => xt.reduce((s, v, i) => s + v * w[index(c, i)]!, 0));
      const top = Math.max(...z);
      const total = z.reduce((s, v) => s + Math.exp(v - top), 0);
      const p = z.map((v) => Math.exp(v - top) / total);
      nll += top + Math.log(total) - z[y[r]!]!;
      for (let c = 0; c < classes; c++) {
        for (let d = 0; d < classes; d++) {
          const h = (c === d ? p[c]! : 0) - p[c]! * p[d]!;
          for (let i = 0; i <= m; i++) for (let j = 0; j <= m; j++) g[index(c, i)]![index(d, j)]! += h * xt[i]! * xt[j]!;
        }
      }
    }
    const alpha = 0.9;
    const ref = reference(g, Array.from({ length: n }, (_, j) => j), () => 0, [alpha], w, nll, 0);
    for (const noise of [1, 2.5]) {
      const e = laplaceEvidence(net, batch, 'classification', alpha, noise);
      expect(relative(e.logEvidence, ref.logEvidence)).toBeLessThan(1e-9);
      expect(relative(e.gamma, ref.gamma[0]!)).toBeLessThan(1e-9);
      expect(relative(e.misfit, ref.misfit)).toBeLessThan(1e-12);
      expect(e.residualSumOfSquares).toBeNaN();
      // No noise variance for a classifier: the update leaves it at 1.
      expect(evidenceUpdate(e, [alpha], 'global', 'classification').noiseVariance).toBe(1);
    }
    expect(noGrad(() => forward(net, new Tensor(w), batch.x)).shape).toEqual([rows, classes]);
  });
});

describe('the fixed-point update', () => {
  const evidence = (gammaPerLayer: number[], squaredNorms: number[]): LaplaceEvidence => ({
    logEvidence: 0, gammaPerLayer, gamma: gammaPerLayer.reduce((a, b) => a + b, 0), logDeterminant: 0, misfit: 0,
    squaredNorms, activePerLayer: squaredNorms.map(() => 3), residualSumOfSquares: 12, rows: 10,
  });

  it('α_l ← γ_l/‖ŵ_l‖², a layer with zero weights keeps its α; global α ← Σγ/Σ‖ŵ‖²; s² ← RSS/(N − γ)', () => {
    const e = evidence([1, 1.5], [0, 2]);
    expect(evidenceUpdate(e, [0.3, 4], 'layer', 'regression')).toEqual({ alpha: [0.3, 0.75], noiseVariance: 12 / (10 - 2.5) });
    expect(evidenceUpdate(e, [0.3, 0.3], 'global', 'regression')).toEqual({ alpha: [1.25, 1.25], noiseVariance: 12 / 7.5 });
    // All weights zero: the global α stays.
    expect(evidenceUpdate(evidence([1, 1], [0, 0]), [0.3, 0.3], 'global', 'regression').alpha).toEqual([0.3, 0.3]);
    // γ ≥ N (an overfit): the denominator is floored, not negative.
    expect(evidenceUpdate(evidence([6, 4], [1, 1]), [1, 1], 'global', 'regression').noiseVariance).toBe(12 / 1e-12);
  });
});

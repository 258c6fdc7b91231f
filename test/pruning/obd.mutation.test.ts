/**
 * Value tests of OBD (src/pruning/obd.ts) written for mutation testing (docs/mutation.md): every
 * saliency, the noise scaling, the per-layer prior, the choice of diagonal and the two counts of
 * negative entries, on a small regressor away from its fit (so the gradient, the negative
 * curvature and the noise all show). The references are autograd's dense Hessian and gradient
 * of ½ Σ (y − f)² and per-row output gradients, not the curvature code OBD calls.
 */
import { describe, expect, it } from 'vitest';
import { hessian, mul, square, sub, sum, Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { beckerLeCunDiagonal } from '../../src/nn/curvature.js';
import { alphaPerParameter, makeBatch } from '../../src/nn/losses.js';
import { forward, MLP } from '../../src/nn/mlp.js';
import { obdMethod } from '../../src/pruning/obd.js';
import type { RelevanceContext } from '../../src/pruning/relevance.js';
import { Random } from '../../src/random/random.js';

const rows = 6;
const rng = new Random(21);
// Input 1 is zero on every row: its first-layer weights have h = g = 0 exactly (an edge for the counts).
const x = Float64Array.from({ length: rows * 2 }, (_, t) => (t % 2 === 0 ? 1.5 * rng.normal() : 0));
// Targets far from the outputs: large residuals make the exact diagonal negative in places.
const y = Float64Array.from({ length: rows }, () => 4 * rng.normal());
const batch = makeBatch(x, 2, y, 'regression');
const net = new MLP([2, 3, 1], ['tanh', 'identity'], Float64Array.from({ length: 13 }, () => 1.2 * rng.normal()));
net.prune([4]);
const active = Array.from(net.activeIndices());

/** ½ Σ (y − f)²: the NLL at unit noise, without its constant. */
const halfSquares = (w: Tensor) => mul(0.5, sum(square(sub(forward(net, w, batch.x), new Tensor(y, [rows, 1])))));
const n = net.parameterCount;
const fullHessian = hessian(halfSquares, net.params.slice());
const h = Float64Array.from({ length: n }, (_, j) => fullHessian[j * n + j]!);
const g = valueAndGrad(halfSquares)(new Tensor(net.params.slice())).grad.data;
/** Σ_r (∂f_r/∂w_j)²: the Gauss-Newton diagonal of a regressor at unit noise. */
function gaussNewtonReference(network: MLP): Float64Array {
  const out = new Float64Array(network.parameterCount);
  for (let r = 0; r < rows; r++) {
    const xr = new Tensor(x.slice(2 * r, 2 * r + 2), [1, 2]);
    const d = valueAndGrad((w: Tensor) => sum(forward(network, w, xr)))(new Tensor(network.params.slice())).grad.data;
    for (let j = 0; j < out.length; j++) out[j]! += d[j]! ** 2;
  }
  return out;
}

const s2 = 0.4;
const alpha = [0.05, 3];
const context: RelevanceContext = { network: net, task: 'regression', batch, alpha, noiseVariance: s2, rng: new Random(0) };
const a = alphaPerParameter(net, alpha);

describe('OBD on a regressor off its fit, with a prior per layer and noise s² ≠ 1', () => {
  it('the case has what the checks need: negative diagonal entries, some below −α·s², and exact zeros', () => {
    expect(active.some((j) => h[j]! < 0)).toBe(true);
    expect(active.some((j) => h[j]! / s2 + a[j]! < 0)).toBe(true);
    expect(active.some((j) => h[j]! === 0)).toBe(true);
    expect(active.some((j) => h[j]! > 0 && h[j]! / s2 < a[j]!)).toBe(true);
  });

  it('every saliency follows its formula, with g and h over s² where the objective is the fitted one', () => {
    const scores = (saliency: 'map' | 'likelihood' | 'posterior' | 'seed') => obdMethod.score(context, { saliency }).scores;
    const w = net.params;
    const formulas = {
      seed: (j: number) => 0.5 * h[j]! * w[j]! ** 2,
      map: (j: number) => 0.5 * (h[j]! / s2 + 2 * a[j]!) * w[j]! ** 2,
      likelihood: (j: number) => (-g[j]! / s2) * w[j]! + 0.5 * (h[j]! / s2) * w[j]! ** 2,
      posterior: (j: number) => -(g[j]! / s2 + a[j]! * w[j]!) * w[j]! + 0.5 * (h[j]! / s2 + a[j]!) * w[j]! ** 2,
    };
    for (const [saliency, formula] of Object.entries(formulas)) {
      const got = scores(saliency as keyof typeof formulas);
      for (const j of active) expect(got[j], `${saliency} ${j}`).toBeCloseTo(formula(j), 10);
      expect(got[4]).toBeNaN();
    }
    // The default is `map`.
    expect(Array.from(obdMethod.score(context).scores)).toEqual(Array.from(scores('map')));
  });

  it('details: the unit-noise diagonal and gradient, s², and both counts of negative entries', () => {
    const { details } = obdMethod.score(context);
    for (const j of active) {
      expect(details.hessianDiag[j]).toBeCloseTo(h[j]!, 10);
      expect(details.gradient[j]).toBeCloseTo(g[j]!, 10);
    }
    expect(details.noiseVariance).toBeCloseTo(s2, 15);
    expect(details.curvature).toBe('exact');
    expect(details.saliency).toBe('map');
    expect(details.negativeDiagonalEntries).toBe(active.filter((j) => h[j]! < 0).length);
    expect(details.negativePosteriorDiagonalEntries).toBe(active.filter((j) => h[j]! / s2 + a[j]! < 0).length);
    // An α between the negative entries' sizes: h/s² + α < 0 for some of them, not all (and a
    // different count than, say, 1/(s²h) + α < 0 would give).
    const sizes = active.filter((j) => h[j]! < 0).map((j) => -h[j]!).sort((p, q) => p - q);
    const half = Math.floor(sizes.length / 2);
    // Halfway between two neighbouring sizes, so no entry sits on the boundary.
    const middle = (sizes[half - 1]! + sizes[half]!) / (2 * s2);
    const split = obdMethod.score({ ...context, alpha: [middle, 3] }).details.negativePosteriorDiagonalEntries;
    const expected = active.filter((j) => h[j]! / s2 + (j < 9 ? middle : 3) < 0).length;
    expect(split).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(sizes.length);
    expect(active.filter((j) => 1 / (s2 * h[j]!) + (j < 9 ? middle : 3) < 0).length).not.toBe(expected);
    // With α = 0 on the first layer its zero entries sit exactly on the boundary: not counted.
    const boundary = obdMethod.score({ ...context, alpha: [0, 3] }).details;
    expect(boundary.negativePosteriorDiagonalEntries).toBe(active.filter((j) => h[j]! / s2 + (j < 9 ? 0 : 3) < 0).length);
  });

  it('the Gauss-Newton and Becker-LeCun options use their diagonals, labelled', () => {
    // Two hidden layers: there the three diagonals differ (with one, Becker-LeCun is Gauss-Newton's).
    const deep = new MLP([2, 3, 2, 1], ['tanh', 'tanh', 'identity'], Float64Array.from({ length: 20 }, (_, j) => 1.1 * Math.sin(3 * j + 1)));
    const deepContext = { ...context, network: deep, alpha: 0.5 };
    const all = Array.from({ length: deep.parameterCount }, (_, j) => j);
    const exact = obdMethod.score(deepContext, { saliency: 'seed' });
    const gauss = obdMethod.score(deepContext, { curvature: 'gauss-newton', saliency: 'seed' });
    const gn = gaussNewtonReference(deep);
    for (const j of all) expect(gauss.details.hessianDiag[j]).toBeCloseTo(gn[j]!, 10);
    expect(gauss.label).toMatch(/Gauss-Newton diagonal — approximation/);
    expect(gauss.details.curvature).toBe('gauss-newton');
    const becker = obdMethod.score(deepContext, { curvature: 'becker-lecun', saliency: 'seed' });
    expect(Array.from(becker.details.hessianDiag)).toEqual(Array.from(beckerLeCunDiagonal(deep, batch, 'regression')));
    expect(becker.label).toMatch(/Becker-LeCun diagonal — approximation/);
    const differs = (p: Float64Array, q: Float64Array) => all.some((j) => Math.abs(p[j]! - q[j]!) > 1e-6);
    expect(differs(becker.details.hessianDiag, gn)).toBe(true);
    expect(differs(becker.details.hessianDiag, exact.details.hessianDiag)).toBe(true);
    expect(differs(gn, exact.details.hessianDiag)).toBe(true);
  });

  it('a classifier has no noise variance: one given is ignored', () => {
    const c = makeBatch(x, 2, Float64Array.of(0, 1, 1, 0, 1, 0), 'classification');
    const classifier = new MLP([2, 3, 2], ['tanh', 'identity'], Float64Array.from({ length: 17 }, (_, j) => Math.cos(j)));
    const base: RelevanceContext = { network: classifier, task: 'classification', batch: c, alpha: 0.5, rng: new Random(0) };
    const plain = obdMethod.score(base, { saliency: 'posterior' });
    const noisy = obdMethod.score({ ...base, noiseVariance: 0.3 }, { saliency: 'posterior' });
    expect(Array.from(noisy.scores)).toEqual(Array.from(plain.scores));
    expect(noisy.details.noiseVariance).toBe(1);
  });
});

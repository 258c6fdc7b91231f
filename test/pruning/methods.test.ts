import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { exactHessianMatrix, gaussNewtonMatrix, lossAndGradient } from '../../src/nn/curvature.js';
import { symmetricEigen } from '../../src/linalg/index.js';
import { prepareData } from '../../src/nn/fit.js';
import { MLP } from '../../src/nn/mlp.js';
import { fitMap } from '../../src/nn/train.js';
import { fitVariational } from '../../src/nn/variational.js';
import {
  belsleyMethod, obsUpdate, posteriorCurvature, scoreRelevance, principalSubmatrix, DENSE_ACTIVE_LIMIT, type RelevanceContext,
  type BelsleyFullDetails, type BelsleyResult,
} from '../../src/pruning/index.js';
import { Random } from '../../src/random/random.js';
import { loadFixture } from '../helpers/fixtures.js';

/** A small MAP-trained Wine network with a few parameters pruned: the context every method scores. */
function trainedContext(seed = 1, hidden = 5): RelevanceContext & { alpha: number } {
  const data = prepareData(loadDataset('wine'), { seed });
  const network = MLP.initialized([13, hidden, 3], ['tanh', 'identity'], new Random(seed));
  network.prune([3, 20, 40]);
  fitMap(network, data.train, 'classification', { alpha: 1 });
  return { network, task: 'classification', batch: data.train, alpha: 1, rng: new Random(seed) };
}

/** Belsley's details from the full decomposition (every small test case takes that path). */
function fullDetails(result: BelsleyResult): BelsleyFullDetails {
  if (result.details.decomposition !== 'full') throw new Error(`expected the full decomposition: ${result.details.decompositionNote}`);
  return result.details;
}

function expectValidResult(context: RelevanceContext, result: ReturnType<typeof scoreRelevance>): void {
  const active = Array.from(context.network.activeIndices());
  expect(result.parameters).toBe(context.network.parameterCount);
  expect(Array.from(result.order).sort((a, b) => a - b)).toEqual(active);
  expect(result.leastRelevant).toBe(result.order[0]);
  for (let j = 0; j < result.parameters; j++) {
    if (context.network.mask[j] === 0) expect(result.scores[j]).toBeNaN();
    else expect(Number.isFinite(result.scores[j])).toBe(true);
  }
  const sign = result.direction === 'low-is-less-relevant' ? 1 : -1;
  // After ξ (whose tie-breaking may be the method's own), scores are ordered by relevance.
  for (let i = 2; i < result.order.length; i++) {
    expect(sign * (result.scores[result.order[i]!]! - result.scores[result.order[i - 1]!]!)).toBeGreaterThanOrEqual(0);
  }
}

describe('OBD', () => {
  it("the seed's saliency is h_jj·w_j²/2 with the exact diagonal, which matches the PyTorch fixture", () => {
    const fixture = loadFixture('wine-13-16-3');
    const context: RelevanceContext = { network: fixture.net, task: fixture.task, batch: fixture.batch, alpha: 1, rng: new Random(0) };
    const result = scoreRelevance('obd', context, { saliency: 'seed' });
    const h = result.details['hessianDiag'] as Float64Array;
    const reference = fixture.reference.hessianDiag;
    const scale = Math.max(...Array.from(reference, Math.abs));
    for (let j = 0; j < h.length; j++) {
      expect(Math.abs(h[j]! - reference[j]!)).toBeLessThan(1e-10 * scale);
      const expected = (h[j]! * fixture.net.params[j]! ** 2) / 2;
      expect(Math.abs(result.scores[j]! - expected)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(expected));
    }
    expect(result.label).toMatch(/^obd \(exact Hessian diagonal; saliency seed/);
    // Untrained weights: the Hessian is indefinite and the count of negative entries is reported.
    expect(result.details['negativeDiagonalEntries']).toBe(Array.from(h).filter((v) => v < 0).length);
  });

  it('at a MAP minimum the exact diagonal of the active parameters is non-negative', () => {
    const context = trainedContext(2);
    const result = scoreRelevance('obd', context);
    expect(result.details['negativeDiagonalEntries']).toBe(0);
    expectValidResult(context, result);
    expect(scoreRelevance('obd', context, { curvature: 'gauss-newton' }).label).toMatch(/Gauss-Newton diagonal — approximation/);
  });
});

describe('variational', () => {
  it('ranks by |μ|/σ, and the density ratio q(0)/q(μ) is exp(−μ²/2σ²)', () => {
    const context = trainedContext(3);
    const fit = fitVariational(context.network, context.batch, 'classification', { epochs: 30, rng: new Random(1) });
    const result = scoreRelevance('variational', { ...context, posterior: fit.posterior });
    expectValidResult(context, result);
    const ratio = result.details['densityRatio'] as Float64Array;
    for (const j of context.network.activeIndices()) {
      const { mean, sigma } = fit.posterior;
      expect(result.scores[j]).toBe(Math.abs(mean[j]!) / sigma[j]!);
      expect(ratio[j]).toBe(Math.exp(-(mean[j]! ** 2) / (2 * sigma[j]! ** 2)));
    }
    // ξ maximizes the density ratio.
    const xi = result.leastRelevant;
    for (const j of context.network.activeIndices()) expect(ratio[j]!).toBeLessThanOrEqual(ratio[xi]!);
  });

  it('reports the log density ratio −μ²/(2σ²) exactly where the ratio itself underflows', () => {
    const context = trainedContext(3);
    const n = context.network.parameterCount;
    const mean = new Float64Array(n).fill(50);
    const sigma = new Float64Array(n).fill(1);
    mean[7] = 0.5;
    const result = scoreRelevance('variational', { ...context, posterior: { mean, sigma } });
    const logRatio = result.details['logDensityRatio'] as Float64Array;
    const ratio = result.details['densityRatio'] as Float64Array;
    expect(logRatio[7]).toBe(-0.125);
    const strong = context.network.activeIndices().find((j) => j !== 7)!;
    expect(logRatio[strong]).toBe(-1250);
    expect(ratio[strong]).toBe(0); // exp(−1250) underflows; the log does not
    expect(result.leastRelevant).toBe(7);
  });

  it('refuses to run without a posterior', () => {
    expect(() => scoreRelevance('variational', trainedContext(1))).toThrow(/needs a variational posterior/);
  });
});

describe('random and magnitude', () => {
  it('random is a seeded uniform permutation of the active set', () => {
    const context = trainedContext(1);
    const a = scoreRelevance('random', { ...context, rng: new Random(5) });
    const b = scoreRelevance('random', { ...context, rng: new Random(5) });
    const c = scoreRelevance('random', { ...context, rng: new Random(6) });
    expectValidResult(context, a);
    expect(Array.from(a.order)).toEqual(Array.from(b.order));
    expect(Array.from(a.order)).not.toEqual(Array.from(c.order));
    // Over many seeds, each active parameter is ξ about equally often (chi-square-free check: every one at least once).
    const seen = new Set<number>();
    for (let s = 0; s < 2000; s++) seen.add(scoreRelevance('random', { ...context, rng: new Random(s) }).leastRelevant);
    expect(seen.size).toBe(context.network.activeCount);
  });

  it('magnitude ranks by |w|', () => {
    const context = trainedContext(1);
    const result = scoreRelevance('magnitude', context);
    expectValidResult(context, result);
    const active = Array.from(context.network.activeIndices());
    const smallest = active.reduce((best, j) => (Math.abs(context.network.params[j]!) < Math.abs(context.network.params[best]!) ? j : best));
    expect(result.leastRelevant).toBe(smallest);
  });
});

describe('Optimal Brain Surgeon', () => {
  it('the update zeroes the removed weight and its quadratic cost equals the saliency (random SPD H)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 2, max: 8 }), (seed, k) => {
      const rng = new Random(seed);
      const b = rng.normals(k * k);
      const h = new Float64Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        let s = i === j ? 0.5 : 0;
        for (let r = 0; r < k; r++) s += b[r * k + i]! * b[r * k + j]!;
        h[i * k + j] = s;
      }
      // H⁻¹ by Gauss-Jordan, independent of the library's inverse.
      const inverse = invert(h, k);
      const w = rng.normals(k);
      const q = rng.int(k);
      const delta = obsUpdate(inverse, w, q);
      expect(w[q]! + delta[q]!).toBe(0);
      const saliency = (w[q]! * w[q]!) / (2 * inverse[q * k + q]!);
      let quadratic = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) quadratic += delta[i]! * h[i * k + j]! * delta[j]!;
      expect(0.5 * quadratic).toBeCloseTo(saliency, 9);
      // And it is the best such update: any other δw with δw_q = −w_q costs more.
      const other = delta.map((d, i) => (i === q ? d : d + 0.01 * rng.normal()));
      let otherCost = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) otherCost += other[i]! * h[i * k + j]! * other[j]!;
      expect(0.5 * otherCost).toBeGreaterThanOrEqual(saliency);
    }), { numRuns: 30 });
  });

  it('on a trained network: scores are w²/(2[H⁻¹]_qq) with H = G + αI, and the update zeroes ξ', () => {
    const context = trainedContext(4);
    const result = scoreRelevance('obs', context);
    expectValidResult(context, result);
    expect(result.label).toBe('obs (Gauss-Newton G + αI; saliency posterior: Δ negative log-posterior after the compensating update)');
    expect(result.details['saliency']).toBe('posterior');
    const n = context.network.parameterCount;
    const active = context.network.activeIndices();
    const g = principalSubmatrix(gaussNewtonMatrix(context.network, context.batch, 'classification'), n, active);
    const k = active.length;
    for (let i = 0; i < k; i++) g[i * k + i]! += context.alpha;
    const inverse = invert(g, k);
    active.forEach((j, a) => {
      expect(result.scores[j]).toBeCloseTo((context.network.params[j]! ** 2) / (2 * inverse[a * k + a]!), 10);
    });
    const update = result.details['update'] as Float64Array;
    expect(context.network.params[result.leastRelevant]! + update[result.leastRelevant]!).toBe(0);
    for (let j = 0; j < n; j++) if (context.network.mask[j] === 0) expect(update[j]).toBe(0);
  });
});

describe('Belsley as a relevance method', () => {
  it('every matrix source gives labelled, valid diagnostics on a trained network', () => {
    const context = trainedContext(5, 3);
    for (const matrix of ['information', 'laplace', 'trajectory'] as const) {
      const result = belsleyMethod.score({ ...context, rng: new Random(2) }, { matrix });
      expectValidResult(context, result);
      expect(result.label).toContain(matrix);
      expect(result.details['matrix']).toBe(matrix);
      const k = context.network.activeCount;
      const proportions = fullDetails(result).proportions!;
      for (let j = 0; j < k; j++) {
        let row = 0;
        for (let c = 0; c < k; c++) {
          expect(proportions[j * k + c]).toBeGreaterThanOrEqual(0);
          row += proportions[j * k + c]!;
        }
        expect(row).toBeCloseTo(1, 12);
      }
    }
  });

  it('information and laplace are inverse to each other: the same eigenvectors, reciprocal condition ordering', () => {
    const context = trainedContext(6, 3);
    const information = belsleyMethod.score(context, { matrix: 'information' });
    const laplace = belsleyMethod.score(context, { matrix: 'laplace' });
    const ei = fullDetails(information).eigenvalues;
    const el = fullDetails(laplace).eigenvalues;
    const k = ei.length;
    for (let c = 0; c < k; c++) expect(el[c]! * ei[k - 1 - c]!).toBeCloseTo(1, 8);
  });

  it('exact curvature: H + αI as is where it is PSD, |H + αI| (labelled) where it is not', () => {
    const context = trainedContext(8, 3);
    const curvature = posteriorCurvature(context, 'exact', 'test');
    const n = context.network.parameterCount;
    const active = context.network.activeIndices();
    const k = active.length;
    const h = principalSubmatrix(exactHessianMatrix(context.network, context.batch, 'classification'), n, active);
    let largest = 0;
    for (const v of h) largest = Math.max(largest, Math.abs(v));
    // At a converged MAP minimum H + αI is PSD up to rounding (H alone need not be), so it is kept as is.
    expect(curvature.negativeEigenvalues).toBe(0);
    expect(curvature.label).toBe('exact H + αI');
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      expect(Math.abs(curvature.matrix[i * k + j]! - h[i * k + j]! - (i === j ? context.alpha : 0))).toBeLessThan(1e-12 * largest);
    }
    // Away from a minimum (untrained weights) H + αI is indefinite: its eigenvalues become |λ + α|.
    const untrained = { ...context, network: MLP.initialized([13, 3, 3], ['tanh', 'identity'], new Random(4)) };
    const indefinite = posteriorCurvature(untrained, 'exact', 'test');
    expect(indefinite.negativeEigenvalues).toBeGreaterThan(0);
    expect(indefinite.label).toMatch(/absolute eigenvalues/);
    const raw = exactHessianMatrix(untrained.network, context.batch, 'classification');
    const m = untrained.network.parameterCount;
    const expected = Array.from(symmetricEigen(raw, m).values, (v) => Math.abs(v + context.alpha)).sort((a, b) => b - a);
    const rebuilt = symmetricEigen(indefinite.matrix, m).values;
    expected.forEach((v, c) => expect(Math.abs(rebuilt[c]! - v)).toBeLessThan(1e-10 * expected[0]!));
    // The Laplace form with the exact Hessian is the inverse of that matrix.
    const laplace = belsleyMethod.score(context, { matrix: 'laplace', curvature: 'exact' });
    const information = belsleyMethod.score(context, { matrix: 'information', curvature: 'exact' });
    const el = fullDetails(laplace).eigenvalues;
    const ei = fullDetails(information).eigenvalues;
    for (let c = 0; c < k; c++) expect(el[c]! * ei[k - 1 - c]!).toBeCloseTo(1, 8);
  });

  it('samples: the covariance of given parameter samples; a wrong sample width is an error', () => {
    const context = trainedContext(7, 3);
    const n = context.network.parameterCount;
    const rng = new Random(3);
    const rows = 400;
    const data = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const t = rng.normal();
      for (let j = 0; j < n; j++) data[r * n + j] = context.network.params[j]! + 0.1 * rng.normal();
      // Make the first two active parameters exactly collinear: one of them must be ξ.
      const [a, b] = context.network.activeIndices();
      data[r * n + a!] = t;
      data[r * n + b!] = 2 * t;
    }
    const result = belsleyMethod.score(context, { matrix: 'samples', samples: { rows, data } });
    const [a, b] = context.network.activeIndices();
    expect([a, b]).toContain(result.leastRelevant);
    expect(result.details['exactDependencies']).toBe(1);
    expect(() => belsleyMethod.score(context, { matrix: 'samples', samples: { rows: 2, data: new Float64Array(5) } })).toThrow(/are not 2 samples of/);
  });

  it('refuses an active set too large for dense work, saying what to use instead', () => {
    const network = new MLP([64, 64, 10], ['tanh', 'identity']);
    expect(network.activeCount).toBeGreaterThan(DENSE_ACTIVE_LIMIT);
    const batch = prepareData(loadDataset('digits'), { seed: 0 }).train;
    expect(() => belsleyMethod.score({ network, task: 'classification', batch, alpha: 1, rng: new Random(0) })).toThrow(
      /4810 active parameters need a dense 4810×4810 matrix \(185 MB\).*the limit is 3000 active parameters\. Use obd, variational or magnitude .*structured/,
    );
  });
});

/** Gauss-Jordan inverse with partial pivoting, for tests only. */
function invert(a: Float64Array, k: number): Float64Array {
  const m = a.slice();
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inv[i * k + i] = 1;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r * k + c]!) > Math.abs(m[p * k + c]!)) p = r;
    for (let j = 0; j < k; j++) {
      [m[c * k + j], m[p * k + j]] = [m[p * k + j]!, m[c * k + j]!];
      [inv[c * k + j], inv[p * k + j]] = [inv[p * k + j]!, inv[c * k + j]!];
    }
    const d = m[c * k + c]!;
    for (let j = 0; j < k; j++) {
      m[c * k + j]! /= d;
      inv[c * k + j]! /= d;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r * k + c]!;
      for (let j = 0; j < k; j++) {
        m[r * k + j]! -= f * m[c * k + j]!;
        inv[r * k + j]! -= f * inv[c * k + j]!;
      }
    }
  }
  return inv;
}


describe('OBD saliencies at a MAP fit', () => {
  it('follow their formulas, with the fixture gradient: likelihood −g·w + ½h·w², posterior −(g + αw)·w + ½(h + α)·w²', () => {
    const fixture = loadFixture('wine-13-16-3');
    const alpha = 0.7;
    const context: RelevanceContext = { network: fixture.net, task: fixture.task, batch: fixture.batch, alpha, rng: new Random(0) };
    const likelihood = scoreRelevance('obd', context, { saliency: 'likelihood' });
    const posterior = scoreRelevance('obd', context, { saliency: 'posterior' });
    const g = fixture.reference.gradient;
    const h = fixture.reference.hessianDiag;
    const w = fixture.net.params;
    for (let j = 0; j < w.length; j++) {
      const expectedLikelihood = -g[j]! * w[j]! + 0.5 * h[j]! * w[j]! ** 2;
      const expectedPosterior = -(g[j]! + alpha * w[j]!) * w[j]! + 0.5 * (h[j]! + alpha) * w[j]! ** 2;
      expect(likelihood.scores[j]).toBeCloseTo(expectedLikelihood, 10);
      expect(posterior.scores[j]).toBeCloseTo(expectedPosterior, 10);
    }
    expect(likelihood.label).toMatch(/saliency likelihood/);
  });

  it('map is ½(h + 2α)w², the likelihood saliency at a MAP fit, whatever the gradient', () => {
    const context = trainedContext(7);
    const map = scoreRelevance('obd', context, { saliency: 'map' });
    const likelihood = scoreRelevance('obd', context, { saliency: 'likelihood' });
    const h = map.details['hessianDiag'] as Float64Array;
    for (const j of context.network.activeIndices()) {
      const w = context.network.params[j]!;
      expect(map.scores[j]).toBe((h[j]! + 2 * context.alpha) * w * w / 2);
      expect(map.scores[j]).toBeCloseTo(likelihood.scores[j]!, 5); // equal at a converged fit
    }
    // Off the fit (weights moved), likelihood follows the gradient; map does not.
    const moved = { ...context, network: context.network.clone() };
    moved.network.params.forEach((v, j) => (moved.network.params[j] = 1.3 * v));
    moved.network.applyMask();
    const j = moved.network.activeIndices()[5]!;
    const w = moved.network.params[j]!;
    const hMoved = scoreRelevance('obd', moved, { saliency: 'map' }).details['hessianDiag'] as Float64Array;
    expect(scoreRelevance('obd', moved, { saliency: 'map' }).scores[j]).toBe((hMoved[j]! + 2 * context.alpha) * w * w / 2);
    expect(Math.abs(scoreRelevance('obd', moved, { saliency: 'likelihood' }).scores[j]! - (hMoved[j]! + 2 * context.alpha) * w * w / 2)).toBeGreaterThan(1e-6);
  });

  it('at ŵ the likelihood saliency is ½(h + 2α)w² and predicts the true ΔNLL of zeroing a parameter better than the seed form', () => {
    const context = trainedContext(7);
    const { network, batch } = context;
    const likelihood = scoreRelevance('obd', context, { saliency: 'likelihood' });
    const seed = scoreRelevance('obd', context, { saliency: 'seed' });
    const h = likelihood.details['hessianDiag'] as Float64Array;
    const base = lossAndGradient(network, batch, 'classification').loss;
    let errorLikelihood = 0;
    let errorSeed = 0;
    for (const j of network.activeIndices()) {
      const w = network.params[j]!;
      // The gradient term at a converged fit is αw (max |∇| ≤ 1e-6): the closed form holds.
      expect(likelihood.scores[j]).toBeCloseTo(0.5 * (h[j]! + 2 * context.alpha) * w * w, 5);
      const zeroed = network.clone();
      zeroed.params[j] = 0;
      const truth = lossAndGradient(zeroed, batch, 'classification').loss - base;
      errorLikelihood += Math.abs(likelihood.scores[j]! - truth);
      errorSeed += Math.abs(seed.scores[j]! - truth);
    }
    expect(errorLikelihood).toBeLessThan(0.5 * errorSeed);
  });

  it('regression: likelihood and posterior are in the fitted objective’s units (g and h over s²); seed and hessianDiag stay at unit noise', () => {
    const data = prepareData(loadDataset('boston'), { seed: 2 });
    const network = MLP.initialized([13, 4, 1], ['tanh', 'identity'], new Random(2));
    fitMap(network, data.train, 'regression', { alpha: 2, noiseVariance: 0.25 });
    const context: RelevanceContext = { network, task: 'regression', batch: data.train, alpha: 2, noiseVariance: 0.25, rng: new Random(0) };
    const posterior = scoreRelevance('obd', context, { saliency: 'posterior' });
    const seed = scoreRelevance('obd', { ...context, noiseVariance: 1 }, { saliency: 'seed' });
    const h = posterior.details['hessianDiag'] as Float64Array;
    expect(Array.from(seed.details['hessianDiag'] as Float64Array)).toEqual(Array.from(h));
    for (const j of network.activeIndices()) {
      const w = network.params[j]!;
      // At ŵ the posterior gradient vanishes: ½(h/s² + α)w².
      expect(posterior.scores[j]).toBeCloseTo(0.5 * (h[j]! / 0.25 + 2) * w * w, 4);
    }
  });
});

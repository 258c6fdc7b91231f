import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { trainOnDataset } from '../../src/nn/fit.js';
import { belsleyMethod } from '../../src/pruning/belsley-method.js';
import { belsleyDiagnostics, belsleyFastDiagnostics, belsleyOrder, type BelsleyDiagnostics, type BelsleyFastDiagnostics } from '../../src/pruning/belsley.js';
import { Random } from '../../src/random/random.js';
import { randomMatrix, symmetricWithSpectrum } from '../linalg/support.js';

/** The fast diagnostics, failing the test with the refusal's reason if there are none. */
function fastOf(m: Float64Array, n: number, options: Parameters<typeof belsleyFastDiagnostics>[2] = {}): BelsleyFastDiagnostics {
  const result = belsleyFastDiagnostics(m, n, options);
  if (!result.ok) throw new Error(`fast path refused: ${result.reason}`);
  return result.diagnostics;
}

/**
 * `order` (the fast path's) ranks as the full path does up to ties: the same first element (ξ),
 * and whenever it puts p before q, the full path's score of q is not above p's by more than 1e-9
 * (checked against the largest full score still to come, from the end).
 */
function expectSameOrderUpToTies(order: ArrayLike<number>, fullOrder: ArrayLike<number>, fullScores: ArrayLike<number>): void {
  expect(order[0]).toBe(fullOrder[0]);
  let laterLargest = -Infinity;
  for (let i = order.length - 1; i >= 1; i--) {
    const score = fullScores[order[i]!]!;
    expect(laterLargest - score).toBeLessThanOrEqual(1e-9);
    laterLargest = Math.max(laterLargest, score);
  }
}

/**
 * The fast path stands in for the full one: the same ξ, every score within the fast path's own
 * error bound, the same order up to ties, the same group and eigenvalues.
 */
function expectSameAsFull(fast: BelsleyFastDiagnostics, full: BelsleyDiagnostics): void {
  const n = full.n;
  expect(fast.leastRelevant).toBe(full.leastRelevant);
  expect(fast.degenerateComponents).toEqual(full.degenerateComponents);
  expect(fast.exactDependencies).toBe(full.exactDependencies);
  for (let j = 0; j < n; j++) {
    expect(Math.abs(fast.degenerateShare[j]! - full.degenerateShare[j]!)).toBeLessThanOrEqual(fast.scoreError);
    // A share's bound is at most its score's (λ_min·[M⁻¹]_jj ≤ 1), so the largest covers it.
    expect(Math.abs(fast.eigenspaceShare[j]! - full.eigenspaceShare[j]!)).toBeLessThanOrEqual(fast.scoreError);
  }
  expectSameOrderUpToTies(belsleyOrder(fast.degenerateShare, fast.leastRelevant), belsleyOrder(full.degenerateShare, full.leastRelevant), full.degenerateShare);
  const lambdaMax = full.eigenvalues[0]!;
  // Lanczos: a lower bound, close when λ_max stands apart, within 1e-6 relative on a crowded top.
  expect(fast.largestEigenvalue).toBeLessThanOrEqual(lambdaMax * (1 + 1e-14));
  expect(fast.largestEigenvalue).toBeGreaterThanOrEqual(lambdaMax * (1 - 1e-6));
  const group = full.degenerateComponents.length;
  for (let i = 0; i < group; i++) {
    expect(Math.abs(fast.smallestEigenvalues[i]! - full.eigenvalues[n - 1 - i]!)).toBeLessThanOrEqual(1e-12 * lambdaMax);
  }
  // The next eigenvalue: an upper bound, within an eighth of the gap.
  const next = full.eigenvalues[n - 1 - group]!;
  expect(fast.smallestEigenvalues[group]!).toBeGreaterThanOrEqual(next - 1e-12 * lambdaMax);
  expect(fast.smallestEigenvalues[group]! - next).toBeLessThanOrEqual((next - full.eigenvalues[n - group]!) / 4);
  const eta = full.conditionIndices[n - 1]!;
  expect(Math.abs(fast.largestConditionIndex - eta)).toBeLessThanOrEqual(1e-6 * eta);
}

/** α·I + B·Bᵀ for a random n×r B: eigenvalue α exactly n − r times (the null space of BBᵀ), then a gap. */
function floorPlusLowRank(n: number, r: number, alpha: number, seed: number): Float64Array {
  const b = randomMatrix(n, r, seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = i === j ? alpha : 0;
    for (let p = 0; p < r; p++) s += b[i * r + p]! * b[j * r + p]!;
    m[i * n + j] = m[j * n + i] = s;
  }
  return m;
}

describe('belsleyFastDiagnostics against the full decomposition', () => {
  it('random spectra with a separated smallest eigenvalue, scaled or not, with or without a floor', () => {
    let accepted = 0;
    const runs = 80;
    for (let t = 0; t < runs; t++) {
      const rng = new Random(500 + t);
      const n = 16 + rng.int(80);
      const condition = 30 * 10 ** (rng.uniform() * 4.5); // 30 … 1e6
      const scale = rng.uniform() < 0.5;
      const floor = !scale && rng.uniform() < 0.5;
      // λ_min = 1, the rest spread over [3, condition]: a clear gap above the smallest, and
      // inverse iteration gains a factor 3 or more per step even without a shift.
      const values = [1, ...Array.from({ length: n - 1 }, () => 3 + rng.uniform() * (condition - 3))];
      const m = symmetricWithSpectrum(values, t);
      const result = belsleyFastDiagnostics(m, n, { scale, ...(floor ? { spectrumFloor: 0.999 } : {}) });
      const full = belsleyDiagnostics(m, n, { scale });
      if (result.ok) {
        accepted++;
        expectSameAsFull(result.diagnostics, full);
      } else {
        // A refusal is allowed only for an order that rounding could change: a near-tie.
        expect(result.reason).toMatch(/the order is not certain: whether parameters? \d+/);
      }
    }
    // Refusals come from pairs of scores a little over 1e-9 apart (parameters barely touching
    // the smallest component) that rounding could swap; they grow with κ.
    expect(accepted).toBeGreaterThanOrEqual(0.7 * runs);
  });

  it('a cluster of equal smallest eigenvalues at a known floor (αI + BBᵀ, as G + αI with G singular)', () => {
    for (const [n, r] of [[40, 37], [60, 30], [90, 20], [120, 110]] as const) {
      const m = floorPlusLowRank(n, r, 0.5, n + r);
      const full = belsleyDiagnostics(m, n);
      expect(full.degenerateComponents).toHaveLength(n - r);
      const fast = fastOf(m, n, { spectrumFloor: 0.5 });
      expectSameAsFull(fast, full);
      // Without the floor it is the same answer, only slower to converge (or refused, never different).
      const unshifted = belsleyFastDiagnostics(m, n);
      if (unshifted.ok) expectSameAsFull(unshifted.diagnostics, full);
    }
  });

  it('duplicate parameters (a linear model with repeated columns): the exact tie is broken the same way', () => {
    // XᵀX + αI where columns 3 and 17 of X are equal and column 25 is their negative (α = 0.01:
    // κ ≈ 2e4; at κ ≈ 2e5 the exact tie can no longer be told from rounding and the fast path
    // refuses).
    const n = 40, rows = 200;
    const x = randomMatrix(rows, n, 11);
    for (let r = 0; r < rows; r++) { x[r * n + 17] = x[r * n + 3]!; x[r * n + 25] = -x[r * n + 3]!; }
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? 1e-2 : 0;
      for (let r = 0; r < rows; r++) s += x[r * n + i]! * x[r * n + j]!;
      m[i * n + j] = s;
    }
    const full = belsleyDiagnostics(m, n);
    const fast = fastOf(m, n, { spectrumFloor: 1e-2 });
    expectSameAsFull(fast, full);
    expect([3, 17, 25]).toContain(fast.leastRelevant);
    expect(fast.leastRelevant).toBe(3); // the three tie; the lowest index goes
  });

  it('refuses exact dependencies: the full path decides them by null-space shares', () => {
    const n = 30;
    const singular = floorPlusLowRank(n, 20, 0, 3); // B·Bᵀ, rank 20
    const result = belsleyFastDiagnostics(singular, n);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/Cholesky failed|within 1000× the tolerance/);
    expect(belsleyDiagnostics(singular, n).exactDependencies).toBe(10);
  });

  it('refuses a smallest eigenvalue not separated from the next (ill-defined eigenvector), or straddling the tolerance', () => {
    const n = 30;
    const tolerance = 100 * n * Number.EPSILON; // λ_max = 100
    const spectrum = (second: number): number[] => [100, ...Array.from({ length: n - 3 }, (_, i) => 2 + i), second, 1];
    // Next eigenvalue 20 tolerances (1.3e-11) above: a group of one, but its eigenvector is
    // determined by rounding, and so are the scores.
    const tight = belsleyFastDiagnostics(symmetricWithSpectrum(spectrum(1 + 20 * tolerance), 5), n);
    expect(tight.ok).toBe(false);
    if (!tight.ok) expect(tight.reason).toMatch(/not certain/);
    // 1e-9 above: the scores move by up to ~1e-4, yet these 30 are farther apart than that, so
    // the order is certain; whichever the answer, it is the full path's.
    const close = symmetricWithSpectrum(spectrum(1 + 1e-9), 5);
    const closeResult = belsleyFastDiagnostics(close, n);
    if (closeResult.ok) expectSameAsFull(closeResult.diagnostics, belsleyDiagnostics(close, n));
    else expect(closeResult.reason).toMatch(/not certain/);
    // Next eigenvalue at 1.5× the tolerance above: is it in the group or not? Rounding decides.
    const straddling = belsleyFastDiagnostics(symmetricWithSpectrum(spectrum(1 + 1.5 * tolerance), 5), n);
    expect(straddling.ok).toBe(false);
    if (!straddling.ok) expect(straddling.reason).toMatch(/tolerance boundary|not certain/);
    // Well separated: accepted.
    const m = symmetricWithSpectrum(spectrum(1.5), 5);
    expectSameAsFull(fastOf(m, n), belsleyDiagnostics(m, n));
  });

  it('refuses below order 16 and a floor above λ_min', () => {
    expect(belsleyFastDiagnostics(new Float64Array([2, 1, 1, 2]), 2)).toEqual({ ok: false, reason: 'n = 2 < 16: the full decomposition is cheap' });
    const m = floorPlusLowRank(20, 10, 1, 4);
    const result = belsleyFastDiagnostics(m, 20, { spectrumFloor: 1.5 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/above λ_min/);
  });
});

describe('the belsley method on the fast path', () => {
  // 13-4-3 on Wine (71 parameters): its smallest eigenvalues are a group of 21 at α (softmax's
  // invariance to shifting the logits, and more), cleanly separated from the next.
  const fit = trainOnDataset(loadDataset('wine'), { hidden: [4] });
  const context = { network: fit.model.network, task: fit.model.task, batch: fit.data.train, alpha: fit.map.alpha, noiseVariance: 1, rng: new Random(0) };

  /** The same ξ and the same order up to ties. */
  function expectSameOrder(fast: ReturnType<typeof belsleyMethod.score>, full: ReturnType<typeof belsleyMethod.score>): void {
    expect(fast.leastRelevant).toBe(full.leastRelevant);
    expectSameOrderUpToTies(fast.order, full.order, full.scores);
  }

  it('says which path it took: full by default at k ≤ 400, fast when asked, each with its own fields', () => {
    const full = belsleyMethod.score(context, {}).details;
    if (full.decomposition !== 'full') throw new Error(`expected the full path, got ${full.decomposition}`);
    expect(full.decompositionNote).toMatch(/proportions .*k ≤ 400/);
    expect(full.proportions).toBeInstanceOf(Float64Array);
    expect(full.conditionIndices).toBeInstanceOf(Float64Array);
    const fastResult = belsleyMethod.score(context, { fullDecomposition: false });
    const fast = fastResult.details;
    if (fast.decomposition !== 'fast') throw new Error(`expected the fast path: ${fast.decompositionNote}`);
    expect(fast.notComputed).toEqual(['eigenvalues', 'conditionIndices', 'proportions']);
    expect('conditionIndices' in fast).toBe(false);
    const eta = full.largestConditionIndex;
    expect(Math.abs(fast.largestConditionIndex - eta)).toBeLessThanOrEqual(1e-9 * eta);
    for (const field of ['largestEigenvalue', 'smallestEigenvalue', 'exactDependencies', 'mostDegenerate', 'degenerateComponents', 'eigenspaceShare', 'tolerance'] as const) {
      expect(fast[field], field).toBeDefined();
      expect(full[field], field).toBeDefined();
    }
    expectSameOrder(fastResult, belsleyMethod.score(context, {}));
    const forced = belsleyMethod.score(context, { fullDecomposition: true, includeProportions: false }).details;
    if (forced.decomposition !== 'full') throw new Error('expected the full path');
    expect(forced.decompositionNote).toBe('fullDecomposition: true');
    expect(forced.proportions).toBeUndefined();
  });

  it('a network with a duplicated hidden unit: the same ξ and order on both paths', () => {
    const network = fit.model.network.clone();
    const [first] = network.layers;
    const inputs = first!.inputs;
    // Unit 1 becomes a copy of unit 0 (incoming weights and bias); both keep their own outputs.
    for (let j = 0; j < inputs; j++) network.params[first!.weightOffset + inputs + j] = network.params[first!.weightOffset + j]!;
    network.params[first!.biasOffset + 1] = network.params[first!.biasOffset]!;
    const duplicated = { ...context, network };
    const full = belsleyMethod.score(duplicated, { fullDecomposition: true });
    const fast = belsleyMethod.score(duplicated, { fullDecomposition: false });
    if (fast.details['decomposition'] === 'fast') expectSameOrder(fast, full);
    else expect(String(fast.details['decompositionNote'])).toMatch(/^fast path refused: /);
    expect(fast.leastRelevant).toBe(full.leastRelevant);
  });
});

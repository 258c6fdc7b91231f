/**
 * Value tests of the dense posterior curvature (src/pruning/dense.ts) written for mutation
 * testing (docs/mutation.md): the size limits and their wording, G + αI against per-row output
 * gradients, the exact H + αI against autograd's Hessian, the count of its negative eigenvalues
 * against the inertia of an LDLᵀ elimination (Sylvester's law), |H + αI| through its square
 * (|A|² = A²), and the inverse from the eigendecomposition.
 */
import { describe, expect, it } from 'vitest';
import { hessian, mul, square, sub, sum, Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { alphaPerParameter, makeBatch } from '../../src/nn/losses.js';
import { forward, MLP } from '../../src/nn/mlp.js';
import { checkDenseActiveSize, DENSE_ACTIVE_LIMIT, denseMatrixSize, inverseFromEigen, posteriorCurvature } from '../../src/pruning/dense.js';
import type { RelevanceContext } from '../../src/pruning/relevance.js';
import { Random } from '../../src/random/random.js';
import { gramOfRows } from '../helpers/reference.js';

/** Negative pivots of symmetric Gaussian elimination without pivoting: the negative eigenvalues (Sylvester). */
function negativeInertia(m: number[][]): number {
  const a = m.map((r) => [...r]);
  let negative = 0;
  for (let c = 0; c < a.length; c++) {
    const p = a[c]![c]!;
    if (p < 0) negative++;
    for (let r = c + 1; r < a.length; r++) {
      const f = a[r]![c]! / p;
      for (let j = c; j < a.length; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return negative;
}

const square2 = (m: ArrayLike<number>, k: number) => Float64Array.from({ length: k * k }, (_, t) => {
  let s = 0;
  for (let u = 0; u < k; u++) s += m[Math.floor(t / k) * k + u]! * m[u * k + (t % k)]!;
  return s;
});

const rng = new Random(12);
const rows = 6;
const x = rng.normals(rows * 2);
const y = Float64Array.from({ length: rows }, () => 3 * rng.normal());
const batch = makeBatch(x, 2, y, 'regression');
const net = new MLP([2, 2, 1], ['tanh', 'identity'], Float64Array.from({ length: 9 }, () => 1.5 * rng.normal()));
net.prune([3]);
const active = Array.from(net.activeIndices());
const k = active.length;
const s2 = 0.5;
const alpha = [0.02, 0.1];
const context: RelevanceContext = { network: net, task: 'regression', batch, alpha, noiseVariance: s2, rng: new Random(0) };
const a = alphaPerParameter(net, alpha);

describe('dense sizes', () => {
  it('reports MB, GB or TB with three significant digits, switching unit where the digits would round to 1000', () => {
    expect(denseMatrixSize(1000)).toBe('8.00 MB');
    expect(denseMatrixSize(10000)).toBe('800 MB');
    // 11 181² · 8 bytes is just over 10⁹.
    expect(denseMatrixSize(11181)).toBe('1.00 GB');
    expect(denseMatrixSize(203530)).toBe('331 GB');
    // 11 179² · 8 = 999.7 MB rounds to 1000 at three digits: said as 1.00 GB, not "1.00e+3 MB".
    expect(denseMatrixSize(11179)).toBe('1.00 GB');
    // 11 176² · 8 = 999.2 MB stays in MB.
    expect(denseMatrixSize(11176)).toBe('999 MB');
    // 353 600² · 8 ≈ 1.000 TB.
    expect(denseMatrixSize(353_600)).toBe('1.00 TB');
  });

  it('allows the limit and refuses one more, naming the size and the alternatives', () => {
    expect(() => checkDenseActiveSize('obs', DENSE_ACTIVE_LIMIT)).not.toThrow();
    expect(() => checkDenseActiveSize('obs', DENSE_ACTIVE_LIMIT + 1)).toThrow('obs: 3001 active parameters need a dense 3001×3001 matrix (72.0 MB) and O(k³) decompositions; the limit is 3000 active parameters');
  });
});

describe('posterior curvature of a regressor off its fit', () => {
  it('Gauss-Newton: G/s² + αI over the active set; eigenvalues only when α is too small to invert safely', () => {
    const grads = Array.from({ length: rows }, (_, r) =>
      valueAndGrad((w: Tensor) => sum(forward(net, w, new Tensor(x.slice(2 * r, 2 * r + 2), [1, 2]))))(new Tensor(net.params.slice())).grad.data);
    const g = gramOfRows(grads, active);
    const curvature = posteriorCurvature(context, 'gauss-newton', 'obs');
    expect(Array.from(curvature.active)).toEqual(active);
    expect(curvature.label).toBe('Gauss-Newton G + αI');
    expect(curvature.negativeEigenvalues).toBe(0);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(curvature.matrix[i * k + j]).toBeCloseTo(g[i]![j]! / s2 + (i === j ? a[active[i]!]! : 0), 10);
    expect(curvature.eigen).toBeNull();
    // α below k·ε·tr(G): the eigendecomposition comes along, descending, labelled with the smallest α.
    const tiny = posteriorCurvature({ ...context, alpha: [1e-20, 1] }, 'gauss-newton', 'belsley');
    expect(tiny.eigen).not.toBeNull();
    const values = Array.from(tiny.eigen!.values);
    expect(values).toEqual([...values].sort((p, q) => q - p));
    expect(tiny.eigen!.of).toEqual({ method: 'belsley', label: 'Gauss-Newton G + αI', alpha: 1e-20 });
    // α = kε lies between kε/tr(G) and kε·tr(G) (tr > 1): the eigendecomposition is needed.
    const traceG = active.reduce((s, _, i) => s + g[i]![i]! / s2, 0);
    expect(traceG).toBeGreaterThan(1);
    expect(posteriorCurvature({ ...context, alpha: k * Number.EPSILON }, 'gauss-newton', 'obs').eigen).not.toBeNull();
    expect(posteriorCurvature({ ...context, alpha: 1.01 * k * Number.EPSILON * traceG }, 'gauss-newton', 'obs').eigen).toBeNull();
    const trace = values.reduce((s, v) => s + v, 0);
    const matrixTrace = active.reduce((s, _, i) => s + tiny.matrix[i * k + i]!, 0);
    expect(trace).toBeCloseTo(matrixTrace, 10);
  });

  it('exact: H/s² + αI, made |H + αI| (same square) when it has negative eigenvalues, counted by inertia', () => {
    const halfSquares = (w: Tensor) => mul(0.5 / s2, sum(square(sub(forward(net, w, batch.x), new Tensor(y, [rows, 1])))));
    const n = net.parameterCount;
    const full = hessian(halfSquares, net.params.slice());
    const h = active.map((p, i) => active.map((q, j) => full[p * n + q]! + (i === j ? a[p]! : 0)));
    const negative = negativeInertia(h);
    expect(negative).toBeGreaterThan(0);
    expect(negative).toBeLessThan(k);
    const curvature = posteriorCurvature(context, 'exact', 'obs');
    expect(curvature.negativeEigenvalues).toBe(negative);
    expect(curvature.label).toBe('|exact H + αI| (exact Hessian, absolute eigenvalues)');
    const want = square2(h.flat(), k);
    const got = square2(curvature.matrix, k);
    for (let t = 0; t < k * k; t++) expect(got[t]).toBeCloseTo(want[t]!, 8);
    // |λ| re-sorted descending (taking absolute values changes the order), with the vectors following.
    const eig = curvature.eigen!;
    expect(Array.from(eig.values).every((v) => v > 0)).toBe(true);
    expect(Array.from(eig.values)).toEqual(Array.from(eig.values).sort((p, q) => q - p));
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let v = 0;
        for (let c = 0; c < k; c++) v += eig.vectors[i * k + c]! * eig.values[c]! * eig.vectors[j * k + c]!;
        expect(v).toBeCloseTo(curvature.matrix[i * k + j]!, 9);
        // Rebuilt from its eigenvalues, and symmetrized exactly.
        expect(curvature.matrix[i * k + j]).toBe(curvature.matrix[j * k + i]);
      }
    }
    expect(curvature.eigen!.of).toMatchObject({ method: 'obs', alpha: 0.02 });
    // With a prior strong enough, H + αI is positive definite and kept as it is.
    const strong = posteriorCurvature({ ...context, alpha: 1e3 }, 'exact', 'obs');
    expect(strong.negativeEigenvalues).toBe(0);
    expect(strong.label).toBe('exact H + αI');
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expect(strong.matrix[i * k + j]).toBeCloseTo(h[i]![j]! + (i === j ? 1e3 - a[active[i]!]! : 0), 8);
  });

  it('the inverse from the eigendecomposition inverts; a singular matrix is refused with what to do', () => {
    const tiny = posteriorCurvature({ ...context, alpha: 1e-3 }, 'exact', 'obs');
    const inverse = inverseFromEigen(tiny.eigen!, k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let u = 0; u < k; u++) s += inverse[i * k + u]! * tiny.matrix[u * k + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    }
    for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(inverse[i * k + j]).toBe(inverse[j * k + i]);
    // Singular: λ_min ≤ λ_max·max(k, 10)·ε.
    expect(() => inverseFromEigen({ values: Float64Array.of(1, 1e-15), vectors: Float64Array.of(1, 0, 0, 1) }, 2)).toThrow('singular');
    expect(Array.from(inverseFromEigen({ values: Float64Array.of(1, 3e-15), vectors: Float64Array.of(1, 0, 0, 1) }, 2))).toEqual([1, 0, 0, 1 / 3e-15]);
    const wide = Float64Array.from({ length: 144 }, (_, t) => (t % 13 === 0 ? 1 : 0));
    const widths = Float64Array.from({ length: 12 }, (_, c) => (c === 11 ? 2.4e-15 : 1));
    expect(() => inverseFromEigen({ values: widths, vectors: wide }, 12)).toThrow('singular'); // 12ε > 2.4e-15 > 10ε: k counts beyond 10
    // Nothing to invert: an empty matrix, not a refusal.
    expect(inverseFromEigen({ values: new Float64Array(0), vectors: new Float64Array(0) }, 0).length).toBe(0);
    const singular = { values: Float64Array.of(2, 0), vectors: Float64Array.of(1, 0, 0, 1), of: { method: 'obs', label: 'Gauss-Newton G + αI', alpha: 0 } };
    expect(() => inverseFromEigen(singular, 2)).toThrow('obs: Gauss-Newton G + αI is singular at α = 0 (eigenvalues from 2.00 down to 0.00), and obs needs its inverse. A positive prior precision α makes it invertible');
    const exact = { ...singular, of: { method: 'belsley', label: 'exact H + αI', alpha: 0.5 } };
    expect(() => inverseFromEigen(exact, 2)).toThrow('A positive prior precision α other than an eigenvalue of −H makes it invertible');
    expect(() => inverseFromEigen({ values: Float64Array.of(1, 1e-17), vectors: Float64Array.of(1, 0, 0, 1) }, 2)).toThrow('inverse: the matrix is singular at α = ?');
    expect(Array.from(inverseFromEigen({ values: Float64Array.of(4, 0.5), vectors: Float64Array.of(0, 1, 1, 0) }, 2))).toEqual([2, 0, 0, 0.25]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mask as maskOp, mul, sum, square, add, Tensor, valueAndGrad } from '../../src/autograd/index.js';
import { loadDataset } from '../../src/data/index.js';
import { gaussNewtonMatrix } from '../../src/nn/curvature.js';
import { prepareData } from '../../src/nn/fit.js';
import { FusedCurvature } from '../../src/nn/fused-curvature.js';
import { KroneckerPreconditioner } from '../../src/nn/fused-kfac.js';
import { makeBatch, negLogLikelihood, type Batch } from '../../src/nn/losses.js';
import { MLP, forward } from '../../src/nn/mlp.js';
import { minimizeTruncatedNewton, type CurvatureObjective } from '../../src/nn/newton.js';
import { fitMap } from '../../src/nn/train.js';
import { Random } from '../../src/random/random.js';

/** A = BᵀB + shift·I (symmetric positive definite), row-major n×n. */
function spd(rng: Random, n: number, shift: number): Float64Array {
  const b = rng.normals(n * n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? shift : 0;
    for (let k = 0; k < n; k++) s += b[k * n + i]! * b[k * n + j]!;
    a[i * n + j] = s;
  }
  return a;
}

function multiply(a: Float64Array, v: Float64Array, out: Float64Array): void {
  const n = v.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j]!;
    out[i] = s;
  }
}

/** ½xᵀAx − cᵀx with its exact curvature A and, optionally, the Jacobi preconditioner. */
function quadratic(a: Float64Array, c: Float64Array, jacobi: boolean): CurvatureObjective {
  const n = c.length;
  return {
    evaluate(x, gradient) {
      multiply(a, x, gradient);
      let value = 0;
      for (let i = 0; i < n; i++) {
        value += 0.5 * x[i]! * gradient[i]! - c[i]! * x[i]!;
        gradient[i]! -= c[i]!;
      }
      return value;
    },
    product: (v, out) => multiply(a, v, out),
    ...(jacobi ? { preconditioner: () => (r: Float64Array, out: Float64Array) => { for (let i = 0; i < n; i++) out[i] = r[i]! / a[i * n + i]!; } } : {}),
  };
}

/** Solves A x = c by Gaussian elimination with partial pivoting (the closed-form reference). */
function solve(a: Float64Array, c: Float64Array): Float64Array {
  const n = c.length;
  const m = a.slice();
  const x = c.slice();
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[pivot * n + k]!)) pivot = i;
    for (let j = 0; j < n; j++) [m[k * n + j], m[pivot * n + j]] = [m[pivot * n + j]!, m[k * n + j]!];
    [x[k], x[pivot]] = [x[pivot]!, x[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k]! / m[k * n + k]!;
      for (let j = k; j < n; j++) m[i * n + j]! -= f * m[k * n + j]!;
      x[i]! -= f * x[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let j = k + 1; j < n; j++) x[k]! -= m[k * n + j]! * x[j]!;
    x[k]! /= m[k * n + k]!;
  }
  return x;
}

const infinityNorm = (v: ArrayLike<number>): number => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('truncated Newton', () => {
  it('reaches the exact minimizer of a random convex quadratic (A x = c), with and without a preconditioner', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), (seed, n, jacobi) => {
      const rng = new Random(seed);
      const a = spd(rng, n, 0.1);
      const c = rng.normals(n);
      const result = minimizeTruncatedNewton(quadratic(a, c, jacobi), new Float64Array(n), { gradientTolerance: 1e-11 });
      expect(result.converged).toBe(true);
      const exact = solve(a, c);
      const scale = Math.max(1, infinityNorm(exact));
      for (let i = 0; i < n; i++) expect(Math.abs(result.x[i]! - exact[i]!)).toBeLessThanOrEqual(1e-9 * scale);
    }), { numRuns: 40, seed: 20261206 });
  });

  it('solves a regularized linear least-squares problem to its closed form (BᵀB + λI) x = Bᵀy', () => {
    const rng = new Random(7);
    const rows = 40;
    const n = 15;
    const b = rng.normals(rows * n);
    // Badly scaled columns, so the problem is ill-conditioned and the step needs several CG iterations.
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) b[r * n + j]! *= 10 ** (j / 5);
    const y = rng.normals(rows);
    const lambda = 1e-3;
    const gram = new Float64Array(n * n);
    const bty = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < rows; r++) bty[i]! += b[r * n + i]! * y[r]!;
      for (let j = 0; j < n; j++) {
        let s = i === j ? lambda : 0;
        for (let r = 0; r < rows; r++) s += b[r * n + i]! * b[r * n + j]!;
        gram[i * n + j] = s;
      }
    }
    const residual = new Float64Array(rows);
    const problem: CurvatureObjective = {
      evaluate(x, gradient) {
        let value = 0;
        for (let r = 0; r < rows; r++) {
          let f = 0;
          for (let j = 0; j < n; j++) f += b[r * n + j]! * x[j]!;
          residual[r] = f - y[r]!;
          value += 0.5 * residual[r]! ** 2;
        }
        for (let j = 0; j < n; j++) {
          let g = lambda * x[j]!;
          for (let r = 0; r < rows; r++) g += b[r * n + j]! * residual[r]!;
          gradient[j] = g;
          value += 0.5 * lambda * x[j]! ** 2;
        }
        return value;
      },
      product: (v, out) => multiply(gram, v, out),
    };
    const result = minimizeTruncatedNewton(problem, new Float64Array(n), { gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    const exact = solve(gram, bty);
    for (let j = 0; j < n; j++) expect(Math.abs(result.x[j]! - exact[j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, infinityNorm(exact)));
  });

  it('leaves a saddle along negative curvature and converges on the indefinite Rosenbrock function', () => {
    // f = (1 − x)² + 100 (y − x²)², started where the Hessian is indefinite.
    const problem: CurvatureObjective = {
      evaluate(p, gradient) {
        const [x, y] = [p[0]!, p[1]!];
        gradient[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        gradient[1] = 200 * (y - x * x);
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
      },
      product(v, out) {
        // Evaluated at the last point: kept by closure below.
        const [x, y] = [point[0]!, point[1]!];
        out[0] = (2 - 400 * y + 1200 * x * x) * v[0]! - 400 * x * v[1]!;
        out[1] = -400 * x * v[0]! + 200 * v[1]!;
      },
    };
    const point = new Float64Array(2);
    const evaluate = problem.evaluate;
    problem.evaluate = (p, gradient) => {
      point.set(p);
      return evaluate(p, gradient);
    };
    const result = minimizeTruncatedNewton(problem, Float64Array.from([-1.2, 1]), { gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    expect(Math.abs(result.x[0]! - 1)).toBeLessThan(1e-8);
    expect(Math.abs(result.x[1]! - 1)).toBeLessThan(1e-8);
    expect(result.rejected).toBeGreaterThan(0);
  });

  it('never moves a frozen coordinate, and minimizes over the free ones', () => {
    const rng = new Random(11);
    const n = 8;
    const a = spd(rng, n, 0.5);
    const c = rng.normals(n);
    const mask = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const start = rng.normals(n);
    const result = minimizeTruncatedNewton(quadratic(a, c, true), start, { mask, gradientTolerance: 1e-11 });
    expect(result.converged).toBe(true);
    for (let i = 0; i < n; i++) if (mask[i] === 0) expect(Object.is(result.x[i], 0)).toBe(true);
    // The free block solves A_ff x_f = c_f (frozen entries are 0).
    const free = [...Array(n).keys()].filter((i) => mask[i] !== 0);
    const aff = new Float64Array(free.length ** 2);
    free.forEach((i, p) => free.forEach((j, q) => { aff[p * free.length + q] = a[i * n + j]!; }));
    const exact = solve(aff, Float64Array.from(free, (i) => c[i]!));
    free.forEach((i, p) => expect(Math.abs(result.x[i]! - exact[p]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, infinityNorm(exact))));
  });

  it('throws on a non-finite objective at the start, and on a non-finite curvature product', () => {
    const broken: CurvatureObjective = { evaluate: () => Number.NaN, product: (_v, out) => out.fill(0) };
    expect(() => minimizeTruncatedNewton(broken, new Float64Array(2))).toThrow(/objective is not finite at the starting point/);
    const badProduct: CurvatureObjective = {
      evaluate: (x, g) => { g.set(x); g[0]! += 1; return 0.5 * x.reduce((s, v) => s + v * v, 0) + x[0]!; },
      product: (_v, out) => out.fill(Number.NaN),
    };
    expect(() => minimizeTruncatedNewton(badProduct, new Float64Array(2))).toThrow(/curvature product is not finite/);
  });

  it('rejects trial points where the objective is not finite and still converges', () => {
    // Σ log cosh(x − 3): from x = 0 the Newton step overshoots to ≈ 100, where the objective
    // is made NaN (|x| > 10); the region shrinks until the steps stay finite.
    let point = new Float64Array(3);
    const problem: CurvatureObjective = {
      evaluate(x, g) {
        point = x.slice();
        let value = 0;
        for (let i = 0; i < x.length; i++) {
          g[i] = Math.tanh(x[i]! - 3);
          value += Math.log(Math.cosh(x[i]! - 3));
        }
        return infinityNorm(x) > 10 ? Number.NaN : value;
      },
      product(v, out) {
        for (let i = 0; i < v.length; i++) out[i] = v[i]! / Math.cosh(point[i]! - 3) ** 2;
      },
    };
    const result = minimizeTruncatedNewton(problem, new Float64Array(3), { initialRadius: 1000, gradientTolerance: 1e-12 });
    expect(result.converged).toBe(true);
    expect(result.rejected).toBeGreaterThan(0);
    for (const x of result.x) expect(Math.abs(x - 3)).toBeLessThan(1e-11);
  });
});

/** The autograd's negative log-posterior gradient (the one definition, `losses.ts`), over active parameters. */
function autogradGradientNorm(net: MLP, batch: Batch, task: 'classification' | 'regression', alpha: number, logNoise: number): number {
  const { grad } = valueAndGrad((w: Tensor) => add(negLogLikelihood(task, forward(net, w, batch.x), batch, logNoise, false), mul(alpha / 2, sum(square(maskOp(w, net.mask))))))(new Tensor(net.params));
  return infinityNorm(grad.data.filter((_, j) => net.mask[j] !== 0));
}

describe('Newton MAP fits', () => {
  const wine = prepareData(loadDataset('wine'), { seed: 2 });

  it('converges on a small network with the exact Hessian, checked by the autograd gradient', () => {
    const net = MLP.initialized([13, 5, 3], ['tanh', 'identity'], new Random(4));
    const result = fitMap(net, wine.train, 'classification', { alpha: 0.5, optimizer: 'newton', gradientTolerance: 1e-8 });
    expect(result.converged).toBe(true);
    expect(result.optimizer).toBe('newton');
    expect(result.products).toBeGreaterThan(0);
    expect(autogradGradientNorm(net, wine.train, 'classification', 0.5, 0)).toBeLessThanOrEqual(1e-8);
  });

  it('with the Gauss-Newton curvature, fits a linear network to the closed-form ridge solution', () => {
    // Without hidden layers the regression NLL is quadratic and Gauss-Newton is its exact
    // Hessian: the MAP weights solve (ÃᵀÃ/s² + αI) w = Ãᵀy/s², Ã = [X, 1].
    const rng = new Random(8);
    const rows = 50;
    const x = rng.normals(rows * 3);
    const y = Float64Array.from({ length: rows }, (_, r) => x[r * 3]! - 2 * x[r * 3 + 2]! + 0.5 + 0.3 * rng.normal());
    const batch = makeBatch(x, 3, y, 'regression');
    const net = MLP.initialized([3, 1], ['identity'], rng);
    const [alpha, s2] = [0.7, 0.2];
    const result = fitMap(net, batch, 'regression', { alpha, noiseVariance: s2, optimizer: 'newton', curvature: 'gauss-newton', gradientTolerance: 1e-10 });
    expect(result.converged).toBe(true);
    const a = new Float64Array(16);
    const b = new Float64Array(4);
    for (let r = 0; r < rows; r++) {
      const row = [x[r * 3]!, x[r * 3 + 1]!, x[r * 3 + 2]!, 1];
      for (let i = 0; i < 4; i++) {
        b[i]! += (row[i]! * y[r]!) / s2;
        for (let j = 0; j < 4; j++) a[i * 4 + j]! += (row[i]! * row[j]!) / s2;
      }
    }
    for (let i = 0; i < 4; i++) a[i * 4 + i]! += alpha;
    const exact = solve(a, b);
    for (let j = 0; j < 4; j++) expect(Math.abs(net.params[j]! - exact[j]!)).toBeLessThanOrEqual(1e-9 * infinityNorm(exact));
  });

  it('keeps pruned parameters exactly 0 and converges over the active ones (regression, per-layer α)', () => {
    const rng = new Random(5);
    const x = rng.normals(60 * 4);
    const y = Float64Array.from({ length: 60 }, (_, r) => Math.sin(x[r * 4]!) + 0.1 * rng.normal());
    const batch = makeBatch(x, 4, y, 'regression');
    const net = MLP.initialized([4, 6, 1], ['sigmoid', 'identity'], rng);
    const pruned = [0, 3, 7, 24, 25, 26, 27, 31];
    net.prune(pruned);
    for (const j of pruned) net.params[j] = 0.7; // stale values the fit must ignore and clear
    const result = fitMap(net, batch, 'regression', { alpha: [0.3, 2], noiseVariance: 0.5, optimizer: 'newton', gradientTolerance: 1e-9 });
    expect(result.converged).toBe(true);
    for (const j of pruned) expect(Object.is(net.params[j], 0)).toBe(true);
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-9);
  });

  it('auto runs L-BFGS alone where it converges within its budget, and hands over where it does not', () => {
    const start = MLP.initialized([13, 8, 3], ['tanh', 'identity'], new Random(6));
    const quick = fitMap(start.clone(), wine.train, 'classification', { newtonAfter: 5000 });
    expect(quick.optimizer).toBe('lbfgs');
    const net = start.clone();
    const handed = fitMap(net, wine.train, 'classification', { newtonAfter: 10 });
    expect(handed.optimizer).toBe('lbfgs+newton');
    expect(handed.converged).toBe(true);
    expect(autogradGradientNorm(net, wine.train, 'classification', 1, 0)).toBeLessThanOrEqual(1e-6);
  });
});

describe('K-FAC preconditioner', () => {
  it('inverts each layer block of G + αI exactly on one row (where the Kronecker factorization is exact)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom('classification', 'regression' as const), (seed, task) => {
      const rng = new Random(seed);
      const outputs = task === 'classification' ? 3 : 1;
      const net = MLP.initialized([3, 4, 2, outputs], ['tanh', 'sigmoid', 'identity'], rng);
      for (let j = 0; j < net.parameterCount; j++) net.params[j] = 0.8 * rng.normal();
      const batch = makeBatch(rng.normals(3), 3, Float64Array.of(task === 'classification' ? rng.int(3) : rng.normal()), task);
      const curvature = new FusedCurvature(net, 1);
      curvature.negLogPosterior(net.params, batch, { task, alpha: 0 }, new Float64Array(net.parameterCount));
      const alpha = net.layers.map(() => 0.5 + rng.uniform());
      const preconditioner = new KroneckerPreconditioner(curvature);
      preconditioner.update(alpha);
      const g = gaussNewtonMatrix(net, batch, task);
      const n = net.parameterCount;
      net.layers.forEach((layer, l) => {
        const from = layer.weightOffset;
        const to = layer.biasOffset + layer.outputs;
        const v = new Float64Array(n);
        for (let j = from; j < to; j++) v[j] = rng.normal();
        // u = (G_ll + α_l I) v on the layer's block, 0 elsewhere.
        const u = new Float64Array(n);
        for (let i = from; i < to; i++) {
          let s = alpha[l]! * v[i]!;
          for (let j = from; j < to; j++) s += g[i * n + j]! * v[j]!;
          u[i] = s;
        }
        const out = new Float64Array(n);
        preconditioner.apply(u, out);
        for (let j = 0; j < n; j++) expect(Math.abs(out[j]! - v[j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, infinityNorm(v)));
      });
    }), { numRuns: 30, seed: 20261207 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type Activation } from '../../src/autograd/index.js';
import type { Task } from '../../src/data/index.js';
import { exactHessianMatrix, gaussNewtonDiagonal, gaussNewtonMatrix } from '../../src/nn/curvature.js';
import { FusedCurvature } from '../../src/nn/fused-curvature.js';
import { batchRows, makeBatch, type Batch } from '../../src/nn/losses.js';
import { MLP } from '../../src/nn/mlp.js';
import { Random } from '../../src/random/random.js';

/** Network shape, task, mask, rows and noise of one property case; the numbers come from a seeded Random. */
const caseArbitrary = fc.record({
  inputs: fc.integer({ min: 1, max: 7 }),
  hidden: fc.array(fc.record({ width: fc.integer({ min: 1, max: 7 }), activation: fc.constantFrom(...ACTIVATIONS) }), { maxLength: 3 }),
  task: fc.constantFrom<Task>('classification', 'regression'),
  classes: fc.integer({ min: 1, max: 4 }),
  batchRows: fc.integer({ min: 1, max: 10 }),
  subset: fc.boolean(),
  pruned: fc.constantFrom(0, 0.3, 0.7),
  seed: fc.integer({ min: 0, max: 1e9 }),
});

type CaseParameters = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

interface Case {
  readonly net: MLP;
  readonly batch: Batch;
  readonly task: Task;
  readonly rows: Int32Array | undefined;
  readonly logNoise: number;
  readonly dataScale: number;
  readonly rng: Random;
}

function makeCase(p: CaseParameters): Case {
  const rng = new Random(p.seed);
  const outputs = p.task === 'classification' ? p.classes : 1;
  const sizes = [p.inputs, ...p.hidden.map((h) => h.width), outputs];
  const activations: Activation[] = [...p.hidden.map((h) => h.activation), 'identity'];
  const net = MLP.initialized(sizes, activations, rng);
  // Biases off zero and weights a little larger than at initialization, so every unit is exercised.
  for (let j = 0; j < net.parameterCount; j++) net.params[j] = 0.8 * rng.normal();
  for (let j = 0; j < net.parameterCount; j++) if (rng.uniform() < p.pruned) net.mask[j] = 0;
  // Pruned parameters keep their values: the products must ignore them, not rely on zeros.
  const x = rng.normals(p.batchRows * p.inputs);
  const y = Float64Array.from({ length: p.batchRows }, () => (p.task === 'classification' ? rng.int(outputs) : rng.normal()));
  const batch = makeBatch(x, p.inputs, y, p.task);
  const rows = p.subset ? rng.permutation(p.batchRows).subarray(0, 1 + rng.int(p.batchRows)) : undefined;
  return { net, batch, task: p.task, rows, logNoise: 0.6 * rng.normal(), dataScale: 0.5 + 3 * rng.uniform(), rng };
}

/** The case's matrix `kind` on its rows (dense, all n parameters at the masked weights), times the data scale. */
function denseMatrix(c: Case, kind: 'gauss-newton' | 'hessian'): Float64Array {
  const masked = c.net.clone();
  masked.applyMask();
  const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
  const options = { noiseVariance: Math.exp(c.logNoise) };
  const matrix = kind === 'gauss-newton' ? gaussNewtonMatrix(masked, batch, c.task, options) : exactHessianMatrix(masked, batch, c.task, options);
  return matrix.map((x) => c.dataScale * x);
}

/**
 * Fails unless `actual` equals `P A P v` (P the mask) to 1e-12 of the largest rounding scale
 * Σ_k |A_jk v_k| of an entry, and is exactly +0 at pruned entries.
 */
function expectProduct(c: Case, a: Float64Array, v: Float64Array, actual: Float64Array): void {
  const n = c.net.parameterCount;
  const product = new Float64Array(n);
  let largest = 0;
  for (let j = 0; j < n; j++) {
    if (c.net.mask[j] === 0) continue;
    let scale = 0;
    for (let k = 0; k < n; k++) {
      if (c.net.mask[k] === 0) continue;
      product[j]! += a[j * n + k]! * v[k]!;
      scale += Math.abs(a[j * n + k]! * v[k]!);
    }
    largest = Math.max(largest, scale);
  }
  for (let j = 0; j < n; j++) {
    if (c.net.mask[j] === 0) {
      if (!Object.is(actual[j], 0)) expect.fail(`pruned entry ${j} of the product is ${actual[j]}`);
    } else if (Math.abs(actual[j]! - product[j]!) > 1e-12 * largest) {
      expect.fail(`entry ${j}: fused ${actual[j]} against dense ${product[j]} (scale ${largest})`);
    }
  }
}

/** The case's curvature passes, linearized at its parameters (α = 0: the products leave the prior out anyway). */
function linearized(c: Case): FusedCurvature {
  const curvature = new FusedCurvature(c.net, c.batch.rows);
  curvature.negLogPosterior(c.net.params, c.batch, {
    task: c.task, alpha: 0, logNoiseVariance: c.logNoise, dataScale: c.dataScale, ...(c.rows !== undefined ? { rows: c.rows } : {}),
  }, new Float64Array(c.net.parameterCount));
  return curvature;
}

function fusedProduct(c: Case, v: Float64Array, kind: 'gauss-newton' | 'hessian' = 'gauss-newton'): Float64Array {
  const curvature = linearized(c);
  const out = new Float64Array(c.net.parameterCount).fill(NaN);
  if (kind === 'gauss-newton') curvature.gaussNewtonProduct(v, out);
  else curvature.hessianProduct(v, out);
  return out;
}

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('fused curvature products', () => {
  it('equals the dense gaussNewtonMatrix times v to 1e-12 (random networks, activations, tasks, masks, rows, noise)', () => {
    fc.assert(
      fc.property(caseArbitrary, (p) => {
        const c = makeCase(p);
        const v = c.rng.normals(c.net.parameterCount);
        expectProduct(c, denseMatrix(c, 'gauss-newton'), v, fusedProduct(c, v));
      }),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it('the exact product equals the autograd exactHessianMatrix times v to 1e-12', () => {
    fc.assert(
      fc.property(caseArbitrary, (p) => {
        const c = makeCase(p);
        const v = c.rng.normals(c.net.parameterCount);
        expectProduct(c, denseMatrix(c, 'hessian'), v, fusedProduct(c, v, 'hessian'));
      }),
      { numRuns: 150, seed: 20261205 },
    );
  });

  it('is symmetric, uᵀGv = vᵀGu, and positive semi-definite, vᵀGv ≥ 0', () => {
    fc.assert(
      fc.property(caseArbitrary, (p) => {
        const c = makeCase(p);
        const n = c.net.parameterCount;
        const u = c.rng.normals(n);
        const v = c.rng.normals(n);
        const gu = fusedProduct(c, u);
        const gv = fusedProduct(c, v);
        const size = Math.sqrt(dot(u, gu) * dot(v, gv)) + Math.abs(dot(u, gv));
        expect(Math.abs(dot(u, gv) - dot(v, gu))).toBeLessThanOrEqual(1e-12 * size);
        expect(dot(v, gv)).toBeGreaterThanOrEqual(-1e-12 * Math.abs(dot(v, gv)));
      }),
      { numRuns: 100, seed: 20261203 },
    );
  });

  it('its diagonal equals gaussNewtonDiagonal to 1e-12 on the active parameters, exactly 0 on pruned ones', () => {
    fc.assert(
      fc.property(caseArbitrary, (p) => {
        const c = makeCase(p);
        const masked = c.net.clone();
        masked.applyMask();
        const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
        const reference = gaussNewtonDiagonal(masked, batch, c.task, { noiseVariance: Math.exp(c.logNoise) }).map((d) => c.dataScale * d);
        const curvature = linearized(c);
        const actual = new Float64Array(c.net.parameterCount).fill(NaN);
        curvature.gaussNewtonDiagonal(actual);
        const largest = Math.max(0, ...reference.filter((_, j) => c.net.mask[j] !== 0));
        for (let j = 0; j < actual.length; j++) {
          if (c.net.mask[j] === 0) {
            if (!Object.is(actual[j], 0)) expect.fail(`pruned entry ${j} of the diagonal is ${actual[j]}`);
          } else if (Math.abs(actual[j]! - reference[j]!) > 1e-12 * largest) {
            expect.fail(`entry ${j}: fused ${actual[j]} against gaussNewtonDiagonal ${reference[j]} (largest ${largest})`);
          }
        }
      }),
      { numRuns: 150, seed: 20261204 },
    );
  });

  it('uses the point of the last negLogPosterior, and refuses a product before any', () => {
    const rng = new Random(3);
    const net = MLP.initialized([4, 5, 3], ['tanh', 'identity'], rng);
    const batch = makeBatch(rng.normals(8 * 4), 4, Float64Array.from({ length: 8 }, (_, i) => i % 3), 'classification');
    const curvature = new FusedCurvature(net, 8);
    const v = rng.normals(net.parameterCount);
    const out = new Float64Array(net.parameterCount);
    expect(() => curvature.gaussNewtonProduct(v, out)).toThrow(/no linearization point/);
    const gradient = new Float64Array(net.parameterCount);
    curvature.negLogPosterior(rng.normals(net.parameterCount), batch, { task: 'classification', alpha: 1 }, gradient);
    curvature.negLogPosterior(net.params, batch, { task: 'classification', alpha: 1 }, gradient);
    // Another pass of the passes between products must not matter to the Gauss-Newton product's deltas.
    curvature.gaussNewtonProduct(v, out);
    const c: Case = { net, batch, task: 'classification', rows: undefined, logNoise: 0, dataScale: 1, rng };
    expectProduct(c, denseMatrix(c, 'gauss-newton'), v, out);
    curvature.hessianProduct(v, out);
    expectProduct(c, denseMatrix(c, 'hessian'), v, out);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type Activation } from '../../src/autograd/index.js';
import type { Task } from '../../src/data/index.js';
import { gaussNewtonMatrix } from '../../src/nn/curvature.js';
import { FusedGaussNewton } from '../../src/nn/fused-gnvp.js';
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

/**
 * The reference `P G P v` (P the mask) from the dense `gaussNewtonMatrix` on the case's rows,
 * times the data scale, and per entry the rounding scale Σ_k |G_jk v_k| the comparison uses.
 */
function denseProduct(c: Case, v: Float64Array): { product: Float64Array; scale: Float64Array } {
  const n = c.net.parameterCount;
  const masked = c.net.clone();
  masked.applyMask();
  const batch = c.rows === undefined ? c.batch : batchRows(c.batch, c.rows);
  const g = gaussNewtonMatrix(masked, batch, c.task, { noiseVariance: Math.exp(c.logNoise) });
  const product = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    if (c.net.mask[j] === 0) continue;
    for (let k = 0; k < n; k++) {
      if (c.net.mask[k] === 0) continue;
      const term = c.dataScale * g[j * n + k]! * v[k]!;
      product[j]! += term;
      scale[j]! += Math.abs(term);
    }
  }
  return { product, scale };
}

function fusedProduct(c: Case, v: Float64Array): Float64Array {
  const gn = new FusedGaussNewton(c.net, c.batch.rows);
  gn.linearize(c.net.params, c.batch, {
    task: c.task, logNoiseVariance: c.logNoise, dataScale: c.dataScale, ...(c.rows !== undefined ? { rows: c.rows } : {}),
  });
  const out = new Float64Array(c.net.parameterCount).fill(NaN);
  gn.product(v, out);
  return out;
}

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('fused Gauss-Newton-vector product', () => {
  it('equals the dense gaussNewtonMatrix times v to 1e-12 (random networks, activations, tasks, masks, rows, noise)', () => {
    fc.assert(
      fc.property(caseArbitrary, (p) => {
        const c = makeCase(p);
        const v = c.rng.normals(c.net.parameterCount);
        const actual = fusedProduct(c, v);
        const { product, scale } = denseProduct(c, v);
        const largest = Math.max(0, ...scale);
        for (let j = 0; j < actual.length; j++) {
          if (c.net.mask[j] === 0) {
            if (!Object.is(actual[j], 0)) expect.fail(`pruned entry ${j} of the product is ${actual[j]}`);
          } else if (Math.abs(actual[j]! - product[j]!) > 1e-12 * largest) {
            expect.fail(`entry ${j}: fused ${actual[j]} against dense ${product[j]} (scale ${largest})`);
          }
        }
      }),
      { numRuns: 150, seed: 20261202 },
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

  it('uses the point of the last negLogPosterior, and refuses a product before any', () => {
    const rng = new Random(3);
    const net = MLP.initialized([4, 5, 3], ['tanh', 'identity'], rng);
    const batch = makeBatch(rng.normals(8 * 4), 4, Float64Array.from({ length: 8 }, (_, i) => i % 3), 'classification');
    const gn = new FusedGaussNewton(net, 8);
    const v = rng.normals(net.parameterCount);
    const out = new Float64Array(net.parameterCount);
    expect(() => gn.product(v, out)).toThrow(/no linearization point/);
    const elsewhere = rng.normals(net.parameterCount);
    gn.linearize(elsewhere, batch, { task: 'classification' });
    gn.negLogPosterior(net.params, batch, { task: 'classification', alpha: 1 }, new Float64Array(net.parameterCount));
    gn.product(v, out);
    const dense = gaussNewtonMatrix(net, batch, 'classification');
    const n = net.parameterCount;
    for (let j = 0; j < n; j++) {
      let expected = 0;
      let scale = 0;
      for (let k = 0; k < n; k++) {
        expected += dense[j * n + k]! * v[k]!;
        scale += Math.abs(dense[j * n + k]! * v[k]!);
      }
      expect(Math.abs(out[j]! - expected)).toBeLessThanOrEqual(1e-12 * Math.max(scale, 1e-300));
    }
  });
});

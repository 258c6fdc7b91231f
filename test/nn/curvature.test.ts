import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor, diagHessian, hessian, softmax, vjp } from '../../src/autograd/index.js';
import type { Task } from '../../src/data/index.js';
import { cholesky } from '../../src/linalg/cholesky.js';
import { batchRows, makeBatch, negLogLikelihood, type Batch } from '../../src/nn/losses.js';
import { MLP, forward, type Activation } from '../../src/nn/mlp.js';
import {
  DENSE_PARAMETER_LIMIT, beckerLeCunDiagonal, exactHessianDiagonal, exactHessianMatrix, gaussNewtonDiagonal,
  gaussNewtonMatrix, lossAndGradient,
} from '../../src/nn/curvature.js';
import { curvatureDiagonal, effectiveParams, gaussNewtonGram } from '../../src/nn/curvature-backprop.js';
import { Random } from '../../src/random/random.js';
import { FIXTURE_NAMES, loadFixture } from '../helpers/fixtures.js';

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/** max |actual − expected| relative to max |expected|: the error scale of the whole array. */
function relativeError(actual: Float64Array, expected: Float64Array): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / maxAbs(expected);
}

/** The diagonal of a row-major n×n matrix. */
const diagonalOf = (a: Float64Array, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => a[i * n + i]!);

/** The summed NLL as a function of all n parameters (no mask), by autograd: the independent route. */
function autogradLoss(net: MLP, batch: Batch, task: Task, noiseVariance = 1): (w: Tensor) => Tensor {
  const unmasked = new MLP(net.sizes, net.activations);
  return (w) => negLogLikelihood(task, forward(unmasked, w, batch.x), batch, Math.log(noiseVariance), false);
}

interface RandomProblem {
  net: MLP;
  batch: Batch;
  task: Task;
  noiseVariance: number;
}

/** A random MLP with the given hidden activations, random weights, optional random mask, and random rows. */
function randomProblem(seed: number, hidden: readonly Activation[], task: Task, masked: boolean, rows = 5): RandomProblem {
  const rng = new Random(seed);
  const inputs = 1 + rng.int(3);
  const outputs = task === 'classification' ? 2 + rng.int(2) : 1;
  const sizes = [inputs, ...hidden.map(() => 1 + rng.int(4)), outputs];
  const net = new MLP(sizes, [...hidden, 'identity']);
  // Weights of order one, so that every activation works in its curved range.
  net.params.set(rng.normals(net.parameterCount));
  if (masked) {
    for (let j = 0; j < net.parameterCount; j++) if (rng.uniform() < 0.3) net.mask[j] = 0;
    net.applyMask();
  }
  const x = rng.normals(rows * inputs);
  const y = task === 'classification'
    ? Float64Array.from({ length: rows }, () => rng.int(outputs))
    : rng.normals(rows);
  return { net, batch: makeBatch(x, inputs, y, task), task, noiseVariance: task === 'regression' ? 0.3 + rng.uniform() : 1 };
}

/** The largest class probability the network gives any row of the batch. */
function largestProbability(net: MLP, batch: Batch): number {
  const probabilities = softmax(forward(net, new Tensor(effectiveParams(net)), batch.x), 1).data;
  return Math.max(...probabilities);
}

/** True when the symmetric matrix a + shift·I admits a Cholesky factorization (so λ_min(a) > −shift). */
function isPositiveDefiniteAfterShift(a: Float64Array, n: number, shift: number): boolean {
  const shifted = a.slice();
  for (let i = 0; i < n; i++) shifted[i * n + i]! += shift;
  try {
    cholesky(shifted, n);
    return true;
  } catch {
    return false;
  }
}

function asymmetry(a: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) worst = Math.max(worst, Math.abs(a[i * n + j]! - a[j * n + i]!));
  return worst;
}

describe('reference fixtures (PyTorch, float64): errors relative to the largest reference entry', () => {
  for (const name of FIXTURE_NAMES) {
    describe(name, () => {
      const { net, batch, task, reference } = loadFixture(name);

      it('loss and gradient', () => {
        const { loss, gradient } = lossAndGradient(net, batch, task);
        expect(Math.abs(loss - reference.loss) / Math.abs(reference.loss)).toBeLessThan(1e-12);
        expect(relativeError(gradient, reference.gradient)).toBeLessThan(1e-10);
      });

      it('exact Hessian diagonal', () => {
        expect(relativeError(exactHessianDiagonal(net, batch, task), reference.hessianDiag)).toBeLessThan(1e-10);
      });

      if (reference.hessian !== undefined) {
        it('full exact Hessian', () => {
          expect(relativeError(exactHessianMatrix(net, batch, task), reference.hessian!)).toBeLessThan(1e-10);
        });
      }
    });
  }

  it('the masked fixture does test pruned entries: they have non-zero reference curvature', () => {
    const { net, reference } = loadFixture('masked-relu');
    const pruned = [...net.mask.keys()].filter((j) => net.mask[j] === 0);
    expect(pruned.length).toBeGreaterThan(5);
    expect(pruned.some((j) => Math.abs(reference.hessianDiag[j]!) > 1e-3)).toBe(true);
    expect(pruned.every((j) => net.params[j] === 0)).toBe(true);
  });

  it('the random fixtures are away from a minimum: their diagonals have negative entries', () => {
    const { net, batch, task } = loadFixture('wine-13-16-3');
    expect(exactHessianDiagonal(net, batch, task).some((v) => v < 0)).toBe(true);
  });
});

const HIDDEN_ACTIVATIONS: Activation[] = ['tanh', 'relu', 'sigmoid', 'identity'];
const arbitraryProblem = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  hidden: fc.array(fc.constantFrom(...HIDDEN_ACTIVATIONS), { minLength: 1, maxLength: 3 }),
  task: fc.constantFrom<Task>('classification', 'regression'),
  masked: fc.boolean(),
});

describe('exactHessianDiagonal against the generic route (one HVP per parameter)', () => {
  it('agrees to 1e-9 relative on random MLPs: 1–3 hidden layers, every activation, both tasks, masks', () => {
    fc.assert(
      fc.property(arbitraryProblem, ({ seed, hidden, task, masked }) => {
        const { net, batch, noiseVariance } = randomProblem(seed, hidden, task, masked);
        // A saturated softmax (a class probability within 1e-7 of 1, possible with identity
        // layers and weights of order one) puts the whole Hessian at the rounding floor of
        // p(1 − p): both routes then agree only to ε/(1 − p), which says nothing about either.
        fc.pre(task === 'regression' || largestProbability(net, batch) < 1 - 1e-7);
        const generic = diagHessian(autogradLoss(net, batch, task, noiseVariance), effectiveParams(net));
        const fast = exactHessianDiagonal(net, batch, task, { noiseVariance });
        expect(relativeError(fast, generic)).toBeLessThan(1e-9);
      }),
      { numRuns: 40 },
    );
  });

  it('covers each activation at every depth (deterministic cases)', () => {
    for (const activation of HIDDEN_ACTIVATIONS) {
      for (const depth of [1, 2, 3]) {
        for (const task of ['classification', 'regression'] as const) {
          const { net, batch, noiseVariance } = randomProblem(17 * depth, Array(depth).fill(activation), task, depth === 2);
          const generic = diagHessian(autogradLoss(net, batch, task, noiseVariance), effectiveParams(net));
          expect(relativeError(exactHessianDiagonal(net, batch, task, { noiseVariance }), generic)).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('reads pruned weights as zero even when params still hold a value there', () => {
    const { net, batch, task } = randomProblem(5, ['tanh', 'sigmoid'], 'classification', true);
    const stale = net.clone();
    for (let j = 0; j < stale.parameterCount; j++) if (stale.mask[j] === 0) stale.params[j] = 7;
    expect(exactHessianDiagonal(stale, batch, task)).toEqual(exactHessianDiagonal(net, batch, task));
  });

  it('does not depend on how rows are grouped into chunks', () => {
    const { net, batch, task } = randomProblem(11, ['tanh', 'sigmoid', 'tanh'], 'classification', false, 23);
    const w = effectiveParams(net);
    for (const kind of ['exact', 'gauss-newton', 'becker-lecun'] as const) {
      const whole = curvatureDiagonal(net, w, batch, task, 1, kind);
      const oneRowAtATime = curvatureDiagonal(net, w, batch, task, 1, kind, 1);
      expect(relativeError(oneRowAtATime, whole)).toBeLessThan(1e-13);
    }
    const gram = gaussNewtonGram(net, w, batch, task, 1);
    expect(relativeError(gaussNewtonGram(net, w, batch, task, 1, 1), gram)).toBeLessThan(1e-13);
  });

  it('scales with 1/s² in regression', () => {
    const { net, batch } = randomProblem(3, ['tanh'], 'regression', false);
    const unit = exactHessianDiagonal(net, batch, 'regression');
    const scaled = exactHessianDiagonal(net, batch, 'regression', { noiseVariance: 4 });
    expect(relativeError(scaled, unit.map((v) => v / 4))).toBeLessThan(1e-14);
  });

  it('is additive over rows', () => {
    const { net, batch, task } = randomProblem(8, ['relu', 'tanh'], 'classification', true, 9);
    const first = exactHessianDiagonal(net, batchRows(batch, [0, 1, 2, 3]), task);
    const rest = exactHessianDiagonal(net, batchRows(batch, [4, 5, 6, 7, 8]), task);
    expect(relativeError(first.map((v, j) => v + rest[j]!), exactHessianDiagonal(net, batch, task))).toBeLessThan(1e-13);
  });
});

describe('Gauss-Newton', () => {
  it('the dense matrix is symmetric PSD and its diagonal is gaussNewtonDiagonal', () => {
    for (const name of FIXTURE_NAMES) {
      const { net, batch, task } = loadFixture(name);
      const n = net.parameterCount;
      const g = gaussNewtonMatrix(net, batch, task);
      const scale = maxAbs(g);
      expect(asymmetry(g, n)).toBeLessThan(1e-13 * scale);
      // λ_min(G) ≥ −1e-10·max|G|: G + 1e-10·max|G|·I must factor.
      expect(isPositiveDefiniteAfterShift(g, n, 1e-10 * scale)).toBe(true);
      expect(relativeError(gaussNewtonDiagonal(net, batch, task), diagonalOf(g, n))).toBeLessThan(1e-12);
    }
  });

  it('the PSD check can fail: the exact Hessian of an untrained fixture does not pass it', () => {
    const { net, batch, task, reference } = loadFixture('tiny-classifier');
    expect(isPositiveDefiniteAfterShift(reference.hessian!, net.parameterCount, 1e-10 * maxAbs(reference.hessian!))).toBe(false);
    expect(exactHessianMatrix(net, batch, task).length).toBe(net.parameterCount ** 2);
  });

  it('equals Σ Jᵀ H J built by autograd (per-row output Jacobians and the Hessian in the logits)', () => {
    fc.assert(
      fc.property(arbitraryProblem, ({ seed, hidden, task, masked }) => {
        const { net, batch, noiseVariance } = randomProblem(seed, hidden, task, masked, 4);
        const n = net.parameterCount;
        const unmasked = new MLP(net.sizes, net.activations);
        const { value: logits, vjp: pullback } = vjp((w) => forward(unmasked, w, batch.x), effectiveParams(net));
        const k = logits.size;
        const jacobian = new Float64Array(k * n);
        for (let r = 0; r < k; r++) {
          const unit = new Float64Array(k);
          unit[r] = 1;
          jacobian.set(pullback(new Tensor(unit, logits.shape)).data, r * n);
        }
        const inLogits = hessian((f) => negLogLikelihood(task, f, batch, Math.log(noiseVariance), false), logits.detach());
        const expected = new Float64Array(n * n);
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            const h = inLogits[a * k + b]!;
            if (h === 0) continue;
            for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected[i * n + j]! += jacobian[a * n + i]! * h * jacobian[b * n + j]!;
          }
        }
        expect(relativeError(gaussNewtonMatrix(net, batch, task, { noiseVariance }), expected)).toBeLessThan(1e-10);
      }),
      { numRuns: 10 },
    );
  });

  it('with `active`: exactly the principal submatrix of the full G, in the order asked for, any chunking', () => {
    fc.assert(
      fc.property(arbitraryProblem, fc.integer({ min: 0, max: 1_000_000 }), ({ seed, hidden, task, masked }, pick) => {
        const { net, batch, noiseVariance } = randomProblem(seed, hidden, task, masked, 6);
        const n = net.parameterCount;
        const full = gaussNewtonMatrix(net, batch, task, { noiseVariance });
        // A random subset in a random order (pruned entries allowed: they still have a row).
        const rng = new Random(pick);
        const active = Array.from(rng.permutation(n)).filter(() => rng.uniform() < 0.6);
        const k = active.length;
        const expected = new Float64Array(k * k);
        active.forEach((p, a) => active.forEach((q, b) => (expected[a * k + b] = full[p * n + q]!)));
        const sub = gaussNewtonMatrix(net, batch, task, { noiseVariance, active });
        expect(sub.length).toBe(k * k);
        // Absolute differences against the scale (a subset of pruned entries can be all zero).
        const worst = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
        expect(worst(sub, expected)).toBeLessThanOrEqual(1e-13 * maxAbs(full));
        expect(asymmetry(sub, k)).toBe(0);
        const oneRowAtATime = gaussNewtonGram(net, effectiveParams(net), batch, task, noiseVariance, 1, active);
        expect(worst(oneRowAtATime, sub)).toBeLessThanOrEqual(1e-13 * maxAbs(full));
      }),
      { numRuns: 40 },
    );
    const { net, batch, task } = randomProblem(2, ['tanh'], 'classification', false);
    expect(() => gaussNewtonMatrix(net, batch, task, { active: [0, net.parameterCount] })).toThrow(/parameter index \d+ is outside/);
  });

  it('equals the exact Hessian for a model linear in its parameters (no hidden layer), both tasks', () => {
    for (const task of ['classification', 'regression'] as const) {
      const { net, batch, noiseVariance } = randomProblem(21, [], task, false, 7);
      const exact = exactHessianMatrix(net, batch, task, { noiseVariance });
      expect(relativeError(gaussNewtonMatrix(net, batch, task, { noiseVariance }), exact)).toBeLessThan(1e-12);
    }
  });

  it('with identity hidden layers and regression: equal diagonals, but not equal matrices (cross-layer terms)', () => {
    const { net, batch } = randomProblem(4, ['identity', 'identity'], 'regression', false, 6);
    const n = net.parameterCount;
    expect(relativeError(gaussNewtonDiagonal(net, batch, 'regression'), exactHessianDiagonal(net, batch, 'regression'))).toBeLessThan(1e-12);
    // f is linear in each layer separately but not jointly: ∂²f/∂W₂∂W₁ ≠ 0, which the
    // residual (y − f)·∂²f adds to the off-diagonal blocks of the exact Hessian only.
    const exact = exactHessianMatrix(net, batch, 'regression');
    expect(relativeError(gaussNewtonMatrix(net, batch, 'regression'), exact)).toBeGreaterThan(1e-3);
    expect(relativeError(diagonalOf(gaussNewtonMatrix(net, batch, 'regression'), n), diagonalOf(exact, n))).toBeLessThan(1e-12);
  });

  it('differs from the exact diagonal when hidden activations are curved', () => {
    const { net, batch, task } = loadFixture('wine-13-16-3');
    expect(relativeError(gaussNewtonDiagonal(net, batch, task), exactHessianDiagonal(net, batch, task))).toBeGreaterThan(1e-2);
  });
});

describe('Becker-LeCun', () => {
  it('is non-negative, and exact for the last layer (where Gauss-Newton is too)', () => {
    fc.assert(
      fc.property(arbitraryProblem, ({ seed, hidden, task, masked }) => {
        const { net, batch, noiseVariance } = randomProblem(seed, hidden, task, masked);
        const beckerLeCun = beckerLeCunDiagonal(net, batch, task, { noiseVariance });
        const gaussNewton = gaussNewtonDiagonal(net, batch, task, { noiseVariance });
        expect(beckerLeCun.every((v) => v >= 0)).toBe(true);
        const lastLayer = net.layers[net.layers.length - 1]!;
        const tail = (a: Float64Array): Float64Array => a.slice(lastLayer.weightOffset);
        expect(maxAbs(tail(beckerLeCun).map((v, j) => v - tail(gaussNewton)[j]!))).toBeLessThanOrEqual(1e-12 * (1 + maxAbs(gaussNewton)));
      }),
      { numRuns: 20 },
    );
  });

  it('equals Gauss-Newton with one hidden layer and one output (the pre-activation Hessian is 1×1 there)', () => {
    const { net, batch } = randomProblem(9, ['tanh'], 'regression', false);
    expect(relativeError(beckerLeCunDiagonal(net, batch, 'regression'), gaussNewtonDiagonal(net, batch, 'regression'))).toBeLessThan(1e-12);
  });

  it('drops cross terms below the output layer when there are several outputs', () => {
    const { net, batch, task } = loadFixture('wine-13-16-3');
    const first = net.layers[0]!;
    const head = (a: Float64Array): Float64Array => a.slice(0, first.biasOffset + first.outputs);
    expect(relativeError(head(beckerLeCunDiagonal(net, batch, task)), head(gaussNewtonDiagonal(net, batch, task)))).toBeGreaterThan(1e-2);
  });
});

describe('input errors', () => {
  const { net, batch, task } = randomProblem(2, ['tanh'], 'classification', false);

  it('refuses dense matrices beyond the limit, saying what to use instead', () => {
    expect(DENSE_PARAMETER_LIMIT).toBe(6000);
    const big = new MLP([100, 60, 3], ['tanh', 'identity']);
    expect(big.parameterCount).toBeGreaterThan(DENSE_PARAMETER_LIMIT);
    const rows = makeBatch(new Float64Array(100), 100, new Float64Array(1), 'classification');
    expect(() => gaussNewtonMatrix(big, rows, 'classification')).toThrow(
      /gaussNewtonMatrix: 6243 parameters would need a dense 6243×6243 matrix \(312 MB\); the limit is 6000 .*gaussNewtonDiagonal.*per-layer blocks.*structured/,
    );
    expect(() => exactHessianMatrix(net, batch, task, { maxParameters: 10 })).toThrow(/exactHessianMatrix: .* the limit is 10 .*exactHessianDiagonal/);
  });

  it('names the function and the problem', () => {
    const wide = makeBatch(new Float64Array(5 * (net.sizes[0]! + 1)), net.sizes[0]! + 1, new Float64Array(5), 'classification');
    expect(() => exactHessianDiagonal(net, wide, task)).toThrow(/exactHessianDiagonal: the batch inputs must be \[5, \d\]/);
    const badClass = makeBatch(batch.x.data, net.sizes[0]!, new Float64Array(5).fill(9), 'classification');
    expect(() => gaussNewtonDiagonal(net, badClass, task)).toThrow(/gaussNewtonDiagonal: row 0 has class 9, but the network has \d outputs/);
    expect(() => beckerLeCunDiagonal(net, batch, 'regression')).toThrow(/beckerLeCunDiagonal: a regressor has one output, this network has \d/);
    const regression = randomProblem(2, ['tanh'], 'regression', false);
    for (const noiseVariance of [0, -1, Number.NaN, Infinity]) {
      expect(() => exactHessianDiagonal(regression.net, regression.batch, 'regression', { noiseVariance })).toThrow(
        /exactHessianDiagonal: noiseVariance must be a positive finite number/,
      );
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Tensor, add, mul, tanh, sigmoid, square, matmul, reshape, sliceFlat, sum, softmaxCrossEntropy,
  meanSquaredError, grad, valueAndGrad, vjp, hvp, hessian, diagHessian, gradients, sub, type Primitive,
} from '../../src/autograd/index.js';
import { Random } from '../../src/random/random.js';

/** A small two-layer tanh MLP classifier loss as a function of its flat parameter vector. */
function mlpLoss(x: Tensor, labels: Int32Array, inputs: number, hidden: number, classes: number) {
  return (w: Tensor): Tensor => {
    let at = 0;
    const take = (shape: number[]): Tensor => {
      const t = sliceFlat(w, at, shape);
      at += shape.reduce((p, d) => p * d, 1);
      return t;
    };
    const w1 = take([hidden, inputs]);
    const b1 = take([hidden]);
    const w2 = take([classes, hidden]);
    const b2 = take([classes]);
    const h = tanh(add(matmul(x, w1, false, true), b1));
    return softmaxCrossEntropy(add(matmul(h, w2, false, true), b2), labels, 'sum');
  };
}

function problem(seed: number) {
  const rng = new Random(seed);
  const [rows, inputs, hidden, classes] = [6, 3, 4, 3];
  const x = new Tensor(rng.normals(rows * inputs), [rows, inputs]);
  const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
  const n = hidden * inputs + hidden + classes * hidden + classes;
  return { f: mlpLoss(x, labels, inputs, hidden, classes), w: rng.normals(n), n, rng };
}

const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('hvp, hessian and diagHessian on an MLP loss', () => {
  it('hvp equals central differences of grad', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
      const { f, w, n, rng } = problem(seed);
      const v = rng.normals(n);
      const hv = hvp(f, w, v).data;
      const eps = 1e-5;
      const plus = grad(f)(w.map((x, i) => x + eps * v[i]!)).data;
      const minus = grad(f)(w.map((x, i) => x - eps * v[i]!)).data;
      const numeric = plus.map((p, i) => (p - minus[i]!) / (2 * eps));
      const error = maxAbs(numeric.map((d, i) => d - hv[i]!));
      expect(error).toBeLessThan(1e-7 * (1 + maxAbs(hv)));
    }), { numRuns: 5 });
  });

  it('hessian is symmetric, its columns are HVPs with unit vectors, its diagonal is diagHessian', () => {
    const { f, w, n } = problem(3);
    const h = hessian(f, w);
    let asymmetry = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asymmetry = Math.max(asymmetry, Math.abs(h[i * n + j]! - h[j * n + i]!));
    expect(asymmetry).toBeLessThan(1e-12 * maxAbs(h));
    for (const j of [0, 7, n - 1]) {
      const unit = new Float64Array(n);
      unit[j] = 1;
      const column = hvp(f, w, unit).data;
      for (let i = 0; i < n; i++) expect(h[i * n + j]).toBeCloseTo(column[i]!, 12);
    }
    const diagonal = diagHessian(f, w);
    for (let i = 0; i < n; i++) expect(diagonal[i]).toBe(h[i * n + i]);
  });

  it('linear regression: the Hessian of ½‖Xw − y‖² is XᵀX exactly', () => {
    const rng = new Random(11);
    const [rows, cols] = [9, 4];
    const x = new Tensor(rng.normals(rows * cols), [rows, cols]);
    const y = new Tensor(rng.normals(rows), [rows, 1]);
    const loss = (w: Tensor): Tensor => mul(0.5, meanSquaredError(matmul(x, reshape(w, [cols, 1])), y, 'sum'));
    const h = hessian(loss, rng.normals(cols));
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let xtx = 0;
        for (let r = 0; r < rows; r++) xtx += x.data[r * cols + i]! * x.data[r * cols + j]!;
        expect(h[i * cols + j]).toBeCloseTo(xtx, 12);
      }
    }
  });
});

describe('graph mechanics', () => {
  it('a tensor used several times accumulates its gradient', () => {
    const x = Tensor.from([1.5, -2]);
    // f = Σ (x·x + x + sigmoid(x)·x): uses x five times.
    const g = grad((t) => sum(add(add(mul(t, t), t), mul(sigmoid(t), t))))(x).data;
    for (let i = 0; i < 2; i++) {
      const v = x.data[i]!;
      const s = 1 / (1 + Math.exp(-v));
      expect(g[i]).toBeCloseTo(2 * v + 1 + s + v * s * (1 - s), 14);
    }
  });

  it('a 20,000-op deep graph differentiates without overflowing the stack', () => {
    const depth = 20_000;
    const f = (t: Tensor): Tensor => {
      let y = t;
      for (let i = 0; i < depth; i++) y = add(mul(y, 0.9999), 0.0001);
      return sum(y);
    };
    const g = grad(f)(Tensor.from([1])).data[0]!;
    expect(g).toBeCloseTo(0.9999 ** depth, 12);
  });

  it('nested grad gives third derivatives (d³/dx³ x⁴ = 24x)', () => {
    const fourth = (t: Tensor): Tensor => sum(square(square(t)));
    const third = grad((t) => sum(grad((u) => sum(grad(fourth)(u)))(t)));
    expect(third(Tensor.from([0.7])).data[0]).toBeCloseTo(24 * 0.7, 10);
  });

  it('vjp returns the value and a pullback; unrelated inputs get zero gradients', () => {
    const x = Tensor.from([0.2, -0.4]);
    const { value, vjp: pullback } = vjp((t) => tanh(t), x);
    expect(value.data[0]).toBeCloseTo(Math.tanh(0.2), 15);
    const g = pullback(Tensor.from([1, 2])).data;
    expect(g[1]).toBeCloseTo(2 * (1 - Math.tanh(-0.4) ** 2), 15);
    const a = Tensor.from([1]).asLeaf();
    const b = Tensor.from([2]).asLeaf();
    const [ga, gb] = gradients(sum(square(a)), [a, b]);
    expect(ga!.data[0]).toBe(2);
    expect(gb!.data[0]).toBe(0);
  });

  it('valueAndGrad rejects a non-scalar function', () => {
    expect(() => valueAndGrad((t) => sub(t, 1))(Tensor.from([1, 2]))).toThrow(/must return a scalar/);
  });
});

describe('the backward pass checks every gradient’s full shape', () => {
  it('a VJP that returns the right number of values in the wrong layout is refused, naming the op', () => {
    const x = new Tensor(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3], true);
    // A broken primitive whose VJP flattens its cotangent: right size, wrong shape.
    const broken: Primitive<null> = {
      name: 'broken-flatten',
      forward: ([a]) => ({ data: a!.data.slice(), shape: a!.shape }),
      vjp: (g) => [reshape(g, [6])],
    };
    const y = new Tensor(x.data.slice(), [2, 3], false, { primitive: broken as Primitive<unknown>, inputs: [x], attrs: null });
    expect(() => gradients(sum(y), [x])).toThrow(/broken-flatten: the VJP gave input 0 a gradient of shape \[6\], but the input has shape \[2, 3\]/);
  });
});

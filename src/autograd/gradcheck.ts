/**
 * Checks derivatives against central finite differences, recursively to any order (after
 * HIPS autograd's `check_grads`): every VJP is compared with differences of the function,
 * then the VJP itself is checked the same way, and so on.
 */
import { Random } from '../random/random.js';
import { noGrad, Tensor } from './tensor.js';
import { reshape, sliceFlat } from './primitives.js';
import { vjp } from './transforms.js';

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** Highest derivative order to check (1 = gradients, 2 = also second derivatives). */
  readonly order?: number;
  /** Finite-difference step. */
  readonly eps?: number;
  /** Relative tolerance. */
  readonly rtol?: number;
  /** Absolute tolerance. */
  readonly atol?: number;
  /** Seed of the random cotangents and directions. */
  readonly seed?: number;
  /** Check every coordinate when the input has at most this many values (random directions always). */
  readonly maxCoordinates?: number;
}

/** A function of several tensors with one tensor result. */
export type MultiTensorFunction = (...inputs: Tensor[]) => Tensor;

const inner = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * Throws an Error describing the first mismatch when a VJP of `f` at `inputs` (or of its VJPs,
 * up to `order`) disagrees with central differences; returns normally otherwise.
 * @example
 * checkGrads((a, b) => mul(a, b), [Tensor.from([1, 2]), Tensor.from([3, 4])], { order: 2 });
 */
export function checkGrads(f: MultiTensorFunction, inputs: Tensor | readonly Tensor[], options: CheckGradsOptions = {}): void {
  const list = inputs instanceof Tensor ? [inputs] : [...inputs];
  const offsets: number[] = [];
  let total = 0;
  for (const t of list) {
    offsets.push(total);
    total += t.size;
  }
  const packed = new Float64Array(total);
  list.forEach((t, i) => packed.set(t.data, offsets[i]));
  // One flat argument lets one check cover the VJP with respect to every input.
  const flat = (v: Tensor): Tensor => f(...list.map((t, i) => reshape(sliceFlat(v, offsets[i]!, [t.size]), t.shape)));
  checkRecursive(flat, packed, options.order ?? 2, new Random(options.seed ?? 0), options);
}

function checkRecursive(f: (v: Tensor) => Tensor, x: Float64Array, order: number, rng: Random, options: CheckGradsOptions): void {
  if (order < 1) return;
  const eps = options.eps ?? 1e-5;
  const rtol = options.rtol ?? 1e-6;
  const atol = options.atol ?? 1e-7;
  const value = noGrad(() => f(new Tensor(x)));
  const cotangent = new Tensor(rng.normals(value.size), value.shape);
  const projected = (point: Float64Array): number => noGrad(() => inner(f(new Tensor(point)).data, cotangent.data));
  const analytic = vjp(f, x).vjp(cotangent).data;

  const compare = (direction: Float64Array, label: string): void => {
    const plus = x.map((v, i) => v + eps * direction[i]!);
    const minus = x.map((v, i) => v - eps * direction[i]!);
    const numeric = (projected(plus) - projected(minus)) / (2 * eps);
    const exact = inner(analytic, direction);
    const scale = Math.max(Math.abs(numeric), Math.abs(exact));
    if (!(Math.abs(numeric - exact) <= atol + rtol * scale)) {
      throw new Error(
        `checkGrads (derivative of order ${(options.order ?? 2) - order + 1}): ${label}: VJP gives ${exact}, central differences ${numeric} ` +
          `(difference ${Math.abs(numeric - exact).toExponential(2)})`,
      );
    }
  };
  if (x.length <= (options.maxCoordinates ?? 40)) {
    for (let i = 0; i < x.length; i++) {
      const unit = new Float64Array(x.length);
      unit[i] = 1;
      compare(unit, `coordinate ${i}`);
    }
  }
  for (let k = 0; k < 3; k++) compare(rng.normals(x.length), `random direction ${k}`);

  // The VJP (for this cotangent) is itself a function of x: check its derivatives too.
  checkRecursive((v) => vjp(f, v).vjp(cotangent), x, order - 1, rng, options);
}

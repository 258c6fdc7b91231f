/**
 * Function transformations in JAX's vocabulary: `grad`, `valueAndGrad`, `vjp`, `hvp`,
 * `hessian` and a generic `diagHessian`. Each takes a function of one tensor.
 *
 * The function's forward pass is always recorded, also when called inside `noGrad`.
 * Nesting works: when the argument already requires gradients (it is being differentiated
 * by an outer transformation), the inner backward pass is recorded, so
 * `grad(x => dot(grad(f)(x), v))` is the Hessian-vector product.
 */
import { gradients } from './graph.js';
import { mul, sumTo } from './primitives.js';
import { Tensor, withGrad } from './tensor.js';

/** A differentiable function of one tensor. */
export type TensorFunction = (x: Tensor) => Tensor;

/** An argument: a tensor, or a flat array taken as a vector. */
export type Argument = Tensor | Float64Array;

function prepare(x: Argument): { leaf: Tensor; nested: boolean } {
  if (x instanceof Float64Array) return { leaf: new Tensor(x, [x.length], true), nested: false };
  // An argument that already requires gradients belongs to an outer derivative: keep it in
  // that graph, and record our backward pass so the outer one can differentiate through it.
  if (x.requiresGrad) return { leaf: x, nested: true };
  return { leaf: x.asLeaf(), nested: false };
}

/**
 * The value of `f` and its vector-Jacobian product function at `x`.
 * @example
 * const { value, vjp: pullback } = vjp(tanh, Tensor.from([0, 1]));
 * pullback(Tensor.from([1, 1])); // 1 − tanh²
 */
export function vjp(f: TensorFunction, x: Argument): { value: Tensor; vjp: (cotangent: Tensor) => Tensor } {
  const { leaf, nested } = prepare(x);
  const value = withGrad(() => f(leaf));
  return {
    value,
    vjp: (cotangent) => gradients(value, [leaf], { seed: cotangent, createGraph: nested })[0]!,
  };
}

/**
 * The value of a scalar function and its gradient.
 * @example
 * const { value, grad: g } = valueAndGrad(x => sum(square(x)))(Tensor.from([1, 2])); // 5, [2, 4]
 */
export function valueAndGrad(f: TensorFunction): (x: Argument) => { value: Tensor; grad: Tensor } {
  return (x) => {
    const { leaf, nested } = prepare(x);
    const value = withGrad(() => f(leaf));
    if (value.size !== 1) throw new Error(`grad: function must return a scalar, got shape [${value.shape.join(', ')}]`);
    return { value, grad: gradients(value, [leaf], { createGraph: nested })[0]! };
  };
}

/**
 * The gradient of a scalar function, as a function.
 * @example
 * grad(x => sum(square(x)))(Tensor.from([1, 2])); // [2, 4]
 */
export function grad(f: TensorFunction): (x: Argument) => Tensor {
  const both = valueAndGrad(f);
  return (x) => both(x).grad;
}

/**
 * Hessian-vector product H(x)·v of a scalar function, by reverse-over-reverse: the gradient
 * of x ↦ ⟨∇f(x), v⟩.
 * @example
 * hvp(x => sum(mul(square(x), x)), Tensor.from([1, 2]), Tensor.from([1, 0])); // [6, 0]
 */
export function hvp(f: TensorFunction, x: Argument, v: Argument): Tensor {
  const direction = v instanceof Float64Array ? new Tensor(v) : v.detach();
  return grad((y) => sumTo(mul(grad(f)(y), direction), []))(x);
}

/**
 * The gradient of `f` at `x` with its backward graph recorded, plus a function returning
 * one column of the Hessian per call: the recorded gradient graph is reused for every column,
 * so the forward pass runs once.
 */
function hessianColumns(f: TensorFunction, x: Argument): { size: number; column: (j: number) => Float64Array } {
  const leaf = (x instanceof Float64Array ? new Tensor(x, [x.length]) : x.detach()).asLeaf();
  const value = withGrad(() => f(leaf));
  if (value.size !== 1) throw new Error(`hessian: function must return a scalar, got shape [${value.shape.join(', ')}]`);
  const gradient = gradients(value, [leaf], { createGraph: true })[0]!;
  const size = leaf.size;
  const unit = new Float64Array(size);
  return {
    size,
    column(j) {
      unit.fill(0);
      unit[j] = 1;
      return gradients(gradient, [leaf], { seed: new Tensor(unit, gradient.shape) })[0]!.data;
    },
  };
}

/**
 * The dense Hessian of a scalar function at `x`, as a row-major n×n array (n = x.size).
 * Costs one recorded gradient plus n backward passes.
 * @example
 * hessian(x => sum(square(x)), new Float64Array([1, 2])); // [2, 0, 0, 2]
 */
export function hessian(f: TensorFunction, x: Argument): Float64Array {
  const { size, column } = hessianColumns(f, x);
  const out = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    const c = column(j);
    for (let i = 0; i < size; i++) out[i * size + j] = c[i]!;
  }
  return out;
}

/**
 * The exact diagonal of the Hessian, generically: one Hessian-vector product per coordinate.
 * This is the reference that faster model-specific methods are checked against; it costs n
 * backward passes, so it is only practical for up to a few thousand parameters.
 * @example
 * diagHessian(x => sum(mul(square(x), x)), new Float64Array([1, 2])); // [6, 12]
 */
export function diagHessian(f: TensorFunction, x: Argument): Float64Array {
  const { size, column } = hessianColumns(f, x);
  const out = new Float64Array(size);
  for (let j = 0; j < size; j++) out[j] = column(j)[j]!;
  return out;
}

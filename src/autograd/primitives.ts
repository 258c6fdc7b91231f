/**
 * The primitives: each one's forward kernel and its vector-Jacobian product, in one table.
 *
 * Every VJP is written with the differentiable ops below (never with raw loops), so when the
 * backward pass runs with recording on it is itself a graph, and differentiating it again
 * gives exact second derivatives (Hessian-vector products, Hessians). Broadcasting is undone
 * in exactly one place, {@link unbroadcast}.
 */
import { matmul as matmulNN, matmulNT, matmulTN } from '../linalg/matmul.js';
import {
  binaryKernel,
  broadcastShapes,
  broadcastToKernel,
  logSumExpKernel,
  axisSplit,
  reluScalar,
  sigmoidScalar,
  softplusScalar,
  sumToKernel,
  transposeKernel,
  unaryKernel,
} from './kernels.js';
import { isRecording, sizeOf, Tensor } from './tensor.js';

/** A differentiable operation: forward values plus the VJP for each input. */
export interface Primitive<A> {
  /** Name used in error messages. */
  readonly name: string;
  /** Computes the output values from the inputs' values. */
  forward(inputs: readonly Tensor[], attrs: A): { data: Float64Array; shape: readonly number[] };
  /**
   * Given the cotangent `g` of the output, returns the cotangent of each input (null where an
   * input cannot carry a gradient), built from differentiable ops.
   */
  vjp(g: Tensor, inputs: readonly Tensor[], output: Tensor, attrs: A): (Tensor | null)[];
}

/** Runs a primitive and, when recording and some input requires gradients, records its node. */
function apply<A>(primitive: Primitive<A>, inputs: Tensor[], attrs: A): Tensor {
  const { data, shape } = primitive.forward(inputs, attrs);
  const record = isRecording() && inputs.some((t) => t.requiresGrad);
  return new Tensor(data, shape, false, record ? { primitive: primitive as Primitive<unknown>, inputs, attrs } : null);
}

/** A tensor or a plain number (lifted to a scalar constant). */
export type TensorLike = Tensor | number;

function lift(x: TensorLike): Tensor {
  return typeof x === 'number' ? Tensor.scalar(x) : x;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Sums a cotangent back to an input's shape: the single place broadcasting is undone. */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  return sumTo(g, shape);
}

// ---------------------------------------------------------------------------------------------
// Element-wise binary primitives (broadcasting)

function binary(name: string, f: (x: number, y: number) => number, vjp: Primitive<null>['vjp']): Primitive<null> {
  return {
    name,
    forward: ([a, b]) => binaryKernel(name, a!.data, a!.shape, b!.data, b!.shape, f),
    vjp,
  };
}

const addPrimitive = binary('add', (x, y) => x + y, (g, [a, b]) => [unbroadcast(g, a!.shape), unbroadcast(g, b!.shape)]);
const subPrimitive = binary('sub', (x, y) => x - y, (g, [a, b]) => [unbroadcast(g, a!.shape), unbroadcast(neg(g), b!.shape)]);
const mulPrimitive = binary('mul', (x, y) => x * y, (g, [a, b]) => [
  unbroadcast(mul(g, b!), a!.shape),
  unbroadcast(mul(g, a!), b!.shape),
]);
// d(a/b)/db = -a/b² = -out/b: reusing the output keeps the graph small.
const divPrimitive = binary('div', (x, y) => x / y, (g, [a, b], out) => [
  unbroadcast(div(g, b!), a!.shape),
  unbroadcast(neg(mul(g, div(out, b!))), b!.shape),
]);

/** a + b (broadcasting). */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return apply(addPrimitive, [lift(a), lift(b)], null);
}
/** a − b (broadcasting). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return apply(subPrimitive, [lift(a), lift(b)], null);
}
/** a · b element-wise (broadcasting). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return apply(mulPrimitive, [lift(a), lift(b)], null);
}
/** a / b element-wise (broadcasting). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return apply(divPrimitive, [lift(a), lift(b)], null);
}

// ---------------------------------------------------------------------------------------------
// Element-wise unary primitives

function unary(name: string, f: (x: number) => number, vjp: Primitive<null>['vjp']): Primitive<null> {
  return { name, forward: ([a]) => ({ data: unaryKernel(a!.data, f), shape: a!.shape }), vjp };
}

const negPrimitive = unary('neg', (x) => -x, (g) => [neg(g)]);
const expPrimitive = unary('exp', Math.exp, (g, _inputs, out) => [mul(g, out)]);
const logPrimitive = unary('log', Math.log, (g, [x]) => [div(g, x!)]);
const tanhPrimitive = unary('tanh', Math.tanh, (g, _inputs, out) => [mul(g, sub(1, square(out)))]);
const sigmoidPrimitive = unary('sigmoid', sigmoidScalar, (g, _inputs, out) => [mul(g, mul(out, sub(1, out)))]);
const softplusPrimitive = unary('softplus', softplusScalar, (g, [x]) => [mul(g, sigmoid(x!))]);
const squarePrimitive = unary('square', (x) => x * x, (g, [x]) => [mul(g, mul(2, x!))]);
// relu'' = 0 almost everywhere: the VJP masks by a constant step, which has no derivative.
const reluPrimitive = unary('relu', reluScalar, (g, [x]) => [mask(g, unaryKernel(x!.data, (v) => (v > 0 ? 1 : 0)))]);

/** −x. */
export function neg(x: TensorLike): Tensor {
  return apply(negPrimitive, [lift(x)], null);
}
/** eˣ element-wise. */
export function exp(x: TensorLike): Tensor {
  return apply(expPrimitive, [lift(x)], null);
}
/** Natural logarithm element-wise. */
export function log(x: TensorLike): Tensor {
  return apply(logPrimitive, [lift(x)], null);
}
/** Hyperbolic tangent element-wise. */
export function tanh(x: TensorLike): Tensor {
  return apply(tanhPrimitive, [lift(x)], null);
}
/** Logistic function 1/(1+e⁻ˣ), computed stably for large |x|. */
export function sigmoid(x: TensorLike): Tensor {
  return apply(sigmoidPrimitive, [lift(x)], null);
}
/** log(1 + eˣ), computed stably for large |x|. */
export function softplus(x: TensorLike): Tensor {
  return apply(softplusPrimitive, [lift(x)], null);
}
/** x² element-wise. */
export function square(x: TensorLike): Tensor {
  return apply(squarePrimitive, [lift(x)], null);
}
/** max(x, 0) element-wise (derivative 0 at 0). */
export function relu(x: TensorLike): Tensor {
  return apply(reluPrimitive, [lift(x)], null);
}

/** Multiplies element-wise by a constant 0/1 (or any constant) array of the same size. */
const maskPrimitive: Primitive<Float64Array> = {
  name: 'mask',
  forward([x], m) {
    if (m.length !== x!.size) throw new Error(`mask: mask has ${m.length} values, tensor ${shapeText(x!.shape)} has ${x!.size}`);
    const out = new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) out[i] = m[i] === 0 ? 0 : x!.data[i]! * m[i]!;
    return { data: out, shape: x!.shape };
  },
  vjp: (g, _inputs, _out, m) => [mask(g, m)],
};

/** x with the entries where `m` is 0 set to exactly 0 (a constant mask: no gradient flows to it). */
export function mask(x: Tensor, m: Float64Array): Tensor {
  return apply(maskPrimitive, [x], m);
}

// ---------------------------------------------------------------------------------------------
// Matrix product and shape primitives

interface MatmulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

const matmulPrimitive: Primitive<MatmulAttrs> = {
  name: 'matmul',
  forward([a, b], { transposeA, transposeB }) {
    if (a!.rank !== 2 || b!.rank !== 2) throw new Error(`matmul: needs two matrices, got ${shapeText(a!.shape)} and ${shapeText(b!.shape)}`);
    const [ra, ca] = a!.shape as [number, number];
    const [rb, cb] = b!.shape as [number, number];
    const [m, k] = transposeA ? [ca, ra] : [ra, ca];
    const [k2, n] = transposeB ? [cb, rb] : [rb, cb];
    if (k !== k2) {
      throw new Error(`matmul: inner dimensions differ (${shapeText(a!.shape)}${transposeA ? 'ᵀ' : ''} · ${shapeText(b!.shape)}${transposeB ? 'ᵀ' : ''})`);
    }
    let data: Float64Array;
    if (!transposeA && !transposeB) data = matmulNN(a!.data, b!.data, m, k, n);
    else if (transposeA && !transposeB) data = matmulTN(a!.data, b!.data, m, k, n);
    else if (!transposeA) data = matmulNT(a!.data, b!.data, m, k, n);
    else data = matmulNN(transposeKernel(a!.data, k, m), transposeKernel(b!.data, n, k), m, k, n);
    return { data, shape: [m, n] };
  },
  // With C = op(A)·op(B), dA and dB are again products of g with A or B, possibly transposed.
  vjp(g, [a, b], _out, { transposeA, transposeB }) {
    if (!transposeA && !transposeB) return [matmul(g, b!, false, true), matmul(a!, g, true, false)];
    if (transposeA && !transposeB) return [matmul(b!, g, false, true), matmul(a!, g, false, false)];
    if (!transposeA) return [matmul(g, b!, false, false), matmul(g, a!, true, false)];
    return [matmul(b!, g, true, true), matmul(g, a!, true, true)];
  },
};

/**
 * Matrix product op(A)·op(B) of two rank-2 tensors, where op transposes when asked; the
 * transposes are never materialized.
 */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return apply(matmulPrimitive, [a, b], { transposeA, transposeB });
}

const transposePrimitive: Primitive<null> = {
  name: 'transpose',
  forward([a]) {
    if (a!.rank !== 2) throw new Error(`transpose: needs a matrix, got ${shapeText(a!.shape)}`);
    const [r, c] = a!.shape as [number, number];
    return { data: transposeKernel(a!.data, r, c), shape: [c, r] };
  },
  vjp: (g) => [transpose(g)],
};

/** Transpose of a matrix. */
export function transpose(a: Tensor): Tensor {
  return apply(transposePrimitive, [a], null);
}

const reshapePrimitive: Primitive<readonly number[]> = {
  name: 'reshape',
  forward([a], shape) {
    if (sizeOf(shape) !== a!.size) throw new Error(`reshape: cannot view ${shapeText(a!.shape)} as ${shapeText(shape)}`);
    return { data: a!.data, shape };
  },
  vjp: (g, [a]) => [reshape(g, a!.shape)],
};

/** The same values with another shape of the same size (no copy). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  return apply(reshapePrimitive, [a], shape);
}

const broadcastToPrimitive: Primitive<readonly number[]> = {
  name: 'broadcastTo',
  forward([a], shape) {
    const target = broadcastShapes('broadcastTo', a!.shape, shape);
    if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
      throw new Error(`broadcastTo: ${shapeText(a!.shape)} does not broadcast to ${shapeText(shape)}`);
    }
    return { data: broadcastToKernel(a!.data, a!.shape, shape), shape };
  },
  vjp: (g, [a]) => [sumTo(g, a!.shape)],
};

/** Repeats a tensor along stretched dimensions to the given broadcast shape. */
export function broadcastTo(a: Tensor, shape: readonly number[]): Tensor {
  return apply(broadcastToPrimitive, [a], shape);
}

const sumToPrimitive: Primitive<readonly number[]> = {
  name: 'sumTo',
  forward([a], shape) {
    const target = broadcastShapes('sumTo', shape, a!.shape);
    if (target.length !== a!.rank || target.some((d, i) => d !== a!.shape[i])) {
      throw new Error(`sumTo: ${shapeText(a!.shape)} cannot be summed down to ${shapeText(shape)}`);
    }
    return { data: sumToKernel(a!.data, a!.shape, shape), shape };
  },
  vjp: (g, [a]) => [broadcastTo(g, a!.shape)],
};

/** Sums over the dimensions that broadcasting would stretch, down to `shape` (adjoint of broadcastTo). */
export function sumTo(a: Tensor, shape: readonly number[]): Tensor {
  return apply(sumToPrimitive, [a], shape);
}

// ---------------------------------------------------------------------------------------------
// Fused, numerically stable reductions

function normalizeAxis(op: string, shape: readonly number[], axis: number): number {
  const resolved = axis < 0 ? shape.length + axis : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= shape.length) {
    throw new Error(`${op}: axis ${axis} is out of range for shape ${shapeText(shape)}`);
  }
  return resolved;
}

/** The shape with `axis` kept as a 1, for broadcasting a reduction's result back. */
export function keptShape(shape: readonly number[], axis: number): number[] {
  return shape.map((d, i) => (i === axis ? 1 : d));
}

const logSumExpPrimitive: Primitive<number> = {
  name: 'logSumExp',
  forward([a], axis) {
    const shape = a!.shape.filter((_, i) => i !== axis);
    return { data: logSumExpKernel(a!.data, a!.shape, axis), shape };
  },
  // d lse / dx = softmax(x) = exp(x − lse): bounded by 1, so stable, and differentiable.
  vjp(g, [a], out, axis) {
    const kept = keptShape(a!.shape, axis);
    return [mul(reshape(g, kept), exp(sub(a!, reshape(out, kept))))];
  },
};

/** log Σ exp(x) along `axis` (default: last), stable for any magnitude; the axis is removed. */
export function logSumExp(a: Tensor, axis = -1): Tensor {
  return apply(logSumExpPrimitive, [a], normalizeAxis('logSumExp', a.shape, axis));
}

const logSoftmaxPrimitive: Primitive<number> = {
  name: 'logSoftmax',
  forward([a], axis) {
    const lse = logSumExpKernel(a!.data, a!.shape, axis);
    const { outer, length, inner } = axisSplit(a!.shape, axis);
    const out = new Float64Array(a!.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < length; i++) {
        for (let k = 0; k < inner; k++) {
          const at = (o * length + i) * inner + k;
          out[at] = a!.data[at]! - lse[o * inner + k]!;
        }
      }
    }
    return { data: out, shape: a!.shape };
  },
  // d/dx: g − softmax · Σ g along the axis, with softmax = exp(out) (out ≤ 0, so exp is safe).
  vjp(g, [a], out, axis) {
    return [sub(g, mul(exp(out), sumTo(g, keptShape(a!.shape, axis))))];
  },
};

/** log softmax along `axis` (default: last), fused and stable. */
export function logSoftmax(a: Tensor, axis = -1): Tensor {
  return apply(logSoftmaxPrimitive, [a], normalizeAxis('logSoftmax', a.shape, axis));
}

// ---------------------------------------------------------------------------------------------
// Indexing: gather/scatter along the last axis, and contiguous flat slices

interface PickAttrs {
  readonly indices: Int32Array;
  readonly classes: number;
}

function checkIndices(op: string, indices: Int32Array, rows: number, classes: number): void {
  if (indices.length !== rows) throw new Error(`${op}: ${indices.length} indices for ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const c = indices[r]!;
    if (c < 0 || c >= classes) throw new Error(`${op}: index ${c} at row ${r} is outside [0, ${classes})`);
  }
}

const gatherPrimitive: Primitive<PickAttrs> = {
  name: 'gather',
  forward([a], { indices, classes }) {
    const rows = a!.size / classes;
    checkIndices('gather', indices, rows, classes);
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) out[r] = a!.data[r * classes + indices[r]!]!;
    return { data: out, shape: a!.shape.slice(0, -1) };
  },
  vjp: (g, _inputs, _out, attrs) => [scatter(g, attrs.indices, attrs.classes)],
};

const scatterPrimitive: Primitive<PickAttrs> = {
  name: 'scatter',
  forward([a], { indices, classes }) {
    checkIndices('scatter', indices, a!.size, classes);
    const out = new Float64Array(a!.size * classes);
    for (let r = 0; r < a!.size; r++) out[r * classes + indices[r]!] = a!.data[r]!;
    return { data: out, shape: [...a!.shape, classes] };
  },
  vjp: (g, _inputs, _out, attrs) => [gather(g, attrs.indices)],
};

/** Picks `a[..., indices[r]]` from each row r of the last axis (e.g. the true class's log-probability). */
export function gather(a: Tensor, indices: Int32Array): Tensor {
  if (a.rank < 1) throw new Error('gather: needs at least one axis');
  return apply(gatherPrimitive, [a], { indices, classes: a.shape[a.rank - 1]! });
}

/** The adjoint of gather: row r of the result is zero except `classes`-wide position indices[r]. */
export function scatter(a: Tensor, indices: Int32Array, classes: number): Tensor {
  return apply(scatterPrimitive, [a], { indices, classes });
}

interface SliceAttrs {
  readonly start: number;
  readonly shape: readonly number[];
}

const sliceFlatPrimitive: Primitive<SliceAttrs> = {
  name: 'sliceFlat',
  forward([a], { start, shape }) {
    const size = sizeOf(shape);
    if (start < 0 || start + size > a!.size) {
      throw new Error(`sliceFlat: range [${start}, ${start + size}) is outside a tensor of ${a!.size} values`);
    }
    return { data: a!.data.subarray(start, start + size), shape };
  },
  vjp: (g, [a], _out, { start }) => [padFlat(g, start, a!.shape)],
};

const padFlatPrimitive: Primitive<SliceAttrs> = {
  name: 'padFlat',
  forward([a], { start, shape }) {
    const out = new Float64Array(sizeOf(shape));
    if (start < 0 || start + a!.size > out.length) {
      throw new Error(`padFlat: ${a!.size} values at ${start} do not fit in ${shapeText(shape)}`);
    }
    out.set(a!.data, start);
    return { data: out, shape };
  },
  vjp: (g, [a], _out, { start }) => [sliceFlat(g, start, a!.shape)],
};

/**
 * A contiguous run of the flattened tensor, viewed with `shape` (no copy). This is how an
 * MLP's weight matrices and biases are views into one canonical parameter vector.
 */
export function sliceFlat(a: Tensor, start: number, shape: readonly number[]): Tensor {
  return apply(sliceFlatPrimitive, [a], { start, shape });
}

/** Zeros of `shape` with `a`'s values placed, flattened, from offset `start` (adjoint of sliceFlat). */
export function padFlat(a: Tensor, start: number, shape: readonly number[]): Tensor {
  return apply(padFlatPrimitive, [a], { start, shape });
}

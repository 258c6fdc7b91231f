/**
 * Raw loops behind the primitives: no graph, no validation beyond what the loop needs.
 * Shapes follow NumPy broadcasting (dimensions aligned from the right; a 1 stretches).
 */

/** The broadcast shape of two shapes, or an error naming the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Strides of `shape` seen from the broadcast shape `target`: 0 along stretched or missing
 * dimensions, so one index walk over `target` reads the right element of the input.
 */
function broadcastStrides(shape: readonly number[], target: readonly number[]): Int32Array {
  const strides = new Int32Array(target.length);
  let stride = 1;
  for (let i = target.length - 1; i >= 0; i--) {
    const d = shape[shape.length - target.length + i] ?? 1;
    strides[i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return strides;
}

/**
 * Calls `visit(outIndex, offsetA, offsetB)` for every element of the broadcast shape `target`.
 * An odometer over the dimensions instead of division per element keeps it linear-time.
 */
function walkBroadcast(
  target: readonly number[],
  stridesA: Int32Array,
  stridesB: Int32Array,
  visit: (outIndex: number, offsetA: number, offsetB: number) => void,
): void {
  const rank = target.length;
  let total = 1;
  for (const d of target) total *= d;
  if (total === 0) return;
  const counter = new Int32Array(rank);
  let offsetA = 0;
  let offsetB = 0;
  for (let index = 0; index < total; index++) {
    visit(index, offsetA, offsetB);
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]!++;
      offsetA += stridesA[axis]!;
      offsetB += stridesB[axis]!;
      if (counter[axis]! < target[axis]!) break;
      offsetA -= stridesA[axis]! * target[axis]!;
      offsetB -= stridesB[axis]! * target[axis]!;
      counter[axis] = 0;
    }
  }
}

/** Element-wise binary operation with broadcasting; fast paths for equal shapes and scalars. */
export function binaryKernel(
  op: string,
  a: Float64Array,
  shapeA: readonly number[],
  b: Float64Array,
  shapeB: readonly number[],
  f: (x: number, y: number) => number,
): { data: Float64Array; shape: number[] } {
  if (sameShape(shapeA, shapeB)) {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = f(a[i]!, b[i]!);
    return { data: out, shape: [...shapeA] };
  }
  const shape = broadcastShapes(op, shapeA, shapeB);
  const out = new Float64Array(shape.reduce((p, d) => p * d, 1));
  if (b.length === 1) {
    const y = b[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(a[i % a.length]!, y);
    return { data: out, shape };
  }
  if (a.length === 1) {
    const x = a[0]!;
    for (let i = 0; i < out.length; i++) out[i] = f(x, b[i % b.length]!);
    return { data: out, shape };
  }
  walkBroadcast(shape, broadcastStrides(shapeA, shape), broadcastStrides(shapeB, shape), (i, ia, ib) => {
    out[i] = f(a[ia]!, b[ib]!);
  });
  return { data: out, shape };
}

/** Applies `f` to every element. */
export function unaryKernel(a: Float64Array, f: (x: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]!);
  return out;
}

/** Repeats `a` (of `shape`) along stretched dimensions to fill the broadcast shape `target`. */
export function broadcastToKernel(a: Float64Array, shape: readonly number[], target: readonly number[]): Float64Array {
  const out = new Float64Array(target.reduce((p, d) => p * d, 1));
  if (sameShape(shape, target)) {
    out.set(a);
    return out;
  }
  const none = new Int32Array(target.length);
  walkBroadcast(target, broadcastStrides(shape, target), none, (i, ia) => {
    out[i] = a[ia]!;
  });
  return out;
}

/** Sums `a` (of broadcast shape `shape`) down to `target`: the adjoint of broadcasting. */
export function sumToKernel(a: Float64Array, shape: readonly number[], target: readonly number[]): Float64Array {
  const out = new Float64Array(target.reduce((p, d) => p * d, 1));
  if (sameShape(shape, target)) {
    out.set(a);
    return out;
  }
  if (out.length === 1) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    out[0] = s;
    return out;
  }
  const none = new Int32Array(shape.length);
  walkBroadcast(shape, broadcastStrides(target, shape), none, (i, io) => {
    out[io]! += a[i]!;
  });
  return out;
}

/** Transpose of a row-major [rows × cols] matrix. */
export function transposeKernel(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  }
  return out;
}

/** Splits `shape` around `axis` into (outer, length, inner) for reductions along one axis. */
export function axisSplit(shape: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, length: shape[axis]!, inner };
}

/**
 * log Σ exp along one axis, stable: the maximum is subtracted before exponentiating, so no
 * term overflows and the largest contributes exactly exp(0) = 1.
 */
export function logSumExpKernel(a: Float64Array, shape: readonly number[], axis: number): Float64Array {
  const { outer, length, inner } = axisSplit(shape, axis);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * length * inner + k;
      let max = -Infinity;
      for (let i = 0; i < length; i++) max = Math.max(max, a[base + i * inner]!);
      if (max === -Infinity || max === Infinity) {
        out[o * inner + k] = max;
        continue;
      }
      let s = 0;
      for (let i = 0; i < length; i++) s += Math.exp(a[base + i * inner]! - max);
      out[o * inner + k] = max + Math.log(s);
    }
  }
  return out;
}

/** Stable logistic function: never evaluates exp of a large positive number. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Stable softplus log(1 + eˣ) = max(x, 0) + log1p(e^-|x|). */
export function softplusScalar(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** max(x, 0). */
export function reluScalar(x: number): number {
  return x > 0 ? x : 0;
}

/**
 * Softmax of `width` values from `offset`, written to `out` from `outOffset` (which may be the
 * same place), stable: the largest value is subtracted before exponentiating, so no term
 * overflows. Returns log Σ exp of the values (the log-sum-exp, for cross-entropies).
 */
export function softmaxRow(values: Float64Array, offset: number, width: number, out: Float64Array, outOffset: number): number {
  let largest = -Infinity;
  for (let c = 0; c < width; c++) largest = Math.max(largest, values[offset + c]!);
  let total = 0;
  for (let c = 0; c < width; c++) total += out[outOffset + c] = Math.exp(values[offset + c]! - largest);
  for (let c = 0; c < width; c++) out[outOffset + c]! /= total;
  return largest + Math.log(total);
}

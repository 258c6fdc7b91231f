/**
 * The tensor: a flat row-major Float64Array with a shape, and — when it was computed from
 * tensors that require gradients while recording is on — the node that produced it.
 *
 * Tensors are immutable by convention: ops never write into their inputs, so a tensor's
 * `data` may be shared (a leaf made from an array does not copy it).
 */
import type { Primitive } from './primitives.js';

/** How a recorded tensor was produced: a primitive applied to inputs with attributes. */
export interface Node {
  readonly primitive: Primitive<unknown>;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
}

let recording = true;

/** Whether ops currently record the graph (off inside {@link noGrad}). */
export function isRecording(): boolean {
  return recording;
}

/**
 * Runs `body` with graph recording switched off: ops compute values only. Used for the
 * backward pass when no higher derivative is wanted, and for inference.
 */
export function noGrad<T>(body: () => T): T {
  const previous = recording;
  recording = false;
  try {
    return body();
  } finally {
    recording = previous;
  }
}

/** Runs `body` with graph recording switched on (the default state). */
export function withGrad<T>(body: () => T): T {
  const previous = recording;
  recording = true;
  try {
    return body();
  } finally {
    recording = previous;
  }
}

/** Number of elements of a shape (1 for a scalar's empty shape). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** An n-dimensional array of float64 values that can take part in differentiation. */
export class Tensor {
  /** Row-major values. */
  readonly data: Float64Array;
  /** Dimensions, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The node that produced this tensor, or null for a leaf or an unrecorded result. */
  readonly node: Node | null;
  /** True for leaves marked as inputs of a derivative and for everything recorded from them. */
  readonly requiresGrad: boolean;

  /**
   * @param data values in row-major order (not copied).
   * @param shape dimensions; defaults to `[data.length]`.
   * @param requiresGrad marks a leaf as an input of a derivative.
   * @example
   * const x = new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);
   */
  constructor(data: Float64Array, shape?: readonly number[], requiresGrad = false, node: Node | null = null) {
    const dims = shape ?? [data.length];
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: invalid dimension ${d} in shape [${dims.join(', ')}]`);
    }
    if (sizeOf(dims) !== data.length) {
      throw new Error(`Tensor: shape [${dims.join(', ')}] needs ${sizeOf(dims)} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = dims;
    this.node = node;
    this.requiresGrad = requiresGrad || node !== null;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item: tensor of shape [${this.shape.join(', ')}] is not a single value`);
    return this.data[0]!;
  }

  /** A leaf with the same values that requires gradients (shares the data). */
  asLeaf(): Tensor {
    return new Tensor(this.data, this.shape, true);
  }

  /** The same values cut off from the graph (shares the data). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A tensor from nested arrays or a flat list with a shape. */
  static from(values: number[] | number[][] | Float64Array, shape?: readonly number[]): Tensor {
    if (values instanceof Float64Array) return new Tensor(values, shape);
    if (values.length > 0 && Array.isArray(values[0])) {
      const rows = values as number[][];
      const cols = rows[0]!.length;
      const data = new Float64Array(rows.length * cols);
      rows.forEach((row, i) => {
        if (row.length !== cols) throw new Error(`Tensor.from: row ${i} has ${row.length} values, expected ${cols}`);
        data.set(row, i * cols);
      });
      return new Tensor(data, shape ?? [rows.length, cols]);
    }
    return new Tensor(Float64Array.from(values as number[]), shape);
  }

  /** A scalar tensor. */
  static scalar(value: number): Tensor {
    return new Tensor(new Float64Array([value]), []);
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float64Array(sizeOf(shape)), shape);
  }

  /** A tensor filled with one value. */
  static full(shape: readonly number[], value: number): Tensor {
    return new Tensor(new Float64Array(sizeOf(shape)).fill(value), shape);
  }
}

/**
 * The multilayer perceptron: its layer sizes and activations, the canonical flat parameter
 * vector with views into it, and the 0/1 mask of active parameters.
 *
 * Canonical order (docs/methods.md §1, the model file): layer by layer, the weight matrix row-major
 * as `[out][in]` (like `torch.nn.Linear.weight`), then that layer's bias. Every score vector
 * and parameter index in prunus uses this order.
 */
import { ACTIVATION_FUNCTIONS, ACTIVATIONS, add, matmul, mask as maskOp, sliceFlat, type Activation, type Tensor } from '../autograd/index.js';
import { Random } from '../random/random.js';

export { ACTIVATIONS, type Activation } from '../autograd/index.js';

/** Where one layer's parameters sit in the flat vector. */
export interface LayerView {
  /** Inputs (columns of the weight matrix). */
  readonly inputs: number;
  /** Outputs (rows of the weight matrix). */
  readonly outputs: number;
  readonly activation: Activation;
  /** Offset of `weight[0][0]`; the weight occupies `outputs·inputs` values. */
  readonly weightOffset: number;
  /** Offset of `bias[0]`; the bias occupies `outputs` values right after the weight. */
  readonly biasOffset: number;
}

/** The parameter layout of an MLP with the given sizes `[inputs, hidden..., outputs]`. */
export function layoutOf(sizes: readonly number[], activations: readonly Activation[]): LayerView[] {
  if (sizes.length < 2) throw new Error(`MLP: needs at least an input and an output size, got [${sizes.join(', ')}]`);
  if (activations.length !== sizes.length - 1) {
    throw new Error(`MLP: ${sizes.length - 1} layers need ${sizes.length - 1} activations, got ${activations.length}`);
  }
  for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`MLP: layer size ${s} is not a positive integer`);
  const views: LayerView[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const activation = activations[l]!;
    if (!ACTIVATIONS.includes(activation)) throw new Error(`MLP: unknown activation "${activation}" (one of ${ACTIVATIONS.join(', ')})`);
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    views.push({ inputs, outputs, activation, weightOffset: offset, biasOffset: offset + inputs * outputs });
    offset += outputs * (inputs + 1);
  }
  return views;
}

/** Applies an activation to a tensor. */
export function activate(z: Tensor, activation: Activation): Tensor {
  return ACTIVATION_FUNCTIONS[activation].op(z);
}

/**
 * An MLP `f(x) = f_L(...f_1(x))` with `f_k(z) = σ_k(W_k z + b_k)`; the last layer is linear
 * (a classifier's softmax belongs to its loss). Parameters live in one Float64Array.
 */
export class MLP {
  /** `[inputs, hidden..., outputs]`. */
  readonly sizes: readonly number[];
  /** One activation per layer. */
  readonly activations: readonly Activation[];
  /** Each layer's place in the flat vector. */
  readonly layers: readonly LayerView[];
  /** The canonical flat parameter vector (pruned entries are exactly 0). */
  readonly params: Float64Array;
  /** 1 for an active parameter, 0 for a pruned one; same order as `params`. */
  readonly mask: Float64Array;

  /**
   * @param sizes `[inputs, hidden..., outputs]`
   * @param activations one per layer; the last must be `identity`
   * @param params the flat vector (zeros when omitted; use {@link MLP.initialized} for a trainable start)
   * @param mask 0/1 per parameter (all ones when omitted)
   * @example
   * const net = MLP.initialized([13, 16, 3], ['tanh', 'identity'], new Random(1));
   */
  constructor(sizes: readonly number[], activations: readonly Activation[], params?: Float64Array, mask?: Float64Array) {
    this.layers = layoutOf(sizes, activations);
    if (activations[activations.length - 1] !== 'identity') {
      throw new Error(`MLP: the last layer must be linear ("identity"), got "${activations[activations.length - 1]}"`);
    }
    this.sizes = [...sizes];
    this.activations = [...activations];
    const n = parameterCount(sizes);
    if (params !== undefined && params.length !== n) throw new Error(`MLP: expected ${n} parameters, got ${params.length}`);
    if (mask !== undefined && mask.length !== n) throw new Error(`MLP: expected a mask of ${n} entries, got ${mask.length}`);
    this.params = params ?? new Float64Array(n);
    this.mask = mask ?? new Float64Array(n).fill(1);
    this.applyMask();
  }

  /**
   * A network with Glorot-uniform weights for tanh/sigmoid/identity layers and He-normal for
   * relu layers (the scale that keeps activations' variance steady), and zero biases.
   */
  static initialized(sizes: readonly number[], activations: readonly Activation[], rng: Random): MLP {
    const net = new MLP(sizes, activations);
    for (const layer of net.layers) {
      const weight = net.params.subarray(layer.weightOffset, layer.biasOffset);
      if (layer.activation === 'relu') {
        const std = Math.sqrt(2 / layer.inputs);
        for (let i = 0; i < weight.length; i++) weight[i] = std * rng.normal();
      } else {
        const limit = Math.sqrt(6 / (layer.inputs + layer.outputs));
        for (let i = 0; i < weight.length; i++) weight[i] = limit * (2 * rng.uniform() - 1);
      }
    }
    return net;
  }

  /** Total number of parameters (active or not). */
  get parameterCount(): number {
    return this.params.length;
  }

  /** Number of active (unpruned) parameters. */
  get activeCount(): number {
    let count = 0;
    for (let j = 0; j < this.mask.length; j++) if (this.mask[j] !== 0) count++;
    return count;
  }

  /** Indices of the active parameters, ascending. */
  activeIndices(): Int32Array {
    const out = new Int32Array(this.activeCount);
    let k = 0;
    for (let j = 0; j < this.mask.length; j++) if (this.mask[j] !== 0) out[k++] = j;
    return out;
  }

  /** Layer `l`'s weight `[out][in]` as a view (writes go into `params`). */
  weight(l: number): Float64Array {
    const layer = this.layerAt(l);
    return this.params.subarray(layer.weightOffset, layer.biasOffset);
  }

  /** Layer `l`'s bias as a view (writes go into `params`). */
  bias(l: number): Float64Array {
    const layer = this.layerAt(l);
    return this.params.subarray(layer.biasOffset, layer.biasOffset + layer.outputs);
  }

  /** Which layer parameter `j` belongs to, and its role and position there. */
  locate(j: number): { layer: number; kind: 'weight' | 'bias'; row: number; column: number } {
    if (!Number.isInteger(j) || j < 0 || j >= this.params.length) throw new Error(`MLP: parameter index ${j} is outside [0, ${this.params.length})`);
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]!;
      if (j < layer.biasOffset) {
        const k = j - layer.weightOffset;
        return { layer: l, kind: 'weight', row: Math.floor(k / layer.inputs), column: k % layer.inputs };
      }
      if (j < layer.biasOffset + layer.outputs) return { layer: l, kind: 'bias', row: j - layer.biasOffset, column: 0 };
    }
    throw new Error(`MLP: parameter index ${j} not found`); // unreachable: the range check covers it
  }

  /** A readable name of parameter `j`, e.g. `W1[3,7]` or `b2[0]` (layers counted from 1). */
  parameterName(j: number): string {
    const { layer, kind, row, column } = this.locate(j);
    return kind === 'weight' ? `W${layer + 1}[${row},${column}]` : `b${layer + 1}[${row}]`;
  }

  /** Sets pruned parameters to exactly 0 (call after any update of `params`). */
  applyMask(): void {
    for (let j = 0; j < this.params.length; j++) if (this.mask[j] === 0) this.params[j] = 0;
  }

  /** Prunes parameters: clears their mask entries and zeroes them. */
  prune(indices: Iterable<number>): void {
    for (const j of indices) {
      this.locate(j);
      this.mask[j] = 0;
      this.params[j] = 0;
    }
  }

  /** An independent copy (parameters and mask copied). */
  clone(): MLP {
    return new MLP(this.sizes, this.activations, this.params.slice(), this.mask.slice());
  }

  /** The same architecture and mask with other parameter values (copied and masked). */
  withParams(params: Float64Array): MLP {
    return new MLP(this.sizes, this.activations, params.slice(), this.mask.slice());
  }

  private layerAt(l: number): LayerView {
    const layer = this.layers[l];
    if (layer === undefined) throw new Error(`MLP: no layer ${l} (the network has ${this.layers.length})`);
    return layer;
  }
}

/** Number of parameters of an MLP with sizes `[inputs, hidden..., outputs]`. */
export function parameterCount(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l + 1]! * (sizes[l]! + 1);
  return n;
}

/** One linear layer on a batch: `x·Wᵀ + b` for x `[rows × in]`, W `[out × in]`, b `[out]`. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return add(matmul(x, weight, false, true), bias);
}

/**
 * The network's outputs `[rows × outputs]` as a differentiable function of a flat parameter
 * tensor `w` (any tensor of `parameterCount` values, e.g. a leaf for a gradient, or a sample
 * of the variational posterior) and the input batch `x` `[rows × inputs]`.
 *
 * The mask is applied to `w`, so pruned parameters contribute nothing and receive a zero
 * gradient, whatever values `w` holds there.
 */
export function forward(net: MLP, w: Tensor, x: Tensor): Tensor {
  if (w.size !== net.parameterCount) throw new Error(`forward: expected ${net.parameterCount} parameters, got ${w.size}`);
  if (x.rank !== 2 || x.shape[1] !== net.sizes[0]) {
    throw new Error(`forward: input must be [rows, ${net.sizes[0]}], got [${x.shape.join(', ')}]`);
  }
  const masked = net.activeCount === net.parameterCount ? w : maskOp(w, net.mask);
  let h = x;
  for (const layer of net.layers) {
    const weight = sliceFlat(masked, layer.weightOffset, [layer.outputs, layer.inputs]);
    const bias = sliceFlat(masked, layer.biasOffset, [layer.outputs]);
    h = activate(linear(h, weight, bias), layer.activation);
  }
  return h;
}

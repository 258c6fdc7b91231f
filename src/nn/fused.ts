/**
 * The fused training path: an MLP's forward and backward pass as a few matrix products
 * (`fused-products.ts`) and plain loops over buffers allocated once per network shape and
 * largest batch, and the objectives of the training loops built on them (the MAP objective
 * here, the variational one in `fused-variational.ts`).
 *
 * It computes what the autograd computes for `forward` + `negLogLikelihood` + the prior
 * (`test/nn/fused.test.ts` checks it to 1e-12 on random networks), without a graph: on the
 * small networks prunus trains, the autograd's time goes mostly to building nodes and
 * allocating tensors, which is what this path removes (`bench/training.bench.ts`).
 *
 * Notation as in `curvature-backprop.ts`: layer l maps its input a_l `[rows × n]` to
 * z_l = a_l·W_lᵀ + b_l `[rows × m]` and a_{l+1} = σ_l(z_l). Backward, with δ_l = ∂loss/∂z_l:
 * ∂W_l = δ_lᵀ·a_l, ∂b_l = Σ_rows δ_l, δ_{l−1} = (δ_l·W_l) ⊙ σ'(z_{l−1}).
 */
import { ACTIVATION_FUNCTIONS, type Activation } from '../autograd/activations.js';
import type { Task } from '../data/index.js';
import { addColumnSums, addWeightGradient, inputGradient, linearForward } from './fused-products.js';
import { passLoss, type PassLoss } from './fused-loss.js';
import type { Batch } from './losses.js';
import type { MLP } from './mlp.js';

/** The negative log-posterior's terms, as `negLogPosterior` in `train.ts` defines them. */
export interface PosteriorTerms {
  readonly task: Task;
  /** Prior precision α: one for every parameter, or one per parameter in canonical order. */
  readonly alpha: number | Float64Array;
  /**
   * Regression noise: a number holds log s² fixed (default 0); `'variable'` reads log s² from
   * `params[n]` (n = parameter count; the packing of `fitMap`) and writes ∂/∂log s² to
   * `gradient[n]`.
   */
  readonly logNoiseVariance?: number | 'variable';
  /**
   * Include the NLL's constant (N/2)·log(2π s²) (regression). Default: only when the noise is
   * `'variable'`, as in `train.ts`.
   */
  readonly constant?: boolean;
  /** Factor on the NLL (N/B for a mini-batch of B of N rows, so the prior keeps its weight; default 1). */
  readonly dataScale?: number;
  /** Batch rows to use, in order (a mini-batch, read in place; default: all rows). */
  readonly rows?: ArrayLike<number>;
}

/**
 * Preallocated forward and backward passes of one network shape for up to `maxRows` rows.
 * The mask is read from the network at every call, so pruning between calls is seen; the
 * sizes and activations are fixed at construction. Not re-entrant: one pass at a time.
 *
 * @example
 * const fused = new FusedMlp(net, train.rows);
 * const gradient = new Float64Array(net.parameterCount);
 * const value = fused.negLogPosterior(net.params, train, { task: 'classification', alpha: 1 }, gradient);
 */
export class FusedMlp {
  /** The network whose shape and mask the passes use (its `params` are not read). */
  readonly net: MLP;
  /** Largest number of rows one pass may take. */
  readonly maxRows: number;
  /** The weights of the current pass, masked (pruned entries 0); the samplers write here. */
  readonly weights: Float64Array;
  /**
   * ∂(scaled NLL)/∂w of the last {@link backward} (accumulated; not masked, no prior). Entries
   * of pruned parameters hold the derivative a free parameter would have there.
   */
  readonly nllGradient: Float64Array;
  /** The gathered input rows of a subset (the whole batch is read in place). */
  private readonly gathered: Float64Array;
  /** Per layer: z, overwritten by a = σ(z) in the hidden layers; the last holds the outputs. */
  private readonly values: Float64Array[];
  /** Per hidden layer: σ'(z). */
  private readonly slopes: Float64Array[];
  /** Per layer: δ = ∂loss/∂z. */
  private readonly deltas: Float64Array[];

  /**
   * @param net the architecture and mask (read at every call)
   * @param maxRows the largest batch a pass will get (buffers are sized for it once)
   */
  constructor(net: MLP, maxRows: number) {
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new Error(`FusedMlp: maxRows must be a positive integer, got ${maxRows}`);
    this.net = net;
    this.maxRows = maxRows;
    const n = net.parameterCount;
    this.weights = new Float64Array(n);
    this.nllGradient = new Float64Array(n);
    this.gathered = new Float64Array(maxRows * net.sizes[0]!);
    this.values = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.slopes = net.layers.map((layer) => new Float64Array(layer.activation === 'identity' ? 0 : maxRows * layer.outputs));
    this.deltas = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
  }

  /** The network's outputs of the last {@link forward}, `[rows × outputs]` (only the first rows·outputs are valid). */
  get outputs(): Float64Array {
    return this.values[this.values.length - 1]!;
  }

  /** ∂(scaled NLL)/∂outputs, where {@link backward} starts: write it here (`[rows × outputs]`). */
  get outputGradient(): Float64Array {
    return this.deltas[this.deltas.length - 1]!;
  }

  /**
   * Layer l's output of the last {@link forward}, `[rows × outputs of layer l]`: σ(z_l) for a
   * hidden layer, the network's outputs for the last. A view, valid until the next pass.
   */
  layerValues(l: number): Float64Array {
    return this.values[l]!;
  }

  /** δ_l = ∂loss/∂z_l of the last {@link backward}, `[rows × outputs of layer l]`. A view, valid until the next pass. */
  layerDeltas(l: number): Float64Array {
    return this.deltas[l]!;
  }

  /** σ'(z_l) of the last {@link forward}, `[rows × outputs of layer l]`; empty for an identity layer (σ' = 1). */
  layerSlopes(l: number): Float64Array {
    return this.slopes[l]!;
  }

  /**
   * Copies `params` into {@link weights} with pruned entries set to 0 (what `forward` does by
   * multiplying with the mask).
   */
  loadWeights(params: Float64Array): void {
    const mask = this.net.mask;
    const w = this.weights;
    for (let j = 0; j < w.length; j++) w[j] = mask[j] === 0 ? 0 : params[j]!;
  }

  /**
   * The input of a pass: the batch's own rows when `rows` is undefined, else the listed rows
   * gathered into a preallocated buffer (one copy of B·inputs values, against B·inputs·width
   * multiply-adds of the first layer; the batch is never copied).
   */
  input(batch: Batch, rows: ArrayLike<number> | undefined): Float64Array {
    const width = this.net.sizes[0]!;
    if (batch.x.shape[1] !== width) throw new Error(`FusedMlp: the batch has ${batch.x.shape[1]} inputs, the network ${width}`);
    const count = rows === undefined ? batch.rows : rows.length;
    if (count > this.maxRows) throw new Error(`FusedMlp: ${count} rows exceed the ${this.maxRows} the buffers were made for`);
    const x = batch.x.data;
    if (rows === undefined) return x;
    const out = this.gathered;
    for (let r = 0; r < count; r++) {
      const row = rows[r]!;
      if (!(row >= 0 && row < batch.rows)) throw new Error(`FusedMlp: row ${row} is outside the batch's ${batch.rows} rows`);
      for (let c = 0, from = row * width, to = r * width; c < width; c++) out[to + c] = x[from + c]!;
    }
    return out;
  }

  /**
   * Forward pass of `count` rows of `input` with the current {@link weights}: per layer the
   * product with the bias added as each tile is written, then σ and σ' in one loop over it.
   */
  forward(input: Float64Array, count: number): void {
    const layers = this.net.layers;
    let a = input;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, outputs, weightOffset, biasOffset, activation } = layers[l]!;
      const z = this.values[l]!;
      linearForward(a, count, inputs, this.weights, weightOffset, biasOffset, outputs, z);
      ACTIVATE[activation](z, this.slopes[l]!, count * outputs);
      a = z;
    }
  }

  /**
   * Backward pass from {@link outputGradient} over the pass `forward(input, count)` left:
   * adds ∂/∂w into `gradient` (default {@link nllGradient}; clear it first for a fresh
   * gradient; several samples may accumulate). Overwrites the deltas of every layer, so a
   * Gauss-Newton product (`fused-gnvp.ts`) can run it again from another output vector.
   */
  backward(input: Float64Array, count: number, gradient: Float64Array = this.nllGradient): void {
    const layers = this.net.layers;
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inputs, outputs, weightOffset, biasOffset } = layers[l]!;
      const delta = this.deltas[l]!;
      addWeightGradient(delta, count, outputs, l === 0 ? input : this.values[l - 1]!, inputs, gradient, weightOffset);
      addColumnSums(delta, count, outputs, gradient, biasOffset);
      if (l === 0) break;
      const slope = layers[l - 1]!.activation === 'identity' ? null : this.slopes[l - 1]!;
      inputGradient(delta, count, outputs, this.weights, weightOffset, inputs, slope, this.deltas[l - 1]!);
    }
  }

  /**
   * The NLL of the last {@link forward} (`negLogLikelihood` of `losses.ts`), writing
   * `scale · ∂NLL/∂outputs` into {@link outputGradient}; see {@link passLoss}.
   */
  outputLoss(
    task: Task, batch: Batch, rows: ArrayLike<number> | undefined, count: number,
    logNoiseVariance: number, constant: boolean, scale: number,
  ): PassLoss {
    const width = this.net.sizes[this.net.sizes.length - 1]!;
    return passLoss(task, this.outputs, width, batch, rows, count, logNoiseVariance, constant, scale, this.outputGradient);
  }

  /**
   * The negative log-posterior `dataScale · NLL(w, s²) + ½ Σ_active α_j w_j²` of `train.ts`
   * and its gradient, in one forward and one backward pass.
   *
   * @param params w (n values), followed by log s² when `terms.logNoiseVariance` is `'variable'`
   * @param gradient receives ∂/∂params, same length as `params`; exactly 0 at pruned parameters
   * @returns the value
   */
  negLogPosterior(params: Float64Array, batch: Batch, terms: PosteriorTerms, gradient: Float64Array): number {
    const n = this.net.parameterCount;
    const variable = terms.logNoiseVariance === 'variable';
    const expected = variable ? n + 1 : n;
    if (params.length !== expected || gradient.length !== expected) {
      throw new Error(`FusedMlp.negLogPosterior: expected ${expected} parameters and gradient entries, got ${params.length} and ${gradient.length}`);
    }
    const logNoise = variable ? params[n]! : ((terms.logNoiseVariance as number | undefined) ?? 0);
    const scale = terms.dataScale ?? 1;
    const rows = terms.rows;
    const count = rows === undefined ? batch.rows : rows.length;
    const input = this.input(batch, rows);
    this.loadWeights(params);
    this.forward(input, count);
    const nll = this.outputLoss(terms.task, batch, rows, count, logNoise, terms.constant ?? variable, scale);
    this.nllGradient.fill(0);
    this.backward(input, count);
    const prior = addPrior(this.net.mask, terms.alpha, this.weights, this.nllGradient, gradient);
    if (variable) gradient[n] = scale * nll.noiseSlope;
    return scale * nll.value + 0.5 * prior;
  }

  /**
   * The network's outputs on a batch or some of its rows, `[rows × outputs]`: a view into the
   * pass's buffer, valid until the next pass (copy it to keep it).
   */
  predict(params: Float64Array, batch: Batch, rows?: ArrayLike<number>): Float64Array {
    if (params.length !== this.net.parameterCount) throw new Error(`FusedMlp.predict: expected ${this.net.parameterCount} parameters, got ${params.length}`);
    const count = rows === undefined ? batch.rows : rows.length;
    const input = this.input(batch, rows);
    this.loadWeights(params);
    this.forward(input, count);
    return this.outputs.subarray(0, count * this.net.sizes[this.net.sizes.length - 1]!);
  }

  /**
   * The NLL alone (no gradient) of `params` on a batch or some of its rows: for validation
   * losses and Monte Carlo ELBO estimates.
   *
   * @param constant include the regression constant (default true, as `negLogLikelihood`)
   */
  negLogLikelihood(params: Float64Array, batch: Batch, task: Task, logNoiseVariance = 0, constant = true, rows?: ArrayLike<number>): number {
    if (params.length !== this.net.parameterCount) throw new Error(`FusedMlp.negLogLikelihood: expected ${this.net.parameterCount} parameters, got ${params.length}`);
    const count = rows === undefined ? batch.rows : rows.length;
    const input = this.input(batch, rows);
    this.loadWeights(params);
    this.forward(input, count);
    return this.outputLoss(task, batch, rows, count, logNoiseVariance, constant, 1).value;
  }
}

const { tanh, relu, sigmoid } = ACTIVATION_FUNCTIONS;

/**
 * σ and σ' of the activation table applied in place: `z[k] ← σ(z[k])`, `slope[k] ← σ'(z[k])`.
 * One loop per activation on purpose: one shared loop calling `f.value` for whichever `f` sees
 * several targets at its call sites once a process uses more than one activation, and V8 then
 * stops inlining them (measured: relu 27 ns per element instead of 3, tanh 2× slower).
 */
export const ACTIVATE: Readonly<Record<Activation, (z: Float64Array, slope: Float64Array, count: number) => void>> = {
  tanh(z, slope, count) {
    for (let k = 0; k < count; k++) {
      const v = z[k]!;
      const a = tanh.value(v);
      z[k] = a;
      slope[k] = tanh.slope(a, v);
    }
  },
  relu(z, slope, count) {
    for (let k = 0; k < count; k++) {
      const v = z[k]!;
      const a = relu.value(v);
      z[k] = a;
      slope[k] = relu.slope(a, v);
    }
  },
  sigmoid(z, slope, count) {
    for (let k = 0; k < count; k++) {
      const v = z[k]!;
      const a = sigmoid.value(v);
      z[k] = a;
      slope[k] = sigmoid.slope(a, v);
    }
  },
  // σ(z) = z and σ' = 1: nothing to write (the backward pass skips the slope of identity layers).
  identity() {},
};

/**
 * Writes `gradient = nllGradient + α ⊙ w` over the active parameters and exactly 0 over the
 * pruned ones, and returns Σ_active α_j w_j².
 */
function addPrior(mask: Float64Array, alpha: number | Float64Array, w: Float64Array, nllGradient: Float64Array, gradient: Float64Array): number {
  let sum = 0;
  if (typeof alpha === 'number') {
    for (let j = 0; j < w.length; j++) {
      if (mask[j] === 0) {
        gradient[j] = 0;
        continue;
      }
      const wj = w[j]!;
      sum += wj * wj;
      gradient[j] = nllGradient[j]! + alpha * wj;
    }
    return alpha * sum;
  }
  if (alpha.length !== w.length) throw new Error(`FusedMlp: expected ${w.length} prior precisions, got ${alpha.length}`);
  for (let j = 0; j < w.length; j++) {
    if (mask[j] === 0) {
      gradient[j] = 0;
      continue;
    }
    const wj = w[j]!;
    sum += alpha[j]! * wj * wj;
    gradient[j] = nllGradient[j]! + alpha[j]! * wj;
  }
  return sum;
}

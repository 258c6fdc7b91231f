/**
 * The local reparameterization trick (Kingma, Salimans & Welling 2015) for a mean-field
 * Gaussian q over an MLP's weights: instead of one weight sample shared by all rows, each
 * row's pre-activations are drawn from their exact Gaussian given that row's layer input,
 *
 *     z = a·Mᵀ + b_μ + √(a²·S²ᵀ + σ_b²) ⊙ ξ,   ξ ~ N(0, 1) per row and unit,
 *
 * with M, S² the weights' means and variances. Given its input, a row's z has exactly the
 * distribution weight noise gives it, so each row's NLL has the same expectation, and so
 * has the objective's gradient (the test compares the two estimators' means over many draws).
 * What changes is that rows no longer share one noise draw: their noise partly averages out
 * over a batch, so the gradient varies less from draw to draw, at the price of a second product
 * per layer forward and backward and one normal per row and unit instead of one per weight.
 *
 * Backward, with δ = ∂loss/∂z and d = δ ⊙ ξ / (2√v) = ∂loss/∂v (v the variance above; 0 where
 * v = 0, where the square root has no derivative and every path into v has a zero factor):
 * ∂M = δᵀ·a, ∂S² = dᵀ·a², ∂b_μ = Σ_rows δ, ∂σ_b² = Σ_rows d, ∂a = δ·M + 2a ⊙ (d·S²).
 */
import type { Task } from '../data/index.js';
import { ACTIVATE } from './fused.js';
import { addColumnSums, addWeightGradient, inputGradient, linearForward } from './fused-products.js';
import { passLoss, type PassLoss } from './fused-loss.js';
import type { Batch } from './losses.js';
import type { MLP } from './mlp.js';

/** Preallocated local-reparameterization passes of one network shape for up to `maxRows` rows. */
export class LocalReparameterization {
  /** Means of the weights for the next pass, masked (pruned entries 0). */
  readonly means: Float64Array;
  /** Variances σ² of the weights for the next pass, masked (pruned entries 0). */
  readonly variances: Float64Array;
  /** ∂(scaled NLL)/∂means, accumulated by {@link backward}. */
  readonly meanGradient: Float64Array;
  /** ∂(scaled NLL)/∂variances, accumulated by {@link backward}. */
  readonly varianceGradient: Float64Array;
  /** Per layer: its input squared, `[rows × inputs]`. */
  private readonly squares: Float64Array[];
  /** Per layer: the pre-activation's standard deviation √v, `[rows × outputs]`. */
  private readonly deviations: Float64Array[];
  /** Per layer: z, overwritten by σ(z) in hidden layers. */
  private readonly values: Float64Array[];
  private readonly slopes: Float64Array[];
  private readonly deltas: Float64Array[];
  /** ∂loss/∂v of the layer being differentiated, and d·S² of the layer below. */
  private readonly varianceDelta: Float64Array;
  private readonly spreadBack: Float64Array;

  /**
   * @param net the architecture and mask (the caller writes masked means and variances)
   * @param maxRows the largest batch a pass will get (buffers are sized for it once)
   */
  constructor(
    private readonly net: MLP,
    maxRows: number,
  ) {
    const n = net.parameterCount;
    const widest = Math.max(...net.sizes);
    this.means = new Float64Array(n);
    this.variances = new Float64Array(n);
    this.meanGradient = new Float64Array(n);
    this.varianceGradient = new Float64Array(n);
    this.squares = net.layers.map((layer) => new Float64Array(maxRows * layer.inputs));
    this.deviations = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.values = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.slopes = net.layers.map((layer) => new Float64Array(layer.activation === 'identity' ? 0 : maxRows * layer.outputs));
    this.deltas = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.varianceDelta = new Float64Array(maxRows * widest);
    this.spreadBack = new Float64Array(maxRows * widest);
  }

  /**
   * Forward pass of `count` rows: per layer the mean and the variance of z (two products with
   * the bias means and variances added), the draw z = mean + √v·ξ, then σ and σ'.
   *
   * @param noise ξ, layer by layer, each `[count × outputs]` row-major
   */
  forward(input: Float64Array, count: number, noise: Float64Array): void {
    const layers = this.net.layers;
    let a = input;
    let at = 0;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, outputs, weightOffset, biasOffset, activation } = layers[l]!;
      const square = this.squares[l]!;
      for (let k = 0; k < count * inputs; k++) square[k] = a[k]! * a[k]!;
      const z = this.values[l]!;
      const deviation = this.deviations[l]!;
      linearForward(a, count, inputs, this.means, weightOffset, biasOffset, outputs, z);
      linearForward(square, count, inputs, this.variances, weightOffset, biasOffset, outputs, deviation);
      for (let k = 0; k < count * outputs; k++, at++) {
        const sd = Math.sqrt(deviation[k]!);
        deviation[k] = sd;
        z[k]! += sd * noise[at]!;
      }
      ACTIVATE[activation](z, this.slopes[l]!, count * outputs);
      a = z;
    }
  }

  /** The NLL of the last forward pass, writing `scale · ∂NLL/∂outputs` where {@link backward} starts. */
  outputLoss(task: Task, width: number, batch: Batch, rows: ArrayLike<number> | undefined, count: number, logNoiseVariance: number, scale: number): PassLoss {
    const last = this.values.length - 1;
    return passLoss(task, this.values[last]!, width, batch, rows, count, logNoiseVariance, true, scale, this.deltas[last]!);
  }

  /** Backward pass: adds ∂/∂means and ∂/∂variances of the last forward pass into the gradients. */
  backward(input: Float64Array, count: number, noise: Float64Array): void {
    const layers = this.net.layers;
    let at = count * layers.reduce((units, layer) => units + layer.outputs, 0);
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inputs, outputs, weightOffset, biasOffset } = layers[l]!;
      at -= count * outputs;
      const delta = this.deltas[l]!;
      const deviation = this.deviations[l]!;
      const d = this.varianceDelta;
      for (let k = 0; k < count * outputs; k++) {
        const sd = deviation[k]!;
        d[k] = sd > 0 ? (delta[k]! * noise[at + k]!) / (2 * sd) : 0;
      }
      const a = l === 0 ? input : this.values[l - 1]!;
      addWeightGradient(delta, count, outputs, a, inputs, this.meanGradient, weightOffset);
      addWeightGradient(d, count, outputs, this.squares[l]!, inputs, this.varianceGradient, weightOffset);
      addColumnSums(delta, count, outputs, this.meanGradient, biasOffset);
      addColumnSums(d, count, outputs, this.varianceGradient, biasOffset);
      if (l === 0) break;
      const below = this.deltas[l - 1]!;
      const spread = this.spreadBack;
      inputGradient(delta, count, outputs, this.means, weightOffset, inputs, null, below);
      inputGradient(d, count, outputs, this.variances, weightOffset, inputs, null, spread);
      const identity = layers[l - 1]!.activation === 'identity';
      const slope = this.slopes[l - 1]!;
      for (let k = 0; k < count * inputs; k++) {
        const g = below[k]! + 2 * a[k]! * spread[k]!;
        below[k] = identity ? g : g * slope[k]!;
      }
    }
  }
}

/**
 * Gauss-Newton-vector products on the fused path, matrix-free: `G v` with
 *
 *     G = dataScale · Σ_s J_sᵀ H_s J_s,
 *
 * J_s the Jacobian of sample s's outputs with respect to the flat parameters and H_s the loss
 * Hessian in the outputs (softmax cross-entropy `diag(p) − ppᵀ`, regression `1/s²`) — the
 * matrix `gaussNewtonMatrix` of `curvature.ts` builds densely (tested against it to 1e-12), for
 * the cost of about one gradient evaluation per product instead of rows·outputs·n².
 *
 * One product is a forward-mode tangent pass (Pearlmutter's R-operator: J v, layer by layer)
 * and one backward pass (Jᵀ u) over the forward pass of the linearization point, with
 * u_s = H_s (J v)_s in between. With V_l, c_l the parts of v belonging to layer l:
 *
 *     R z_l = R a_l · W_lᵀ + a_l · V_lᵀ + c_l,   R a_{l+1} = σ'(z_l) ⊙ R z_l,   R a_0 = 0,
 *
 * so the first layer, where the network's inputs are wide, costs one product forward and one
 * backward (its R a_0 vanishes and it needs no input gradient), as an evaluation does.
 *
 * Masks: v is read as if its pruned entries were 0, and the product is exactly 0 there: G is
 * the curvature over the active parameters (embedded in the full vector), which is what a
 * minimizer over them needs.
 */
import type { Task } from '../data/index.js';
import { FusedMlp, type PosteriorTerms } from './fused.js';
import { addLinearProduct, linearForward } from './fused-products.js';
import type { Batch } from './losses.js';
import type { MLP } from './mlp.js';

/** The likelihood terms a linearization point fixes (what `PosteriorTerms` says of the NLL). */
export interface LinearizationTerms {
  readonly task: Task;
  /** Regression: log s², held fixed (default 0). */
  readonly logNoiseVariance?: number;
  /** Factor on the NLL (default 1). */
  readonly dataScale?: number;
  /** Batch rows to use, in order (default: all rows). */
  readonly rows?: ArrayLike<number>;
}

/**
 * Preallocated Gauss-Newton-vector products of one network shape for up to `maxRows` rows.
 * Each product is taken at the linearization point of the last {@link linearize} or
 * {@link negLogPosterior}; any other pass of {@link passes} in between moves it.
 *
 * @example
 * const gn = new FusedGaussNewton(net, train.rows);
 * const value = gn.negLogPosterior(w, train, { task, alpha: 1 }, gradient);
 * gn.product(v, out); // out = G(w) v
 */
export class FusedGaussNewton {
  /** The passes the products run over (their forward state is the linearization point). */
  readonly passes: FusedMlp;
  /** Per layer: R z_l, overwritten by R a_{l+1} = σ'(z_l) ⊙ R z_l in hidden layers. */
  private readonly tangents: Float64Array[];
  /** The product's direction with pruned entries set to 0. */
  private readonly direction: Float64Array;
  /** Classification: softmax of the outputs at the linearization point, `[rows × classes]`. */
  private readonly probabilities: Float64Array;
  private point: { input: Float64Array; count: number; task: Task; weight: number } | null = null;

  /**
   * @param net the architecture and mask (read at every call)
   * @param maxRows the largest batch a linearization will get
   */
  constructor(readonly net: MLP, maxRows: number) {
    this.passes = new FusedMlp(net, maxRows);
    this.tangents = net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.direction = new Float64Array(net.parameterCount);
    const outputs = net.sizes[net.sizes.length - 1]!;
    this.probabilities = new Float64Array(maxRows * outputs);
  }

  /** Sets the linearization point to `params` on the batch (one forward pass). */
  linearize(params: Float64Array, batch: Batch, terms: LinearizationTerms): void {
    if (params.length !== this.net.parameterCount) throw new Error(`FusedGaussNewton.linearize: expected ${this.net.parameterCount} parameters, got ${params.length}`);
    this.passes.predict(params, batch, terms.rows);
    this.record(batch, terms);
  }

  /**
   * The negative log-posterior and its gradient (`FusedMlp.negLogPosterior`), and the
   * linearization point set to `params`: what a Newton-type step needs at a new iterate, in
   * one forward and one backward pass. The noise must be fixed.
   */
  negLogPosterior(params: Float64Array, batch: Batch, terms: PosteriorTerms, gradient: Float64Array): number {
    if (terms.logNoiseVariance === 'variable') throw new Error('FusedGaussNewton: the noise variance must be fixed (a number), not variable');
    const value = this.passes.negLogPosterior(params, batch, terms, gradient);
    const { task, dataScale, rows } = terms;
    this.record(batch, {
      task,
      ...(terms.logNoiseVariance !== undefined ? { logNoiseVariance: terms.logNoiseVariance } : {}),
      ...(dataScale !== undefined ? { dataScale } : {}),
      ...(rows !== undefined ? { rows } : {}),
    });
    return value;
  }

  /** Keeps what the products need from the forward pass just run: its input, and H's factors. */
  private record(batch: Batch, terms: LinearizationTerms): void {
    const count = terms.rows === undefined ? batch.rows : terms.rows.length;
    // `input` returns the batch itself, or regathers the same rows into the buffer the pass read.
    const input = this.passes.input(batch, terms.rows);
    const scale = terms.dataScale ?? 1;
    const outputs = this.net.sizes[this.net.sizes.length - 1]!;
    if (terms.task === 'regression' && outputs !== 1) throw new Error(`FusedGaussNewton: a regressor has one output, got ${outputs}`);
    if (terms.task === 'classification') softmaxRows(this.passes.outputs, count, outputs, this.probabilities);
    // Regression: H_s = 1/s² for every sample, folded with the data scale into one weight.
    const weight = terms.task === 'regression' ? scale * Math.exp(-(terms.logNoiseVariance ?? 0)) : scale;
    this.point = { input, count, task: terms.task, weight };
  }

  /**
   * `out = G v` at the linearization point: exactly 0 at pruned parameters, whose entries of
   * `v` are ignored. `out` must not be `v`.
   */
  product(v: Float64Array, out: Float64Array): void {
    const n = this.net.parameterCount;
    if (v.length !== n || out.length !== n) throw new Error(`FusedGaussNewton.product: expected vectors of ${n}, got ${v.length} and ${out.length}`);
    if (v === out) throw new Error('FusedGaussNewton.product: out must not be v');
    const point = this.point;
    if (point === null) throw new Error('FusedGaussNewton.product: no linearization point (call linearize or negLogPosterior first)');
    const { input, count } = point;
    const mask = this.net.mask;
    const direction = this.direction;
    for (let j = 0; j < n; j++) direction[j] = mask[j] === 0 ? 0 : v[j]!;
    const layers = this.net.layers;
    const weights = this.passes.weights;
    // Tangent pass: R z_l = a_l·V_lᵀ + c_l (+ R a_l·W_lᵀ below the first layer).
    let a = input;
    let tangentIn: Float64Array | null = null;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, outputs, weightOffset, biasOffset, activation } = layers[l]!;
      const tangent = this.tangents[l]!;
      linearForward(a, count, inputs, direction, weightOffset, biasOffset, outputs, tangent);
      if (tangentIn !== null) addLinearProduct(tangentIn, count, inputs, weights, weightOffset, outputs, tangent);
      if (activation !== 'identity') {
        const slope = this.passes.layerSlopes(l);
        for (let k = 0; k < count * outputs; k++) tangent[k]! *= slope[k]!;
      }
      a = this.passes.layerValues(l);
      tangentIn = tangent;
    }
    // u_s = weight · H_s (J v)_s, where the backward pass starts.
    const jv = this.tangents[layers.length - 1]!;
    const u = this.passes.outputGradient;
    const width = layers[layers.length - 1]!.outputs;
    if (point.task === 'regression') {
      for (let r = 0; r < count; r++) u[r] = point.weight * jv[r]!;
    } else {
      // (diag(p) − ppᵀ) t = p ⊙ (t − pᵀt).
      const p = this.probabilities;
      for (let r = 0, at = 0; r < count; r++, at += width) {
        let mean = 0;
        for (let o = 0; o < width; o++) mean += p[at + o]! * jv[at + o]!;
        for (let o = 0; o < width; o++) u[at + o] = point.weight * p[at + o]! * (jv[at + o]! - mean);
      }
    }
    out.fill(0);
    this.passes.backward(input, count, out);
    for (let j = 0; j < n; j++) if (mask[j] === 0) out[j] = 0;
  }
}

/** Softmax of each row of `logits` `[count × width]` into `p`, shifted by the row's largest logit. */
function softmaxRows(logits: Float64Array, count: number, width: number, p: Float64Array): void {
  for (let r = 0, at = 0; r < count; r++, at += width) {
    let largest = -Infinity;
    for (let o = 0; o < width; o++) largest = Math.max(largest, logits[at + o]!);
    let sum = 0;
    for (let o = 0; o < width; o++) sum += p[at + o] = Math.exp(logits[at + o]! - largest);
    for (let o = 0; o < width; o++) p[at + o]! /= sum;
  }
}

/**
 * Curvature-vector products of the NLL on the fused path, matrix-free, for Newton-type MAP fits:
 *
 * - the Gauss-Newton product `G v`, G = dataScale · Σ_s J_sᵀ H_s J_s, J_s the Jacobian of
 *   sample s's outputs with respect to the flat parameters and H_s the loss Hessian in the
 *   outputs (softmax cross-entropy `diag(p) − ppᵀ`, regression `1/s²`) — the matrix
 *   `gaussNewtonMatrix` of `curvature.ts` builds densely;
 * - the exact Hessian product `∇²NLL · v`, G plus the terms the loss gradient carries through
 *   the layers' second derivatives (what `hvp` of the autograd computes);
 * - G's diagonal, for a Jacobi preconditioner.
 *
 * Both products are Pearlmutter's R-operator: a forward-mode tangent pass (J v, layer by layer)
 * and a backward pass over the forward pass of the linearization point. With V_l, c_l the
 * parts of v belonging to layer l, δ_l = ∂loss/∂z_l and g_l = δ_l·W_l:
 *
 *     R z_l = R a_l · W_lᵀ + a_l · V_lᵀ + c_l,   R a_{l+1} = σ'(z_l) ⊙ R z_l,   R a_0 = 0,
 *     R δ_out = H · R f,
 *     R δ_{l−1} = (R δ_l · W_l + [δ_l · V_l]) ⊙ σ'(z_{l−1}) + [g_l ⊙ σ''(z_{l−1}) ⊙ R z_{l−1}],
 *     R ∂W_l = R δ_lᵀ · a_l + [δ_lᵀ · R a_l],   R ∂b_l = Σ_rows R δ_l,
 *
 * where the bracketed terms belong to the exact Hessian and Gauss-Newton drops them. The first
 * layer, where the inputs are wide, costs one product forward and one backward either way
 * (R a_0 = 0, and no input gradient below it): about what a gradient evaluation costs.
 *
 * Masks: v is read as if its pruned entries were 0, and the products are exactly 0 there: the
 * curvature over the active parameters (embedded in the full vector), which is what a minimizer
 * over them needs. Tested against `gaussNewtonMatrix`, `gaussNewtonDiagonal` and the autograd's
 * `hvp` to 1e-12 (`test/nn/fused-curvature.test.ts`).
 */
import { ACTIVATION_FUNCTIONS } from '../autograd/activations.js';
import type { Task } from '../data/index.js';
import { FusedMlp, type PosteriorTerms } from './fused.js';
import { addColumnSums, addLinearProduct, addWeightGradient, inputGradient, linearForward } from './fused-products.js';
import type { Batch } from './losses.js';
import { KroneckerPreconditioner } from './fused-kfac.js';
import type { MLP } from './mlp.js';
import type { CurvatureObjective } from './newton.js';

/** What the products need from the forward and backward pass of the linearization point. */
export interface LinearizationPoint {
  /** The rows the pass read, `[count × inputs]` (the batch itself, or gathered rows). */
  readonly input: Float64Array;
  readonly count: number;
  /** True when `input` is the whole batch, read in place (so it stays the same between points). */
  readonly wholeBatch: boolean;
  readonly task: Task;
  /** dataScale/s² (regression) or dataScale (classification): H_s's factor. */
  readonly weight: number;
  /** Classification: softmax of the outputs, `[count × classes]` (H_s = weight·(diag(p) − ppᵀ)). */
  readonly probabilities: Float64Array;
}

/**
 * Preallocated curvature products of one network shape for up to `maxRows` rows, at the
 * linearization point of the last {@link negLogPosterior}: any other pass of {@link passes}
 * in between moves the forward state under them.
 *
 * @example
 * const curvature = new FusedCurvature(net, train.rows);
 * const value = curvature.negLogPosterior(w, train, { task, alpha: 1 }, gradient);
 * curvature.gaussNewtonProduct(v, out); // out = G(w) v
 * curvature.hessianProduct(v, out);     // out = ∇²NLL(w) v
 */
export class FusedCurvature {
  /** The passes the products run over (their forward state is the linearization point). */
  readonly passes: FusedMlp;
  /** Per layer: R z_l. */
  private readonly tangents: Float64Array[];
  /** Per hidden layer: R a_{l+1} = σ'(z_l) ⊙ R z_l (identity layers: R z_l itself). */
  private readonly tangentValues: Float64Array[];
  /** Per layer: R δ_l. */
  private readonly tangentDeltas: Float64Array[];
  /** Per layer: δ_l of the gradient at the linearization point (a copy: the passes reuse theirs). */
  private readonly deltas: Float64Array[];
  /** Scratch of the exact product's backward step: δ_l·V_l, then g_l = δ_l·W_l. */
  private readonly scratch: Float64Array;
  private readonly upstream: Float64Array;
  /** The product's direction with pruned entries set to 0. */
  private readonly direction: Float64Array;
  /** Classification: softmax of the outputs at the linearization point, `[rows × classes]`. */
  private readonly probabilities: Float64Array;
  /**
   * The diagonal's sums over outputs o of p_o (d^o)² and p_o d^o per layer, and a layer's input
   * squared: allocated at the first {@link gaussNewtonDiagonal} (the widest input may be large).
   */
  private diagonalScratch: { squares: Float64Array[]; sums: Float64Array[]; inputSquares: Float64Array } | null = null;
  private point: LinearizationPoint | null = null;

  /**
   * @param net the architecture and mask (read at every call)
   * @param maxRows the largest batch a linearization will get
   */
  constructor(readonly net: MLP, maxRows: number) {
    this.passes = new FusedMlp(net, maxRows);
    const perLayer = (): Float64Array[] => net.layers.map((layer) => new Float64Array(maxRows * layer.outputs));
    this.tangents = perLayer();
    this.tangentValues = perLayer();
    this.tangentDeltas = perLayer();
    this.deltas = perLayer();
    // The exact product's scratch holds inputs of layers above the first: hidden widths only.
    const widestHidden = Math.max(1, ...net.layers.slice(1).map((layer) => layer.inputs));
    this.scratch = new Float64Array(maxRows * widestHidden);
    this.upstream = new Float64Array(maxRows * widestHidden);
    this.direction = new Float64Array(net.parameterCount);
    this.probabilities = new Float64Array(maxRows * net.sizes[net.sizes.length - 1]!);
  }

  /**
   * The negative log-posterior and its gradient (`FusedMlp.negLogPosterior`), with the
   * linearization point set to `params`: what a Newton-type step needs at a new iterate, in
   * one forward and one backward pass. The noise must be fixed.
   */
  negLogPosterior(params: Float64Array, batch: Batch, terms: PosteriorTerms, gradient: Float64Array): number {
    if (terms.logNoiseVariance === 'variable') throw new Error('FusedCurvature: the noise variance must be fixed (a number), not variable');
    const value = this.passes.negLogPosterior(params, batch, terms, gradient);
    const count = terms.rows === undefined ? batch.rows : terms.rows.length;
    // `input` returns the batch itself, or regathers the same rows into the buffer the pass read.
    const input = this.passes.input(batch, terms.rows);
    const outputs = this.net.sizes[this.net.sizes.length - 1]!;
    if (terms.task === 'classification') softmaxRows(this.passes.outputs, count, outputs, this.probabilities);
    this.net.layers.forEach((layer, l) => this.deltas[l]!.set(this.passes.layerDeltas(l).subarray(0, count * layer.outputs)));
    const scale = terms.dataScale ?? 1;
    // Regression: H_s = 1/s² for every sample, folded with the data scale into one weight.
    const weight = terms.task === 'regression' ? scale * Math.exp(-(terms.logNoiseVariance ?? 0)) : scale;
    this.point = { input, count, wholeBatch: terms.rows === undefined, task: terms.task, weight, probabilities: this.probabilities };
    return value;
  }

  /** The linearization point of the last {@link negLogPosterior}. */
  linearization(): LinearizationPoint {
    if (this.point === null) throw new Error('FusedCurvature: no linearization point (call negLogPosterior first)');
    return this.point;
  }

  /** `out = G v` at the linearization point; exactly 0 at pruned parameters, whose entries of `v` are ignored. */
  gaussNewtonProduct(v: Float64Array, out: Float64Array): void {
    this.product(v, out, false);
  }

  /** `out = ∇²(dataScale · NLL) v` at the linearization point, the exact Hessian; masked like {@link gaussNewtonProduct}. */
  hessianProduct(v: Float64Array, out: Float64Array): void {
    this.product(v, out, true);
  }

  private product(v: Float64Array, out: Float64Array, exact: boolean): void {
    const n = this.net.parameterCount;
    if (v.length !== n || out.length !== n) throw new Error(`FusedCurvature: expected vectors of ${n}, got ${v.length} and ${out.length}`);
    if (v === out) throw new Error('FusedCurvature: out must not be v');
    const point = this.linearization();
    const mask = this.net.mask;
    const direction = this.direction;
    for (let j = 0; j < n; j++) direction[j] = mask[j] === 0 ? 0 : v[j]!;
    this.tangentPass(point);
    this.outputHessian(point);
    out.fill(0);
    this.tangentBackward(point, exact, out);
    for (let j = 0; j < n; j++) if (mask[j] === 0) out[j] = 0;
  }

  /** R z_l and R a_{l+1} for every layer, from {@link direction}. */
  private tangentPass({ input, count }: LinearizationPoint): void {
    const layers = this.net.layers;
    const weights = this.passes.weights;
    let a = input;
    let below: Float64Array | null = null;
    for (let l = 0; l < layers.length; l++) {
      const { inputs, outputs, weightOffset, biasOffset, activation } = layers[l]!;
      const tangent = this.tangents[l]!;
      linearForward(a, count, inputs, this.direction, weightOffset, biasOffset, outputs, tangent);
      if (below !== null) addLinearProduct(below, count, inputs, weights, weightOffset, outputs, tangent);
      let value = tangent;
      if (activation !== 'identity') {
        value = this.tangentValues[l]!;
        const slope = this.passes.layerSlopes(l);
        for (let k = 0; k < count * outputs; k++) value[k] = slope[k]! * tangent[k]!;
      }
      a = this.passes.layerValues(l);
      below = value;
    }
  }

  /** R δ_out = weight · H_s (J v)_s, where the backward pass starts. */
  private outputHessian({ count, task, weight }: LinearizationPoint): void {
    const last = this.net.layers.length - 1;
    const jv = this.tangents[last]!;
    const u = this.tangentDeltas[last]!;
    const width = this.net.layers[last]!.outputs;
    if (task === 'regression') {
      for (let r = 0; r < count; r++) u[r] = weight * jv[r]!;
      return;
    }
    // (diag(p) − ppᵀ) t = p ⊙ (t − pᵀt).
    const p = this.probabilities;
    for (let r = 0, at = 0; r < count; r++, at += width) {
      let mean = 0;
      for (let o = 0; o < width; o++) mean += p[at + o]! * jv[at + o]!;
      for (let o = 0; o < width; o++) u[at + o] = weight * p[at + o]! * (jv[at + o]! - mean);
    }
  }

  /** The backward pass of R δ, adding R ∂w into `out` (with the exact Hessian's terms when `exact`). */
  private tangentBackward({ input, count }: LinearizationPoint, exact: boolean, out: Float64Array): void {
    const layers = this.net.layers;
    const weights = this.passes.weights;
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inputs, outputs, weightOffset, biasOffset } = layers[l]!;
      const tangentDelta = this.tangentDeltas[l]!;
      addWeightGradient(tangentDelta, count, outputs, l === 0 ? input : this.passes.layerValues(l - 1), inputs, out, weightOffset);
      addColumnSums(tangentDelta, count, outputs, out, biasOffset);
      if (exact && l > 0) {
        const tangentInput = layers[l - 1]!.activation === 'identity' ? this.tangents[l - 1]! : this.tangentValues[l - 1]!;
        addWeightGradient(this.deltas[l]!, count, outputs, tangentInput, inputs, out, weightOffset);
      }
      if (l === 0) break;
      const below = layers[l - 1]!;
      const slope = below.activation === 'identity' ? null : this.passes.layerSlopes(l - 1);
      const next = this.tangentDeltas[l - 1]!;
      inputGradient(tangentDelta, count, outputs, weights, weightOffset, inputs, slope, next);
      if (!exact) continue;
      const delta = this.deltas[l]!;
      inputGradient(delta, count, outputs, this.direction, weightOffset, inputs, slope, this.scratch);
      for (let k = 0; k < count * inputs; k++) next[k]! += this.scratch[k]!;
      if (ACTIVATION_FUNCTIONS[below.activation].piecewiseLinear) continue;
      // g_l ⊙ σ''(z_{l−1}) ⊙ R z_{l−1}, σ'' from the stored activation σ(z_{l−1}).
      inputGradient(delta, count, outputs, weights, weightOffset, inputs, null, this.upstream);
      const curvature = ACTIVATION_FUNCTIONS[below.activation].curvature;
      const values = this.passes.layerValues(l - 1);
      const tangent = this.tangents[l - 1]!;
      for (let k = 0; k < count * inputs; k++) next[k]! += this.upstream[k]! * curvature(values[k]!, Number.NaN) * tangent[k]!;
    }
  }

  /**
   * For each output o, the chain d^o_l = ∂f_o/∂z_l of every sample at the linearization point,
   * layer by layer from the last down (one backward chain per output, no weight products):
   * `visit(o, l, d)` gets d `[samples × outputs of layer l]`, valid during the call. G's blocks
   * are built from these: its layer-l block is Σ_s (Σ_{o,q} H_{oq} d^o d^qᵀ) ⊗ a_s a_sᵀ.
   *
   * @param rows only these rows of the pass (increasing), in this order (default: all)
   */
  outputChains(visit: (o: number, l: number, d: Float64Array) => void, rows?: Int32Array): void {
    const { count: all } = this.linearization();
    const count = rows === undefined ? all : rows.length;
    const layers = this.net.layers;
    const last = layers.length - 1;
    const width = layers[last]!.outputs;
    // The chains run through the tangent-delta buffers, a subset's slopes through the
    // tangent-value buffers (both free between products).
    const chain = this.tangentDeltas;
    const slopes = layers.map((layer, l) => {
      if (layer.activation === 'identity') return null;
      const slope = this.passes.layerSlopes(l);
      if (rows === undefined) return slope;
      const gathered = this.tangentValues[l]!;
      const m = layer.outputs;
      for (let k = 0; k < count; k++) for (let i = 0, from = rows[k]! * m, to = k * m; i < m; i++) gathered[to + i] = slope[from + i]!;
      return gathered;
    });
    for (let o = 0; o < width; o++) {
      chain[last]!.fill(0, 0, count * width);
      for (let r = 0; r < count; r++) chain[last]![r * width + o] = 1;
      for (let l = last; l >= 0; l--) {
        visit(o, l, chain[l]!);
        if (l === 0) break;
        const { outputs, inputs, weightOffset } = layers[l]!;
        inputGradient(chain[l]!, count, outputs, this.passes.weights, weightOffset, inputs, slopes[l - 1]!, chain[l - 1]!);
      }
    }
  }

  /**
   * The diagonal of G at the linearization point into `out` (`gaussNewtonDiagonal`'s values on
   * the active parameters; exactly 0 at pruned ones), for a Jacobi preconditioner.
   *
   * From the {@link outputChains}: G's entry for W_l[i, j] is Σ_s c_{s,i} a_{s,j}² and for
   * b_l[i] is Σ_s c_{s,i}, where c_i = Σ_{o,q} H_{oq} d^o_i d^q_i — for softmax
   * Σ_o p_o (d^o_i)² − (Σ_o p_o d^o_i)², for regression (d_i)²/s². So it costs about one weight
   * product per layer, as a product does.
   */
  gaussNewtonDiagonal(out: Float64Array): void {
    const n = this.net.parameterCount;
    if (out.length !== n) throw new Error(`FusedCurvature.gaussNewtonDiagonal: expected ${n} entries, got ${out.length}`);
    const { input, count, weight, task, probabilities: p } = this.linearization();
    const layers = this.net.layers;
    const width = layers[layers.length - 1]!.outputs;
    const classification = task === 'classification';
    const maxRows = this.passes.maxRows;
    this.diagonalScratch ??= {
      squares: layers.map((layer) => new Float64Array(maxRows * layer.outputs)),
      sums: layers.map((layer) => new Float64Array(maxRows * layer.outputs)),
      inputSquares: new Float64Array(maxRows * Math.max(...layers.map((layer) => layer.inputs))),
    };
    const scratch = this.diagonalScratch;
    layers.forEach((layer, l) => {
      scratch.squares[l]!.fill(0, 0, count * layer.outputs);
      scratch.sums[l]!.fill(0, 0, count * layer.outputs);
    });
    this.outputChains((o, l, d) => {
      const m = layers[l]!.outputs;
      const squares = scratch.squares[l]!;
      const sums = scratch.sums[l]!;
      // Regression has one output and H = 1 (times weight): c = d², a single term.
      for (let r = 0, at = 0; r < count; r++) {
        const share = classification ? p[r * width + o]! : 1;
        for (let i = 0; i < m; i++, at++) {
          const v = d[at]!;
          squares[at]! += share * v * v;
          if (classification) sums[at]! += share * v;
        }
      }
    });
    out.fill(0);
    layers.forEach(({ inputs, outputs, weightOffset, biasOffset }, l) => {
      const c = scratch.squares[l]!;
      const sums = scratch.sums[l]!;
      // A variance (softmax) is ≥ 0; rounding of the difference must not make it negative.
      for (let k = 0; k < count * outputs; k++) c[k] = weight * Math.max(0, c[k]! - (classification ? sums[k]! * sums[k]! : 0));
      const a = l === 0 ? input : this.passes.layerValues(l - 1);
      const squares = scratch.inputSquares;
      for (let k = 0; k < count * inputs; k++) squares[k] = a[k]! * a[k]!;
      addWeightGradient(c, count, outputs, squares, inputs, out, weightOffset);
      addColumnSums(c, count, outputs, out, biasOffset);
    });
    const mask = this.net.mask;
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

/** Which curvature a Newton step models the objective with. */
export type CurvatureKind = 'hessian' | 'gauss-newton';

/** Which preconditioner the conjugate-gradient solves use. */
export type PreconditionerKind = 'kronecker' | 'jacobi';

/**
 * The negative log-posterior `dataScale · NLL + ½ Σ α_j w_j²` on the fused passes as a
 * {@link CurvatureObjective} for `minimizeTruncatedNewton`: its curvature is the NLL's exact
 * Hessian or Gauss-Newton matrix plus diag(α) (the prior's Hessian, exact), masked; its
 * preconditioner K-FAC's (`fused-kfac.ts`) or the Gauss-Newton diagonal, plus α.
 *
 * @param terms as for `FusedMlp.negLogPosterior`, with a fixed noise variance
 */
export function posteriorObjective(
  curvature: FusedCurvature, batch: Batch, terms: PosteriorTerms, kind: CurvatureKind, preconditioner: PreconditionerKind = 'kronecker',
): CurvatureObjective {
  const net = curvature.net;
  const n = net.parameterCount;
  const alpha = terms.alpha;
  if (typeof alpha !== 'number' && alpha.length !== n) throw new Error(`posteriorObjective: expected ${n} prior precisions, got ${alpha.length}`);
  const alphaOf = (j: number): number => (typeof alpha === 'number' ? alpha : alpha[j]!);
  const addPrior = (v: Float64Array | null, out: Float64Array): void => {
    const mask = net.mask;
    for (let j = 0; j < n; j++) if (mask[j] !== 0) out[j]! += alphaOf(j) * (v === null ? 1 : v[j]!);
  };
  // K-FAC takes one α per layer: the mean over the layer's parameters (they share it in fitMap).
  const layerAlpha = net.layers.map(({ weightOffset, biasOffset, outputs }) => {
    let sum = 0;
    for (let j = weightOffset; j < biasOffset + outputs; j++) sum += alphaOf(j);
    return sum / (biasOffset + outputs - weightOffset);
  });
  const kronecker = preconditioner === 'kronecker' ? new KroneckerPreconditioner(curvature) : null;
  const diagonal = new Float64Array(n);
  return {
    evaluate: (x, gradient) => curvature.negLogPosterior(x, batch, terms, gradient),
    product: (v, out) => {
      if (kind === 'hessian') curvature.hessianProduct(v, out);
      else curvature.gaussNewtonProduct(v, out);
      addPrior(v, out);
    },
    preconditioner: () => {
      if (kronecker !== null) {
        kronecker.update(layerAlpha);
        return (r, out) => kronecker.apply(r, out);
      }
      curvature.gaussNewtonDiagonal(diagonal);
      addPrior(null, diagonal);
      // A zero entry (a dead unit and α = 0) would make M singular: raise it to a floor.
      const floor = 1e-10 * diagonal.reduce((m, d) => Math.max(m, d), 0) || 1;
      return (r, out) => {
        for (let j = 0; j < n; j++) out[j] = r[j]! / Math.max(diagonal[j]!, floor);
      };
    },
  };
}

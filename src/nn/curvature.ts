/**
 * Curvature of the negative log-likelihood summed over a batch (docs/methods.md §1–2), with respect
 * to the canonical parameter vector of an MLP:
 * - {@link exactHessianDiagonal}: the EXACT Hessian diagonal that Optimal Brain Damage needs,
 *   by backpropagating per-sample pre-activation Hessians (plain loops, no autograd);
 * - {@link gaussNewtonDiagonal} and {@link beckerLeCunDiagonal}: the two classical
 *   approximations of it, for comparison — never to be reported as "the Hessian";
 * - {@link gaussNewtonMatrix} and {@link exactHessianMatrix}: dense n×n matrices for the
 *   Belsley and Laplace methods, for n up to a few thousand;
 * - {@link lossAndGradient}: the loss and its gradient, by autograd.
 *
 * The loss is classification Σ −log softmax(f(x))[y], regression ½ Σ (y − f(x))² / s²
 * (constants dropped: they have no curvature).
 *
 * Pruned parameters: every function here differentiates the loss as a function of ALL n
 * parameters, evaluated at the masked weights (pruned entries exactly 0). So a pruned entry
 * still gets its gradient, diagonal entry and matrix row — what restoring it would do — as in
 * the reference fixtures; callers that want the active set take those indices
 * (`net.activeIndices()`).
 */
import { Tensor, hessian, valueAndGrad } from '../autograd/index.js';
import type { Task } from '../data/index.js';
import { curvatureDiagonal, effectiveParams, gaussNewtonGram } from './curvature-backprop.js';
import { negLogLikelihood, type Batch } from './losses.js';
import { MLP, forward } from './mlp.js';

export type { CurvatureKind } from './curvature-backprop.js';

/** Options of every curvature function. */
export interface CurvatureOptions {
  /**
   * Regression noise variance s² > 0: the NLL is ½ Σ (y − f)² / s², so every curvature scales
   * by 1/s². Ignored for classification. Default 1 (standardized targets, unit noise).
   */
  readonly noiseVariance?: number;
}

/** Options of the dense matrices. */
export interface DenseCurvatureOptions extends CurvatureOptions {
  /** Refuse matrices with more rows than this. Default {@link DENSE_PARAMETER_LIMIT}. */
  readonly maxParameters?: number;
}

/** Options of {@link gaussNewtonMatrix}. */
export interface GaussNewtonMatrixOptions extends DenseCurvatureOptions {
  /**
   * Build only the rows and columns of these parameters (canonical indices, e.g.
   * `net.activeIndices()`), in this order: the principal submatrix of the full G, at a cost that
   * shrinks with the square of their number. Default: all n parameters.
   */
  readonly active?: ArrayLike<number>;
}

/**
 * The largest parameter count for which the dense matrices are built by default: an n×n
 * Float64 matrix at n = 6000 takes 288 MB, and building it costs rows·outputs·n² multiply-adds
 * (Gauss-Newton) or n backward passes over the whole batch (exact Hessian) — minutes at this
 * size. Beyond it use the diagonal, per-layer blocks or the structured (neuron-level) mode.
 */
export const DENSE_PARAMETER_LIMIT = 6000;

/**
 * The exact diagonal of the Hessian of the NLL summed over the batch, ∂²L/∂w_j², at the
 * network's (masked) weights — the `h_jj` of Optimal Brain Damage (docs/methods.md §2).
 *
 * Exact, cross terms included: per sample, the full Hessian of the loss with respect to each
 * layer's pre-activations is backpropagated, H_{l-1} = D (Wᵀ H_l W) D + diag(σ''(z) ⊙ Wᵀ g_l),
 * starting from the loss Hessian in the logits (softmax: diag(p) − ppᵀ; regression: 1/s²);
 * then ∂²L/∂W_l[i,j]² = Σ_s a_j² H_l[i,i] and ∂²L/∂b_l[i]² = Σ_s H_l[i,i]. Away from a minimum
 * the Hessian is indefinite and entries may be negative.
 *
 * Cost per sample: about Σ_l (width_l² · width_{l+1}) multiply-adds for the hidden layers'
 * matrices, and only a diagonal for the first layer — seconds for 784-256-10 on 1,000 rows,
 * where the generic route (one Hessian-vector product per parameter) takes hours.
 *
 * @returns n values in the canonical parameter order (pruned entries included; see the module note).
 * @example
 * const h = exactHessianDiagonal(net, batch, 'classification');
 * const saliency = net.params.map((w, j) => (h[j]! * w * w) / 2); // OBD
 */
export function exactHessianDiagonal(net: MLP, batch: Batch, task: Task, options: CurvatureOptions = {}): Float64Array {
  const noiseVariance = checkInputs('exactHessianDiagonal', net, batch, task, options);
  return curvatureDiagonal(net, effectiveParams(net), batch, task, noiseVariance, 'exact');
}

/**
 * APPROXIMATION — the diagonal of the generalized Gauss-Newton matrix G = Σ_s Jᵀ H_out J
 * (J the per-sample Jacobian of the logits, H_out the loss Hessian in the logits).
 *
 * It drops the terms with the activations' second derivatives (σ''(z) ⊙ Wᵀg) from the exact
 * backward pass; it is exactly the diagonal of {@link gaussNewtonMatrix}, never negative, and
 * equals the exact diagonal when every hidden activation has σ'' = 0 (relu, identity) or the
 * residual gradients vanish. Label it as Gauss-Newton wherever it is reported.
 */
export function gaussNewtonDiagonal(net: MLP, batch: Batch, task: Task, options: CurvatureOptions = {}): Float64Array {
  const noiseVariance = checkInputs('gaussNewtonDiagonal', net, batch, task, options);
  return curvatureDiagonal(net, effectiveParams(net), batch, task, noiseVariance, 'gauss-newton');
}

/**
 * APPROXIMATION — Becker & LeCun (1988), the one used in the Optimal Brain Damage paper: the
 * Gauss-Newton backward pass that in addition keeps only the diagonal of each pre-activation
 * Hessian, h_{l-1} = σ'(z)² ⊙ ((W ⊙ W)ᵀ h_l), starting from the diagonal of the loss Hessian
 * in the logits. It ignores the cross terms between units of a layer (and σ''), so it is
 * cheaper (one product per layer) but neither the exact nor the Gauss-Newton diagonal except
 * for the last layer, or a single output. Never negative. Label it as Becker-LeCun.
 */
export function beckerLeCunDiagonal(net: MLP, batch: Batch, task: Task, options: CurvatureOptions = {}): Float64Array {
  const noiseVariance = checkInputs('beckerLeCunDiagonal', net, batch, task, options);
  return curvatureDiagonal(net, effectiveParams(net), batch, task, noiseVariance, 'becker-lecun');
}

/**
 * The dense generalized Gauss-Newton matrix G = Σ_s J_sᵀ H_s J_s (n×n, row-major), with J_s
 * the Jacobian of sample s's logits with respect to the parameters and H_s the loss Hessian in
 * the logits. Symmetric positive semi-definite (H_s is), so it is the default dense curvature
 * of the Belsley `information` form (docs/methods.md §2). Its diagonal is {@link gaussNewtonDiagonal}.
 * With `active`, only those rows and columns (k×k).
 *
 * Every parameter reaches the logits through one unit's pre-activation, so J_s factors into a
 * per-unit sensitivity times the parameter's input; G is then built from units×units couplings
 * per sample, one block triangle of matrix products: rows·k²/2 multiply-adds (gaussNewtonGram).
 *
 * @throws when the matrix would have more than `maxParameters` rows (default {@link DENSE_PARAMETER_LIMIT}),
 *   or an `active` index is out of range.
 */
export function gaussNewtonMatrix(net: MLP, batch: Batch, task: Task, options: GaussNewtonMatrixOptions = {}): Float64Array {
  const noiseVariance = checkInputs('gaussNewtonMatrix', net, batch, task, options);
  const size = options.active?.length ?? net.parameterCount;
  checkDenseSize('gaussNewtonMatrix', size, options, 'gaussNewtonDiagonal');
  return gaussNewtonGram(net, effectiveParams(net), batch, task, noiseVariance, undefined, options.active);
}

/**
 * The dense exact Hessian of the NLL summed over the batch (n×n, row-major), by the generic
 * autograd route: one recorded gradient, then one backward pass per column. Symmetric,
 * indefinite away from a minimum. Its diagonal is {@link exactHessianDiagonal} (which is far
 * cheaper when only the diagonal is wanted).
 *
 * @throws when n exceeds `maxParameters` (default {@link DENSE_PARAMETER_LIMIT}).
 */
export function exactHessianMatrix(net: MLP, batch: Batch, task: Task, options: DenseCurvatureOptions = {}): Float64Array {
  const noiseVariance = checkInputs('exactHessianMatrix', net, batch, task, options);
  checkDenseSize('exactHessianMatrix', net.parameterCount, options, 'exactHessianDiagonal');
  return hessian(lossOfAllParameters(net, batch, task, noiseVariance), effectiveParams(net));
}

/**
 * The NLL summed over the batch and its gradient with respect to all n parameters, at the
 * network's (masked) weights, by autograd. Pruned entries get their gradient too (what
 * restoring them would do), unlike a gradient through `forward`, which masks them to zero.
 */
export function lossAndGradient(net: MLP, batch: Batch, task: Task, options: CurvatureOptions = {}): { loss: number; gradient: Float64Array } {
  const noiseVariance = checkInputs('lossAndGradient', net, batch, task, options);
  const { value, grad } = valueAndGrad(lossOfAllParameters(net, batch, task, noiseVariance))(effectiveParams(net));
  return { loss: value.item(), gradient: grad.data };
}

/**
 * w ↦ NLL(w) for every parameter: the same architecture without a mask, so `forward` lets
 * pruned entries vary (they are evaluated at the zeros they hold).
 */
function lossOfAllParameters(net: MLP, batch: Batch, task: Task, noiseVariance: number): (w: Tensor) => Tensor {
  const unmasked = new MLP(net.sizes, net.activations);
  return (w) => negLogLikelihood(task, forward(unmasked, w, batch.x), batch, Math.log(noiseVariance), false);
}

/** Validates the batch against the network and task; returns the noise variance to use. */
function checkInputs(fn: string, net: MLP, batch: Batch, task: Task, options: CurvatureOptions): number {
  const inputs = net.sizes[0]!;
  const outputs = net.sizes[net.sizes.length - 1]!;
  if (batch.x.rank !== 2 || batch.x.shape[0] !== batch.rows || batch.x.shape[1] !== inputs) {
    throw new Error(`${fn}: the batch inputs must be [${batch.rows}, ${inputs}] for this network, got [${batch.x.shape.join(', ')}]`);
  }
  if (task === 'classification') {
    if (batch.labels.length !== batch.rows) throw new Error(`${fn}: ${batch.labels.length} class labels for ${batch.rows} rows`);
    for (let s = 0; s < batch.rows; s++) {
      const c = batch.labels[s]!;
      if (c < 0 || c >= outputs) throw new Error(`${fn}: row ${s} has class ${c}, but the network has ${outputs} outputs`);
    }
  } else if (outputs !== 1) {
    throw new Error(`${fn}: a regressor has one output, this network has ${outputs}`);
  } else if (batch.y.length !== batch.rows) {
    throw new Error(`${fn}: ${batch.y.length} targets for ${batch.rows} rows`);
  }
  const noiseVariance = options.noiseVariance ?? 1;
  if (!(noiseVariance > 0 && Number.isFinite(noiseVariance))) {
    throw new Error(`${fn}: noiseVariance must be a positive finite number, got ${noiseVariance}`);
  }
  return noiseVariance;
}

/** Refuses dense matrices beyond the limit, saying how big they would be and what to use instead. */
function checkDenseSize(fn: string, n: number, options: DenseCurvatureOptions, diagonalFn: string): void {
  const limit = options.maxParameters ?? DENSE_PARAMETER_LIMIT;
  if (n <= limit) return;
  const megabytes = Math.round((n * n * 8) / 1e6);
  throw new Error(
    `${fn}: ${n} parameters would need a dense ${n}×${n} matrix (${megabytes} MB); the limit is ${limit} ` +
      `(maxParameters). Use ${diagonalFn} for the diagonal, per-layer blocks, or the structured (neuron-level) mode.`,
  );
}

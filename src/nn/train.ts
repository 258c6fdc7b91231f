/**
 * Training: the MAP fit that every pruning method starts from (mini-batch warm-up, then
 * full-batch L-BFGS, and a trust-region Newton method where L-BFGS is slow, to a gradient-norm
 * tolerance), and a plain epoch loop with early stopping. Both minimize the negative
 * log-posterior of `losses.ts` through the fused passes of `fused.ts`, which compute it without
 * building a graph (tested against it to 1e-12).
 */
import type { Task } from '../data/index.js';
import { Random } from '../random/random.js';
import { FusedMlp } from './fused.js';
import { FusedCurvature, posteriorObjective, type CurvatureKind } from './fused-curvature.js';
import { minimizeLbfgs, type LbfgsResult } from './lbfgs.js';
import { minimizeTruncatedNewton } from './newton.js';
import { alphaPerLayer, alphaPerParameter, noiseVarianceOf, type Batch, type PriorPrecision } from './losses.js';
import type { MLP } from './mlp.js';
import { Adam, cosineSchedule, type LearningRateSchedule, type Optimizer } from './optimizers.js';

/** Default prior precision α of the Gaussian prior N(0, 1/α) on standardized data. */
export const DEFAULT_ALPHA = 1;

/** Options of {@link fitMap}. */
export interface MapOptions {
  /** Prior precision α, global or per layer (default {@link DEFAULT_ALPHA}). */
  readonly alpha?: PriorPrecision;
  /**
   * Regression: the noise variance s² the weights are fitted at, in standardized target units
   * (default 1). It is a hyperparameter chosen with α (prior.ts), never fitted jointly with w:
   * joint MAP in (w, s²) is ill-posed for a flexible network (s² shrinks with the training
   * residuals, which weakens the prior, so w overfits further).
   */
  readonly noiseVariance?: number;
  /** Convergence: largest |∂/∂w| of the negative log-posterior (default 1e-6). */
  readonly gradientTolerance?: number;
  /** Iteration limit of the whole fit, L-BFGS and Newton iterations together (default 5000). */
  readonly maxIterations?: number;
  /**
   * `auto` (default): L-BFGS, and from where it stands after {@link MapOptions.newtonAfter}
   * iterations the trust-region Newton method of `newton.ts` if it has not converged;
   * `lbfgs` or `newton`: one of them alone.
   */
  readonly optimizer?: MapOptimizer;
  /** `auto`: the L-BFGS iterations before Newton takes over (default {@link NEWTON_AFTER}). */
  readonly newtonAfter?: number;
  /** The curvature of the Newton steps: the exact Hessian (default) or the Gauss-Newton matrix. */
  readonly curvature?: CurvatureKind;
  /** Adam epochs before L-BFGS (default 0: L-BFGS from the current weights). */
  readonly warmupEpochs?: number;
  /** Mini-batch size of the warm-up (default 32). */
  readonly batchSize?: number;
  /** Warm-up learning rate (default 0.01, cosine-decayed). */
  readonly learningRate?: number;
  /** Randomness of the warm-up's shuffling. */
  readonly rng?: Random;
  /** Progress: phase, step and objective value. */
  readonly onProgress?: (phase: 'warmup' | 'lbfgs' | 'newton', step: number, total: number, value: number) => void;
}

/** Which minimizer {@link fitMap} runs. */
export type MapOptimizer = 'auto' | 'lbfgs' | 'newton';

/**
 * L-BFGS iterations before `auto` hands an unconverged fit to Newton. Where L-BFGS converges
 * within it (Wine) it is the cheaper method and nothing changes; where it does not, it has by
 * then done the cheap part — leaving the random start for a basin — and what remains is the
 * slow crawl along a badly conditioned, often indefinite valley that Newton steps cross.
 * Chosen by measurement (BENCHMARKS.md, MAP fits).
 */
export const NEWTON_AFTER = 300;

/** What {@link fitMap} did. */
export interface MapResult {
  /** Final negative log-posterior (without normalizing constants). */
  readonly objective: number;
  /** The noise variance s² the weights were fitted at (standardized units; 1 for classification). */
  readonly noiseVariance: number;
  /** The mean squared training residual at ŵ (standardized units; regression only, else NaN). */
  readonly residualVariance: number;
  /** The prior precision per layer. */
  readonly alpha: number[];
  /** Largest |gradient| entry over the active parameters at the end. */
  readonly gradientNorm: number;
  readonly converged: boolean;
  /** Iterations of both optimizers together. */
  readonly iterations: number;
  readonly reason: LbfgsResult['reason'];
  /** Which optimizers ran, in order. */
  readonly optimizer: 'lbfgs' | 'newton' | 'lbfgs+newton';
  /** Curvature-vector products of the Newton iterations (0 without them). */
  readonly products: number;
}

/**
 * Fits the MAP estimate ŵ = argmin NLL(w; s²) + ½ Σ α_j w_j² over the active parameters, in
 * place (`net.params` is updated; pruned entries stay 0), from the current weights. Runs L-BFGS
 * until the gradient norm is below tolerance and reports whether it got there.
 */
export function fitMap(net: MLP, train: Batch, task: Task, options: MapOptions = {}): MapResult {
  const alpha = alphaPerLayer(net, options.alpha ?? DEFAULT_ALPHA);
  if (!alpha.every((a) => a >= 0 && Number.isFinite(a))) throw new Error(`fitMap: alpha must be non-negative and finite, got ${alpha.join(', ')}`);
  const noiseVariance = task === 'regression' ? (options.noiseVariance ?? 1) : 1;
  if (!(noiseVariance > 0 && Number.isFinite(noiseVariance))) throw new Error(`fitMap: the noise variance must be positive and finite, got ${noiseVariance}`);
  const logNoise = Math.log(noiseVariance);
  if ((options.warmupEpochs ?? 0) > 0) {
    trainEpochs(net, train, task, {
      epochs: options.warmupEpochs!,
      batchSize: options.batchSize ?? 32,
      schedule: cosineSchedule(options.learningRate ?? 0.01, options.warmupEpochs!),
      alpha,
      noiseVariance,
      rng: options.rng ?? new Random(0),
      ...(options.onProgress ? { onEpoch: (e: number, total: number, v: number) => options.onProgress!('warmup', e, total, v) } : {}),
    });
  }
  // The fused path computes what `negLogPosterior` defines (tested against it to 1e-12), without
  // a graph. One gradient buffer serves every evaluation: L-BFGS copies what it keeps.
  let fused = new FusedMlp(net, train.rows);
  const terms = { task, alpha: alphaPerParameter(net, alpha), logNoiseVariance: logNoise };
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? 5000;
  const optimizer = options.optimizer ?? 'auto';
  const progress = options.onProgress;
  let lbfgs: LbfgsResult | null = null;
  if (optimizer !== 'newton') {
    const gradient = new Float64Array(net.parameterCount);
    const objective = (z: Float64Array): { value: number; gradient: Float64Array } => ({ value: fused.negLogPosterior(z, train, terms, gradient), gradient });
    const budget = optimizer === 'lbfgs' ? maxIterations : Math.min(maxIterations, options.newtonAfter ?? NEWTON_AFTER);
    lbfgs = minimizeLbfgs(objective, net.params, {
      gradientTolerance,
      maxIterations: budget,
      mask: net.mask,
      ...(progress ? { onIteration: (i: number, v: number) => progress('lbfgs', i, maxIterations, v) } : {}),
    });
  }
  const done = lbfgs?.iterations ?? 0;
  let result: LbfgsResult & { products: number };
  let used: MapResult['optimizer'] = 'lbfgs';
  if (lbfgs !== null && (optimizer === 'lbfgs' || lbfgs.converged || done >= maxIterations)) {
    result = { ...lbfgs, products: 0 };
  } else {
    // Newton's passes hold the tangents and deltas of its products besides the forward state.
    const curvature = new FusedCurvature(net, train.rows);
    fused = curvature.passes;
    const newton = minimizeTruncatedNewton(posteriorObjective(curvature, train, terms, options.curvature ?? 'hessian'), lbfgs?.x ?? net.params, {
      gradientTolerance,
      maxIterations: maxIterations - done,
      mask: net.mask,
      recycle: RECYCLED_PAIRS,
      ...(progress ? { onIteration: (i: number, v: number) => progress('newton', done + i, maxIterations, v) } : {}),
    });
    used = lbfgs === null ? 'newton' : 'lbfgs+newton';
    result = { ...newton, iterations: done + newton.iterations, evaluations: (lbfgs?.evaluations ?? 0) + newton.evaluations };
  }
  net.params.set(result.x);
  net.applyMask();
  return {
    objective: result.value,
    noiseVariance,
    residualVariance: task === 'regression' ? noiseVarianceOf(fused.predict(net.params, train), train.y) : Number.NaN,
    alpha,
    gradientNorm: result.gradientNorm,
    converged: result.converged,
    iterations: result.iterations,
    reason: result.reason,
    optimizer: used,
    products: result.products,
  };
}

/**
 * Curvature pairs each Newton solve hands to the next as a preconditioner: a flat valley's
 * small-curvature directions are what CG spends most products on, and consecutive solves share
 * them (measured: 30% fewer products on the synthetic set; application cost 4·pairs·n).
 */
const RECYCLED_PAIRS = 100;

/** The network's outputs on a batch (a copy), by the fused forward pass. */
export function forwardValues(net: MLP, batch: Batch): Float64Array {
  return new FusedMlp(net, batch.rows).predict(net.params, batch).slice();
}

/** Options of {@link trainEpochs}. */
export interface EpochOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly schedule: LearningRateSchedule;
  /** Prior precision α of the weight penalty, global or per layer (0 for none). */
  readonly alpha: PriorPrecision;
  readonly rng: Random;
  /** Defaults to Adam. */
  readonly optimizer?: Optimizer;
  /** Regression noise variance used in the loss (standardized units; default 1). */
  readonly noiseVariance?: number;
  /** Early stopping: validation rows, and epochs without improvement before stopping. */
  readonly validation?: Batch;
  readonly patience?: number;
  readonly onEpoch?: (epoch: number, total: number, value: number) => void;
}

/** What {@link trainEpochs} did. */
export interface EpochResult {
  readonly epochs: number;
  /** Training objective per epoch (summed over mini-batches). */
  readonly history: number[];
  /** Validation NLL per epoch, when validation rows were given. */
  readonly validationHistory: number[];
  /** Epoch whose parameters were kept (the best on validation, else the last). */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

/**
 * Mini-batch training of the negative log-posterior, in place, with an optional
 * early stop on the validation NLL (the best parameters are restored).
 * Throws when the loss stops being finite (a diverged run), naming the epoch.
 */
export function trainEpochs(net: MLP, train: Batch, task: Task, options: EpochOptions): EpochResult {
  const optimizer = options.optimizer ?? new Adam();
  const logNoise = Math.log(options.noiseVariance ?? 1);
  const history: number[] = [];
  const validationHistory: number[] = [];
  let best = { value: Infinity, epoch: -1, params: net.params.slice() };
  let stoppedEarly = false;
  const batchSize = Math.max(1, Math.min(options.batchSize, train.rows));
  const fused = new FusedMlp(net, Math.max(batchSize, options.validation?.rows ?? 0));
  const gradient = new Float64Array(net.parameterCount);
  const alphas = alphaPerParameter(net, options.alpha);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = options.rng.permutation(train.rows);
    const rate = options.schedule(epoch);
    let total = 0;
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
      const v = fused.negLogPosterior(net.params, train, {
        task, alpha: alphas, logNoiseVariance: logNoise, dataScale: train.rows / rows.length, ...(rows.length === train.rows ? {} : { rows }),
      }, gradient);
      if (!Number.isFinite(v)) throw new Error(`training diverged at epoch ${epoch + 1}: the loss is ${v} (try a smaller learning rate)`);
      total += (v * rows.length) / train.rows;
      optimizer.step(net.params, gradient, net.mask, rate);
    }
    history.push(total);
    options.onEpoch?.(epoch + 1, options.epochs, total);
    if (options.validation !== undefined) {
      const validation = options.validation;
      const nll = fused.negLogLikelihood(net.params, validation, task, logNoise);
      validationHistory.push(nll);
      if (nll < best.value) best = { value: nll, epoch, params: net.params.slice() };
      else if (epoch - best.epoch >= (options.patience ?? 20)) {
        stoppedEarly = true;
        break;
      }
    }
  }
  if (options.validation !== undefined && best.epoch >= 0) net.params.set(best.params);
  net.applyMask();
  return {
    epochs: history.length,
    history,
    validationHistory,
    bestEpoch: options.validation !== undefined ? best.epoch + 1 : history.length,
    stoppedEarly,
  };
}

/**
 * The negative log-posterior (without normalizing constants) of the network's current weights
 * on the given rows: what {@link fitMap} minimizes, by the same fused pass.
 */
export function negLogPosteriorValue(net: MLP, batch: Batch, task: Task, alpha: PriorPrecision, noiseVariance = 1): number {
  return posteriorPass(net, batch, task, alpha, noiseVariance).value;
}

/** One fused pass of the negative log-posterior at the network's weights: value and gradient. */
function posteriorPass(net: MLP, batch: Batch, task: Task, alpha: PriorPrecision, noiseVariance: number): { value: number; gradient: Float64Array } {
  const logNoise = task === 'regression' ? Math.log(noiseVariance) : 0;
  const gradient = new Float64Array(net.parameterCount);
  const value = new FusedMlp(net, batch.rows).negLogPosterior(net.params, batch, { task, alpha: alphaPerParameter(net, alpha), logNoiseVariance: logNoise }, gradient);
  return { value, gradient };
}

/**
 * The largest |∂/∂w_j| of the negative log-posterior over the active parameters, on the given
 * rows: ≈ 0 at a converged MAP fit on its own training rows, and the measure of whether the
 * second-order (zero-gradient) assumptions of curvature methods hold on other rows.
 */
export function posteriorGradientNorm(net: MLP, batch: Batch, task: Task, alpha: PriorPrecision, noiseVariance = 1): number {
  const { gradient } = posteriorPass(net, batch, task, alpha, noiseVariance);
  let norm = 0;
  for (let j = 0; j < gradient.length; j++) if (net.mask[j] !== 0) norm = Math.max(norm, Math.abs(gradient[j]!));
  return norm;
}

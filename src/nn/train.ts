/**
 * Training: the MAP fit that every pruning method starts from (mini-batch warm-up, then
 * full-batch L-BFGS to a gradient-norm tolerance), and a plain epoch loop with early stopping.
 */
import { add, mask as maskOp, mul, sliceFlat, square, sum, Tensor, valueAndGrad } from '../autograd/index.js';
import type { Task } from '../data/index.js';
import { Random } from '../random/random.js';
import { minimizeLbfgs, type LbfgsResult } from './lbfgs.js';
import { batchRows, negLogLikelihood, noiseVarianceOf, type Batch } from './losses.js';
import { forward, type MLP } from './mlp.js';
import { Adam, cosineSchedule, type LearningRateSchedule, type Optimizer } from './optimizers.js';

/** Default prior precision α of the Gaussian prior N(0, 1/α) on standardized data. */
export const DEFAULT_ALPHA = 1;

/**
 * The negative log-posterior (up to a constant) of parameters `w` and, for regression, the
 * log noise variance: NLL(w, s²) + (α/2)·Σ_active w². The scale of the NLL is `dataScale`
 * (N/B for a mini-batch of B of N rows, so the prior keeps its weight).
 */
function negLogPosterior(net: MLP, batch: Batch, task: Task, alpha: number, w: Tensor, logNoiseVariance: Tensor | number, dataScale = 1): Tensor {
  // The normalizing constant only matters when the noise variance is a variable; leaving it out
  // otherwise keeps the objective's value small, so a line search can still see decreases near
  // the optimum that would vanish in the rounding of a large constant ((N/2)·log 2π).
  const constant = typeof logNoiseVariance !== 'number';
  const nll = negLogLikelihood(task, forward(net, w, batch.x), batch, logNoiseVariance, constant);
  const masked = net.activeCount === net.parameterCount ? w : maskOp(w, net.mask);
  return add(mul(dataScale, nll), mul(alpha / 2, sum(square(masked))));
}

/** Options of {@link fitMap}. */
export interface MapOptions {
  /** Prior precision α (default {@link DEFAULT_ALPHA}). */
  readonly alpha?: number;
  /**
   * Regression: fit the noise variance jointly with w (default false). Joint MAP in (w, s²)
   * is ill-posed for a flexible network: s² shrinks with the training residuals, which weakens
   * the prior relative to the data, so w overfits further (on Boston the test RMSE got clearly
   * worse than at unit variance in development runs). So by default w is fitted at
   * `noiseVariance` and the noise is then estimated from the residuals; the ELBO fits it as a
   * proper hyperparameter (variational.ts).
   */
  readonly fitNoise?: boolean;
  /** Regression: the noise variance to start from (or keep), standardized units (default 1). */
  readonly noiseVariance?: number;
  /** Convergence: largest |∂/∂w| of the negative log-posterior (default 1e-6). */
  readonly gradientTolerance?: number;
  /** L-BFGS iteration limit (default 5000). */
  readonly maxIterations?: number;
  /** Adam epochs before L-BFGS (default 0: L-BFGS from the current weights). */
  readonly warmupEpochs?: number;
  /** Mini-batch size of the warm-up (default 32). */
  readonly batchSize?: number;
  /** Warm-up learning rate (default 0.01, cosine-decayed). */
  readonly learningRate?: number;
  /** Randomness of the warm-up's shuffling. */
  readonly rng?: Random;
  /** Progress: phase, step and objective value. */
  readonly onProgress?: (phase: 'warmup' | 'lbfgs', step: number, total: number, value: number) => void;
}

/** What {@link fitMap} did. */
export interface MapResult {
  /** Final negative log-posterior. */
  readonly objective: number;
  /**
   * Regression: the noise variance in standardized units — the jointly fitted one, or else the
   * maximum-likelihood estimate given ŵ (mean squared training residual). 1 for classification.
   */
  readonly noiseVariance: number;
  /** The noise variance the weights were fitted with (1 for classification). */
  readonly fittedWithNoiseVariance: number;
  readonly alpha: number;
  /** Largest |gradient| entry over the active parameters at the end. */
  readonly gradientNorm: number;
  readonly converged: boolean;
  readonly iterations: number;
  readonly reason: LbfgsResult['reason'];
}

/**
 * Fits the MAP estimate ŵ = argmin NLL + (α/2)‖w‖² over the active parameters, in place
 * (`net.params` is updated; pruned entries stay 0). Runs L-BFGS until the
 * gradient norm is below tolerance and reports whether it got there.
 */
export function fitMap(net: MLP, train: Batch, task: Task, options: MapOptions = {}): MapResult {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha >= 0)) throw new Error(`fitMap: alpha must be non-negative, got ${alpha}`);
  const fitNoise = task === 'regression' && (options.fitNoise ?? false);
  let logNoise = Math.log(options.noiseVariance ?? 1);
  if ((options.warmupEpochs ?? 0) > 0) {
    trainEpochs(net, train, task, {
      epochs: options.warmupEpochs!,
      batchSize: options.batchSize ?? 32,
      schedule: cosineSchedule(options.learningRate ?? 0.01, options.warmupEpochs!),
      alpha,
      rng: options.rng ?? new Random(0),
      ...(options.onProgress ? { onEpoch: (e: number, total: number, v: number) => options.onProgress!('warmup', e, total, v) } : {}),
    });
    if (fitNoise) logNoise = Math.log(noiseVarianceOf(forwardValues(net, train), train.y));
  }
  const n = net.parameterCount;
  // The noise's log-variance rides along as one extra coordinate of the L-BFGS vector.
  const start = new Float64Array(n + (fitNoise ? 1 : 0));
  start.set(net.params);
  if (fitNoise) start[n] = logNoise;
  const freeMask = new Float64Array(start.length).fill(1);
  freeMask.set(net.mask);
  const objective = (z: Float64Array): { value: number; gradient: Float64Array } => {
    const { value, grad } = valueAndGrad((t: Tensor) => {
      const w = fitNoise ? sliceParams(t, n) : t;
      const noise = fitNoise ? sliceNoise(t, n) : logNoise;
      return negLogPosterior(net, train, task, alpha, w, noise);
    })(new Tensor(z));
    return { value: value.item(), gradient: grad.data };
  };
  const maxIterations = options.maxIterations ?? 5000;
  const result = minimizeLbfgs(objective, start, {
    gradientTolerance: options.gradientTolerance ?? 1e-6,
    maxIterations,
    mask: freeMask,
    ...(options.onProgress ? { onIteration: (i: number, v: number) => options.onProgress!('lbfgs', i, maxIterations, v) } : {}),
  });
  net.params.set(result.x.subarray(0, n));
  net.applyMask();
  return {
    objective: result.value,
    noiseVariance: fitNoise ? Math.exp(result.x[n]!) : task === 'regression' ? noiseVarianceOf(forwardValues(net, train), train.y) : 1,
    fittedWithNoiseVariance: task === 'regression' ? Math.exp(fitNoise ? result.x[n]! : logNoise) : 1,
    alpha,
    gradientNorm: result.gradientNorm,
    converged: result.converged,
    iterations: result.iterations,
    reason: result.reason,
  };
}

/** The network's parameters: the first n coordinates of the packed L-BFGS vector. */
function sliceParams(t: Tensor, n: number): Tensor {
  return sliceFlat(t, 0, [n]);
}

/** The log noise variance: the packed vector's last coordinate, as a scalar. */
function sliceNoise(t: Tensor, n: number): Tensor {
  return sliceFlat(t, n, []);
}

/** The network's outputs on a batch, without recording a graph. */
export function forwardValues(net: MLP, batch: Batch): Float64Array {
  return forward(net, new Tensor(net.params), batch.x).data;
}

/** Options of {@link trainEpochs}. */
export interface EpochOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly schedule: LearningRateSchedule;
  /** Prior precision α of the weight penalty (0 for none). */
  readonly alpha: number;
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
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = options.rng.permutation(train.rows);
    const rate = options.schedule(epoch);
    let total = 0;
    for (let start = 0; start < train.rows; start += batchSize) {
      const rows = order.subarray(start, Math.min(train.rows, start + batchSize));
      const batch = rows.length === train.rows ? train : batchRows(train, rows);
      const { value, grad } = valueAndGrad((w: Tensor) => negLogPosterior(net, batch, task, options.alpha, w, logNoise, train.rows / rows.length))(
        new Tensor(net.params),
      );
      const v = value.item();
      if (!Number.isFinite(v)) throw new Error(`training diverged at epoch ${epoch + 1}: the loss is ${v} (try a smaller learning rate)`);
      total += (v * rows.length) / train.rows;
      optimizer.step(net.params, grad.data, net.mask, rate);
    }
    history.push(total);
    options.onEpoch?.(epoch + 1, options.epochs, total);
    if (options.validation !== undefined) {
      const validation = options.validation;
      const nll = negLogLikelihood(task, forward(net, new Tensor(net.params), validation.x), validation, logNoise).item();
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

/**
 * From a data set to a trained model: split, standardize on the training rows, fit the MAP
 * weights (and optionally the variational posterior), and measure test quality. Also turns
 * any data set into a batch for an existing model (same features, scaling and classes).
 */
import {
  applyStandardizer, fitStandardizer, fitTargetScaling, scaleTarget, takeRows, trainTestSplit, trainValidationSplit, unscaleTarget,
  type Dataset, type Standardizer, type TargetScaling,
} from '../data/index.js';
import { Random } from '../random/random.js';
import { makeBatch, type Batch } from './losses.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { MLP, type Activation } from './mlp.js';
import { predictScaled, type Model } from './model.js';
import { FusedMlp } from './fused.js';
import { fitMap, type MapResult } from './train.js';
import { AUTO_CRITERION, choosePrior, type PriorChoice, type PriorCriterion, type PriorScope } from './prior.js';
import { fitVariational, type VariationalOptions, type VariationalResult } from './variational.js';

/** A data set split and standardized for training. */
export interface PreparedData {
  readonly dataset: Dataset;
  /** The rows the model is fitted on (the training side, less the validation rows if any). */
  readonly trainRows: Int32Array;
  readonly testRows: Int32Array;
  /** Validation rows, drawn from the training side (empty without a validation fraction). */
  readonly validationRows: Int32Array;
  readonly train: Batch;
  readonly test: Batch;
  readonly validation: Batch | null;
  readonly inputScaling: Standardizer;
  readonly targetScaling: TargetScaling | null;
}

/** Options of {@link prepareData}. */
export interface SplitSettings {
  readonly seed?: number;
  /** Share of all rows held out for testing (default 0.25). */
  readonly testFraction?: number;
  /** Share of the training side held out for validation (default 0: none). */
  readonly validationFraction?: number;
}

/** The fitted, validation and test rows of a data set, as {@link prepareData} splits them. */
export function splitRows(dataset: Dataset, { seed = 0, testFraction = 0.25, validationFraction = 0 }: SplitSettings = {}): { train: Int32Array; validation: Int32Array; test: Int32Array } {
  const split = trainTestSplit(dataset, { seed, fraction: testFraction });
  if (validationFraction === 0) return { train: split.train, validation: new Int32Array(0), test: split.heldOut };
  const inner = trainValidationSplit(dataset, split.train, { seed: seed + 1, fraction: validationFraction });
  return { train: inner.train, validation: inner.heldOut, test: split.heldOut };
}

/**
 * Splits (stratified for classification) into training, optional validation and test rows, and
 * standardizes with the fitted rows' statistics.
 */
export function prepareData(dataset: Dataset, settings: SplitSettings = {}): PreparedData {
  const rows = splitRows(dataset, settings);
  const split = { train: rows.train, heldOut: rows.test };
  const m = dataset.m;
  const rawTrain = takeRows(dataset.x, m, split.train);
  const inputScaling = fitStandardizer(rawTrain, split.train.length, m);
  const yTrain = Float64Array.from(split.train, (i) => dataset.y[i]!);
  const yTest = Float64Array.from(split.heldOut, (i) => dataset.y[i]!);
  const targetScaling = dataset.task === 'regression' ? fitTargetScaling(yTrain) : null;
  const scaleY = (y: Float64Array): Float64Array => (targetScaling === null ? y : scaleTarget(y, targetScaling));
  const batchOf = (indices: Int32Array): Batch =>
    makeBatch(applyStandardizer(takeRows(dataset.x, m, indices), m, inputScaling), m, scaleY(Float64Array.from(indices, (i) => dataset.y[i]!)), dataset.task);
  return {
    dataset,
    trainRows: split.train,
    testRows: split.heldOut,
    validationRows: rows.validation,
    train: makeBatch(applyStandardizer(rawTrain, m, inputScaling), m, scaleY(yTrain), dataset.task),
    test: makeBatch(applyStandardizer(takeRows(dataset.x, m, split.heldOut), m, inputScaling), m, scaleY(yTest), dataset.task),
    validation: rows.validation.length > 0 ? batchOf(rows.validation) : null,
    inputScaling,
    targetScaling,
  };
}

/** L-BFGS iterations of the fit a prior criterion starts from (it refits at the values it chooses). */
const START_ITERATIONS = 300;

/** Options of {@link trainOnDataset}. */
export interface TrainOptions {
  /** Hidden layer widths (default [16]). */
  readonly hidden?: readonly number[];
  /** Activation of every hidden layer (default tanh). */
  readonly activation?: Activation;
  /** Seed of the split, the initialization and all sampling (default 0). */
  readonly seed?: number;
  readonly testFraction?: number;
  /** Share of the training side held out for validation, never fitted on (default 0). */
  readonly validationFraction?: number;
  /**
   * The prior precision α of the MAP fit: a number (a fixed prior), a criterion that chooses α
   * (and, for regression, s²) from the training rows, or `auto` (default: the criterion the
   * study in docs/methods.md found best, {@link AUTO_CRITERION}).
   */
  readonly alpha?: number | 'auto' | PriorCriterion;
  /** One α for the whole network (default) or one per layer. */
  readonly prior?: PriorScope;
  /** Regression with a fixed α: the noise variance s² of the fit, standardized units (default 1). */
  readonly noiseVariance?: number;
  /** Adam epochs before the L-BFGS MAP fit (default 0). */
  readonly epochs?: number;
  /**
   * Most L-BFGS iterations of every MAP fit, the criterion's refits included (default: the
   * fit's own, 5000): a bound on the work where a large network would take long to converge
   * (the result then says it did not converge).
   */
  readonly maxIterations?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Also fit the variational posterior, and keep it in the model (options, or true for defaults). */
  readonly variational?: boolean | VariationalOptions;
  /** Options of every variational fit: the `elbo` criterion's and the posterior's (e.g. epochs). */
  readonly variationalFit?: VariationalOptions;
  /** Progress: a phase name, step and total. */
  readonly onProgress?: (phase: string, step: number, total: number) => void;
}

/** A trained model with everything measured on the way. */
export interface TrainResult {
  readonly model: Model;
  readonly data: PreparedData;
  readonly map: MapResult;
  /** How α (and s²) were chosen. */
  readonly prior: PriorChoice;
  readonly variational: VariationalResult | null;
  /** Quality of the MAP weights on the test rows (raw units). */
  readonly test: Metrics;
  readonly train: Metrics;
}

/**
 * How far above its starting value the warm-up's objective may go before the run counts as
 * diverged: a thousand times the start (or the row count, if larger). A learning rate that is
 * merely large bumps the objective up a few times, and L-BFGS repairs that; one that diverges
 * throws the weights to the size of the rate, and the prior term alone (½α Σ w²) is then
 * some 1e14 for a rate of 1e6 — a saturated network L-BFGS cannot bring back, which was saved
 * with R² = −1e9 on Boston and only a convergence warning.
 */
const DIVERGENCE_FACTOR = 1000;

/**
 * The warm-up's divergence check: a function of each epoch's objective that throws when it is
 * not finite or above {@link DIVERGENCE_FACTOR} times the objective at the initial weights.
 */
function divergenceCheck(network: MLP, train: Batch, task: Dataset['task'], alpha: number, noiseVariance: number, learningRate: number): (epoch: number, total: number, value: number) => void {
  const fused = new FusedMlp(network, train.rows);
  const start = fused.negLogPosterior(network.params, train, { task, alpha, logNoiseVariance: Math.log(noiseVariance) }, new Float64Array(network.parameterCount));
  const limit = DIVERGENCE_FACTOR * Math.max(Math.abs(start), train.rows);
  return (epoch, total, value) => {
    if (value <= limit) return;
    throw new Error(
      `the Adam warm-up diverged at epoch ${epoch} of ${total}: the training objective rose from ${start.toPrecision(4)} at the start to ${value.toPrecision(4)} ` +
        `(learning rate ${learningRate}); try a smaller learning rate (--learning-rate, default 0.01)`,
    );
  };
}

/**
 * Quality of a model on the rows of a (standardized) batch, in raw units. `preference` breaks
 * exact ties between class probabilities (see `frequencyRanking`).
 */
export function evaluate(model: Model, batch: Batch, preference?: Int32Array): Metrics {
  const scaling = model.targetScaling;
  const y = scaling === null ? batch.y : unscaleTarget(batch.y, scaling);
  return computeMetrics(model.task, predictScaled(model, batch.x), y, preference);
}

/** Where a model's training rows came from: enough to rebuild its split (the model file's `training.data`). */
export interface TrainingData {
  /** Built-in name or the CSV path, as given. */
  readonly dataset: string;
  readonly target: string;
  readonly seed: number;
  readonly testFraction: number;
  /** Share of the training side held out for validation (0: none). */
  readonly validationFraction: number;
  /** Rows of the data set (after dropping rows with missing values), and of each part of the split (train: the fitted rows). */
  readonly rows: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly testRows: number;
  readonly features: number;
  readonly droppedRows: number;
}

/**
 * Trains an MLP on a data set: the MAP fit ŵ to convergence at a prior chosen by a Bayesian
 * criterion (or fixed), the one model every pruning method starts from; optionally the
 * variational posterior; and test metrics.
 */
export function trainOnDataset(dataset: Dataset, options: TrainOptions = {}): TrainResult {
  const seed = options.seed ?? 0;
  const testFraction = options.testFraction ?? 0.25;
  const validationFraction = options.validationFraction ?? 0;
  const data = prepareData(dataset, { seed, testFraction, validationFraction });
  const task = dataset.task;
  const outputs = task === 'classification' ? dataset.classes!.length : 1;
  const hidden = options.hidden ?? [16];
  const activation = options.activation ?? 'tanh';
  const rng = new Random(seed);
  const network = MLP.initialized([dataset.m, ...hidden, outputs], [...hidden.map(() => activation), 'identity'], rng.fork());
  const requested = options.alpha ?? 'auto';
  const criterion = requested === 'auto' ? AUTO_CRITERION : requested;
  const scope = options.prior ?? 'global';
  const progress = options.onProgress;
  // The first fit: at the fixed prior, or at α = 1, s² = 1 where a criterion starts from.
  const fixedAlpha = typeof criterion === 'number' ? criterion : 1;
  const fixedNoise = typeof criterion === 'number' ? (options.noiseVariance ?? 1) : 1;
  const warmupEpochs = options.epochs ?? 0;
  const diverged = warmupEpochs > 0 ? divergenceCheck(network, data.train, task, fixedAlpha, fixedNoise, options.learningRate ?? 0.01) : null;
  const mapOptions = {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}),
    rng: rng.fork(),
    ...(progress || diverged
      ? {
          onProgress: (phase: string, step: number, total: number, value: number) => {
            if (phase === 'warmup') diverged?.(step, total, value);
            progress?.(phase === 'lbfgs' ? 'MAP fit (L-BFGS)' : phase === 'newton' ? 'MAP fit (Newton)' : 'warm-up (Adam)', step, total);
          },
        }
      : {}),
  };
  // Before a criterion this fit is only where the criterion starts (it refits ŵ at the values it
  // chooses), so it need not converge: a few hundred iterations put the weights in a sensible
  // basin, where a large data set's full convergence at α = 1 could take minutes.
  let map = fitMap(network, data.train, task, {
    ...mapOptions, alpha: fixedAlpha, noiseVariance: fixedNoise, warmupEpochs,
    ...(typeof criterion === 'number' ? {} : { maxIterations: Math.min(START_ITERATIONS, options.maxIterations ?? START_ITERATIONS) }),
  });
  let prior: PriorChoice = {
    criterion: 'fixed',
    requested: 'fixed',
    scope,
    alpha: map.alpha,
    noiseVariance: map.noiseVariance,
    iterations: 0,
    converged: true,
    history: [],
  };
  let variational: VariationalResult | null = null;
  const variationalExtra = { ...options.variationalFit, ...(typeof options.variational === 'object' ? options.variational : {}) };
  if (typeof criterion !== 'number') {
    const chosen = choosePrior(network, data.train, task, {
      criterion,
      requested: requested === 'auto' ? 'auto' : criterion,
      scope,
      map: { rng: mapOptions.rng, ...(options.maxIterations !== undefined ? { maxIterations: options.maxIterations } : {}) },
      variational: variationalExtra,
      rng: rng.fork(),
      ...(progress ? { onProgress: progress } : {}),
    });
    map = chosen.map;
    prior = chosen.choice;
    variational = chosen.variational;
  }
  // The variational posterior starts from μ = ŵ (docs/methods.md §2); the ELBO criterion already fitted
  // one from the first fit's weights at the same structure, and it is reused rather than refitted.
  if (options.variational && variational === null) {
    variational = fitVariational(network, data.train, task, {
      rng: rng.fork(),
      prior: scope === 'global' ? 'global' : 'per-layer',
      alpha: prior.alpha,
      ...(task === 'regression' ? { noiseVariance: prior.noiseVariance } : {}),
      ...(progress ? { onEpoch: (e: number, total: number) => progress('variational fit', e, total) } : {}),
      ...variationalExtra,
    });
  }
  const trainingData: TrainingData = {
    dataset: dataset.name,
    target: dataset.target,
    seed,
    testFraction,
    validationFraction,
    rows: dataset.n,
    trainRows: data.trainRows.length,
    validationRows: data.validationRows.length,
    testRows: data.testRows.length,
    features: dataset.m,
    droppedRows: dataset.droppedRows,
  };
  const model: Model = {
    network,
    task,
    features: dataset.features,
    target: dataset.target,
    classes: dataset.classes,
    inputScaling: data.inputScaling,
    targetScaling: data.targetScaling,
    noiseVariance: prior.noiseVariance,
    ...(options.variational && variational ? { posterior: variational.posterior } : {}),
    training: {
      seed,
      hidden: [...hidden],
      activation,
      data: trainingData,
      alpha: prior.alpha,
      noiseVariance: prior.noiseVariance,
      prior,
      map: { converged: map.converged, gradientNorm: map.gradientNorm, iterations: map.iterations, objective: map.objective },
      ...(options.variational && variational
        ? { variational: { prior: variational.prior, alpha: variational.alpha, noiseVariance: variational.noiseVariance, elbo: variational.final.elbo, elboStandardError: variational.final.standardError } }
        : {}),
    },
  };
  return { model, data, map, prior, variational: options.variational ? variational : null, test: evaluate(model, data.test), train: evaluate(model, data.train) };
}

/**
 * A data set (or the given rows of it, in that order) as a batch for an existing model: the
 * model's features are found by name (other columns and another order are fine), inputs are
 * scaled with the model's scaling, class labels mapped to the model's classes, regression
 * targets standardized with its target scaling.
 */
export function batchForModel(model: Model, dataset: Dataset, rows?: ArrayLike<number>): Batch {
  const missing = model.features.filter((f) => !dataset.features.includes(f));
  if (missing.length > 0) throw new Error(`the data has no column ${missing.map((f) => `"${f}"`).join(', ')} that the model needs`);
  const m = model.features.length;
  const columns = model.features.map((f) => dataset.features.indexOf(f));
  const count = rows === undefined ? dataset.n : rows.length;
  const rowOf = (i: number): number => (rows === undefined ? i : rows[i]!);
  // One pass and one copy: each value taken from its row and column and scaled as
  // applyStandardizer does, (x − mean)/std. Taking the rows, the columns and the scaling one copy
  // each cost three fresh 63 MB buffers on 10 000 rows of 784 pixels (a second of page faults).
  const x = new Float64Array(count * m);
  const scaling = model.inputScaling;
  const mean = scaling === null ? new Float64Array(m) : Float64Array.from(scaling.mean);
  const std = scaling === null ? new Float64Array(m).fill(1) : Float64Array.from(scaling.std);
  for (let i = 0; i < count; i++) {
    const from = rowOf(i) * dataset.m;
    for (let c = 0; c < m; c++) {
      const v = dataset.x[from + columns[c]!]!;
      x[i * m + c] = scaling === null ? v : (v - mean[c]!) / std[c]!;
    }
  }
  const y = new Float64Array(count);
  if (model.task === 'classification') {
    const classes = model.classes ?? [];
    const labels = dataset.classes ?? [];
    for (let i = 0; i < count; i++) {
      const k = dataset.y[rowOf(i)]!;
      const label = labels[k] ?? String(k);
      const index = classes.indexOf(label);
      if (index < 0) throw new Error(`row ${rowOf(i) + 1}: class "${label}" is not one the model knows (${classes.join(', ')})`);
      y[i] = index;
    }
  } else {
    const target = model.targetScaling;
    for (let i = 0; i < count; i++) {
      const v = dataset.y[rowOf(i)]!;
      y[i] = target === null ? v : (v - target.mean) / target.std;
    }
  }
  return makeBatch(x, m, y, model.task);
}

/** Which rows of a data set a command scores a model on (`--rows`). */
export type RowSelection = 'train' | 'test' | 'all';

/** The selections, for flags and help texts. */
export const ROW_SELECTIONS: readonly RowSelection[] = ['train', 'test', 'all'];

/**
 * The model's record of its training data (`training.data` in the model file), or null when
 * the model does not record one (an older file, or one made elsewhere) or it is malformed.
 */
export function trainingDataOf(model: Model): TrainingData | null {
  const data = model.training?.['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  const count = (key: string): boolean => Number.isInteger(record[key]) && (record[key] as number) >= 0;
  if (typeof record['dataset'] !== 'string' || typeof record['target'] !== 'string') return null;
  if (!['seed', 'rows', 'trainRows', 'testRows', 'features', 'droppedRows'].every(count)) return null;
  const fraction = record['testFraction'];
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) return null;
  return record as unknown as TrainingData;
}

/** Rows of a data set prepared for a model, and how they were chosen. */
export interface ModelRows {
  readonly batch: Batch;
  readonly selection: RowSelection;
  /** Row indices into the data set (all rows, in order, for `all`). */
  readonly indices: Int32Array;
  /** Why the default fell back to all rows (for stderr), else null. */
  readonly note: string | null;
}

/**
 * The rows of `dataset` a model is scored on: its own training or test rows (rebuilt from the
 * split the model file records) or all of them. With no `requested` selection: `train` when the
 * model records its split and the data matches it (same row count and features), else `all`
 * with a note saying why. Curvature and gradients belong on the training rows: elsewhere ŵ is
 * not a stationary point (docs/methods.md §2).
 *
 * @throws when `train` or `test` is asked for but the split cannot be rebuilt.
 */
export function rowsForModel(model: Model, dataset: Dataset, requested?: RowSelection): ModelRows {
  const record = trainingDataOf(model);
  let mismatch: string | null = null;
  if (record === null) mismatch = 'the model does not record its training split';
  else if (dataset.n !== record.rows) mismatch = `the data has ${dataset.n} rows, the model was trained on a split of ${record.rows}`;
  else if (model.features.some((f) => !dataset.features.includes(f))) mismatch = 'the data lacks some of the model’s features';
  const selection = requested ?? (mismatch === null ? 'train' : 'all');
  if (selection === 'all') {
    const indices = Int32Array.from({ length: dataset.n }, (_, i) => i);
    const note = requested === undefined ? `scoring on all ${dataset.n} rows: ${mismatch} (--rows all to silence this)` : null;
    return { batch: batchForModel(model, dataset), selection, indices, note };
  }
  if (mismatch !== null || record === null) throw new Error(`--rows ${selection}: ${mismatch ?? 'no split recorded'}; use --rows all`);
  const split = splitRows(dataset, { seed: record.seed, testFraction: record.testFraction, validationFraction: record.validationFraction ?? 0 });
  if (split.train.length !== record.trainRows || split.test.length !== record.testRows) {
    throw new Error(`--rows ${selection}: the rebuilt split has ${split.train.length}/${split.test.length} rows, the model records ${record.trainRows}/${record.testRows}; use --rows all`);
  }
  const indices = selection === 'train' ? split.train : split.test;
  return { batch: batchForModel(model, dataset, indices), selection, indices, note: null };
}

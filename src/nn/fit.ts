/**
 * From a data set to a trained model: split, standardize on the training rows, fit the MAP
 * weights (and optionally the variational posterior), and measure test quality. Also turns
 * any data set into a batch for an existing model (same features, scaling and classes).
 */
import {
  applyStandardizer, fitStandardizer, fitTargetScaling, scaleTarget, takeRows, trainTestSplit, unscaleTarget,
  type Dataset, type Standardizer, type TargetScaling,
} from '../data/index.js';
import { Random } from '../random/random.js';
import { makeBatch, type Batch } from './losses.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { MLP, type Activation } from './mlp.js';
import { predictScaled, type Model } from './model.js';
import { fitMap, type MapResult } from './train.js';
import { fitVariational, type VariationalOptions, type VariationalResult } from './variational.js';

/** A data set split and standardized for training. */
export interface PreparedData {
  readonly dataset: Dataset;
  readonly trainRows: Int32Array;
  readonly testRows: Int32Array;
  readonly train: Batch;
  readonly test: Batch;
  readonly inputScaling: Standardizer;
  readonly targetScaling: TargetScaling | null;
}

/** Splits (stratified for classification) and standardizes with the training rows' statistics. */
export function prepareData(dataset: Dataset, { seed = 0, testFraction = 0.25 }: { seed?: number; testFraction?: number } = {}): PreparedData {
  const split = trainTestSplit(dataset, { seed, fraction: testFraction });
  const m = dataset.m;
  const rawTrain = takeRows(dataset.x, m, split.train);
  const inputScaling = fitStandardizer(rawTrain, split.train.length, m);
  const yTrain = Float64Array.from(split.train, (i) => dataset.y[i]!);
  const yTest = Float64Array.from(split.heldOut, (i) => dataset.y[i]!);
  const targetScaling = dataset.task === 'regression' ? fitTargetScaling(yTrain) : null;
  const scaleY = (y: Float64Array): Float64Array => (targetScaling === null ? y : scaleTarget(y, targetScaling));
  return {
    dataset,
    trainRows: split.train,
    testRows: split.heldOut,
    train: makeBatch(applyStandardizer(rawTrain, m, inputScaling), m, scaleY(yTrain), dataset.task),
    test: makeBatch(applyStandardizer(takeRows(dataset.x, m, split.heldOut), m, inputScaling), m, scaleY(yTest), dataset.task),
    inputScaling,
    targetScaling,
  };
}

/** Options of {@link trainOnDataset}. */
export interface TrainOptions {
  /** Hidden layer widths (default [16]). */
  readonly hidden?: readonly number[];
  /** Activation of every hidden layer (default tanh). */
  readonly activation?: Activation;
  /** Seed of the split, the initialization and all sampling (default 0). */
  readonly seed?: number;
  readonly testFraction?: number;
  /** Prior precision α of the MAP fit. */
  readonly alpha?: number;
  /** Adam epochs before the L-BFGS MAP fit (default 0). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Also fit the variational posterior (options, or true for defaults). */
  readonly variational?: boolean | VariationalOptions;
  /** Progress: a phase name, step and total. */
  readonly onProgress?: (phase: string, step: number, total: number) => void;
}

/** A trained model with everything measured on the way. */
export interface TrainResult {
  readonly model: Model;
  readonly data: PreparedData;
  readonly map: MapResult;
  readonly variational: VariationalResult | null;
  /** Quality of the MAP weights on the test rows (raw units). */
  readonly test: Metrics;
  readonly train: Metrics;
}

/** Quality of a model on the rows of a (standardized) batch, in raw units. */
export function evaluate(model: Model, batch: Batch): Metrics {
  const scaling = model.targetScaling;
  const y = scaling === null ? batch.y : unscaleTarget(batch.y, scaling);
  return computeMetrics(model.task, predictScaled(model, batch.x), y);
}

/**
 * Trains an MLP on a data set: the MAP fit ŵ to convergence (the one model every pruning
 * method starts from), optionally the variational posterior from μ = ŵ, and test metrics.
 */
export function trainOnDataset(dataset: Dataset, options: TrainOptions = {}): TrainResult {
  const seed = options.seed ?? 0;
  const data = prepareData(dataset, { seed, ...(options.testFraction !== undefined ? { testFraction: options.testFraction } : {}) });
  const outputs = dataset.task === 'classification' ? dataset.classes!.length : 1;
  const hidden = options.hidden ?? [16];
  const activation = options.activation ?? 'tanh';
  const rng = new Random(seed);
  const network = MLP.initialized([dataset.m, ...hidden, outputs], [...hidden.map(() => activation), 'identity'], rng.fork());
  const map = fitMap(network, data.train, dataset.task, {
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    warmupEpochs: options.epochs ?? 0,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    rng: rng.fork(),
    ...(options.onProgress ? { onProgress: (phase: string, step: number, total: number) => options.onProgress!(phase === 'lbfgs' ? 'MAP fit (L-BFGS)' : 'warm-up (Adam)', step, total) } : {}),
  });
  let variational: VariationalResult | null = null;
  if (options.variational) {
    const extra = typeof options.variational === 'object' ? options.variational : {};
    variational = fitVariational(network, data.train, dataset.task, {
      rng: rng.fork(),
      ...(dataset.task === 'regression' ? { noiseVariance: map.noiseVariance } : {}),
      ...(options.onProgress ? { onEpoch: (e: number, total: number) => options.onProgress!('variational fit', e, total) } : {}),
      ...extra,
    });
  }
  const model: Model = {
    network,
    task: dataset.task,
    features: dataset.features,
    target: dataset.target,
    classes: dataset.classes,
    inputScaling: data.inputScaling,
    targetScaling: data.targetScaling,
    noiseVariance: variational?.noiseVariance ?? map.noiseVariance,
    ...(variational ? { posterior: variational.posterior } : {}),
    training: {
      seed,
      hidden: [...hidden],
      activation,
      alpha: map.alpha,
      map: { converged: map.converged, gradientNorm: map.gradientNorm, iterations: map.iterations, objective: map.objective },
      ...(variational ? { variational: { prior: variational.prior, alpha: variational.alpha, elbo: variational.final.elbo, elboStandardError: variational.final.standardError } } : {}),
    },
  };
  return { model, data, map, variational, test: evaluate(model, data.test), train: evaluate(model, data.train) };
}

/**
 * A whole data set as a batch for an existing model: the model's features are found by name
 * (other columns and another order are fine), inputs are scaled with the model's scaling, class labels mapped to the
 * model's classes, regression targets standardized with its target scaling.
 */
export function batchForModel(model: Model, dataset: Dataset): Batch {
  const missing = model.features.filter((f) => !dataset.features.includes(f));
  if (missing.length > 0) throw new Error(`the data has no column ${missing.map((f) => `"${f}"`).join(', ')} that the model needs`);
  const m = model.features.length;
  const columns = model.features.map((f) => dataset.features.indexOf(f));
  const x = new Float64Array(dataset.n * m);
  for (let i = 0; i < dataset.n; i++) {
    for (let c = 0; c < m; c++) x[i * m + c] = dataset.x[i * dataset.m + columns[c]!]!;
  }
  const scaled = model.inputScaling === null ? x : applyStandardizer(x, m, model.inputScaling);
  let y: Float64Array;
  if (model.task === 'classification') {
    const classes = model.classes ?? [];
    const labels = dataset.classes ?? [];
    y = dataset.y.map((k, i) => {
      const label = labels[k] ?? String(k);
      const index = classes.indexOf(label);
      if (index < 0) throw new Error(`row ${i + 1}: class "${label}" is not one the model knows (${classes.join(', ')})`);
      return index;
    });
  } else {
    y = model.targetScaling === null ? dataset.y : scaleTarget(dataset.y, model.targetScaling);
  }
  return makeBatch(scaled, m, y, model.task);
}

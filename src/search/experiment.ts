/**
 * The seed's experiments (docs/methods.md §5) as independent cells — one data set × method × seed —
 * and their aggregation into `results.json` (`ExperimentResults`). A cell depends only on its own
 * spec, so cells may run in any order, on any number of workers or machines, and give the same
 * numbers.
 */
import { loadDataset, type Dataset, type LoadOptions, type Task } from '../data/index.js';
import { evaluate, trainOnDataset, type TrainOptions, type TrainResult } from '../nn/fit.js';
import { frequencyRanking, type Metrics } from '../nn/metrics.js';
import { belsleyIllustration } from '../pruning/belsley-illustration.js';
import { belsleyDiagnostics, belsleyPrune, covarianceOfSamples } from '../pruning/belsley.js';
import { DENSE_ACTIVE_LIMIT, pruneLoop, type MethodName, type MethodOptions, type PruneLoopResult } from '../pruning/index.js';
import { Random } from '../random/random.js';
import type { ExperimentResults, IllustrationResult, MethodSummary, MetricName, SearchResult, SeriesSummary } from './results.js';
import { selectStructure } from './select.js';

/** A method of the experiment: a relevance method with fixed options, under its own key. */
export interface MethodVariant {
  readonly method: MethodName;
  readonly options: MethodOptions;
}

/** Every method key the experiment knows: the methods, and Belsley's matrix variants. */
export const EXPERIMENT_METHODS: Readonly<Record<string, MethodVariant>> = {
  random: { method: 'random', options: {} },
  magnitude: { method: 'magnitude', options: {} },
  obd: { method: 'obd', options: {} },
  variational: { method: 'variational', options: {} },
  belsley: { method: 'belsley', options: {} },
  obs: { method: 'obs', options: {} },
  'belsley-laplace': { method: 'belsley', options: { matrix: 'laplace' } },
  'belsley-trajectory': { method: 'belsley', options: { matrix: 'trajectory' } },
  'belsley-exact': { method: 'belsley', options: { curvature: 'exact' } },
  'obd-seed': { method: 'obd', options: { saliency: 'seed' } },
};

/** The dense methods: they need k×k matrices, so they are skipped above the dense limit. */
const DENSE_METHODS = new Set<MethodName>(['belsley', 'obs']);

/** True for a method key of {@link EXPERIMENT_METHODS} that needs dense k×k matrices (Belsley's, OBS). */
export function isDenseExperimentMethod(key: string): boolean {
  const variant = Object.hasOwn(EXPERIMENT_METHODS, key) ? EXPERIMENT_METHODS[key] : undefined;
  return variant !== undefined && DENSE_METHODS.has(variant.method);
}

/** Default levels (percent removed): even steps, denser above 80% where the methods part. */
export const DEFAULT_LEVELS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 92, 94, 96, 98, 100];

/** Default input noise levels of the heat maps (standard deviations on standardized inputs). */
export const DEFAULT_INPUT_NOISE = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

/** The data set of an experiment, as the CLI names it. */
export interface DatasetSpec {
  /** Built-in name or CSV path. */
  readonly name: string;
  readonly target?: string;
  readonly task?: Task;
  readonly dropMissing?: boolean;
}

/** Settings every cell of one experiment shares. */
export interface ExperimentSettings {
  readonly dataset: DatasetSpec;
  readonly levels: readonly number[];
  readonly fineTuneEpochs: number;
  readonly hidden: readonly number[];
  readonly activation: NonNullable<TrainOptions['activation']>;
  readonly testFraction: number;
  readonly inputNoise: readonly number[];
  readonly noiseDraws: number;
  /** Warm-started posterior refits per step (variational method). */
  readonly posteriorEpochs: number;
  /** Epochs of the full structure's variational fits (default: the fit's own). */
  readonly variationalEpochs?: number;
  /** Most L-BFGS iterations of every MAP fit (default: the fit's own). */
  readonly maxIterations?: number;
  /**
   * The weights every method prunes: `map`, the MAP fit ŵ (default, docs/methods.md §2), or
   * `posterior`, the variational posterior mean μ (as the independent reference study did).
   */
  readonly weights?: 'map' | 'posterior';
  /** Training options passed through (prior criterion and scope). */
  readonly alpha?: TrainOptions['alpha'];
  readonly prior?: TrainOptions['prior'];
}

/** One cell: a method (or the structure search) on one seed. */
export interface CellSpec {
  readonly format: 'prunus-cell';
  readonly version: 1;
  readonly settings: ExperimentSettings;
  /** A key of {@link EXPERIMENT_METHODS}, or `search` for the structure search. */
  readonly method: string;
  readonly seed: number;
}

/** What one method cell measured; arrays are aligned with the levels. */
export interface MethodCellResult {
  readonly kind: 'method';
  readonly method: string;
  readonly seed: number;
  readonly label: string;
  readonly quality: number[];
  readonly fineTuned?: number[];
  readonly r2?: number[];
  readonly fineTunedR2?: number[];
  /** `[inputNoise][level]`. */
  readonly noise: number[][];
  readonly fineTunedNoise?: number[][];
  readonly elbo?: number[];
  readonly active: number[];
  /** The unpruned model and the trivial predictor on the test rows. */
  readonly full: number;
  readonly trivial: number;
  readonly prior: { readonly criterion: string; readonly alpha: number[]; readonly noiseVariance: number };
  readonly parameters: number;
  readonly architecture: number[];
  readonly task: Task;
  readonly seconds: number;
}

/** What a search cell found. */
export interface SearchCellResult {
  readonly kind: 'search';
  readonly method: 'search';
  readonly seed: number;
  readonly search: SearchResult;
  readonly seconds: number;
}

/** A finished cell. */
export type CellResult = MethodCellResult | SearchCellResult;

/** The cells of an experiment: every method on every seed, plus one search per seed when asked. */
export function planCells(settings: ExperimentSettings, methods: readonly string[], seeds: readonly number[], search: boolean): CellSpec[] {
  for (const method of methods) {
    if (!Object.hasOwn(EXPERIMENT_METHODS, method)) {
      throw new Error(`experiment: "${method}" is not a method (one of ${Object.keys(EXPERIMENT_METHODS).join(', ')})`);
    }
  }
  const cells: CellSpec[] = [];
  for (const seed of seeds) {
    for (const method of methods) cells.push({ format: 'prunus-cell', version: 1, settings, method, seed });
    if (search) cells.push({ format: 'prunus-cell', version: 1, settings, method: 'search', seed });
  }
  return cells;
}

/** Loads the experiment's data set for a seed (the generated sets depend on it). */
export function loadExperimentData(spec: DatasetSpec, seed: number): Dataset {
  const options: LoadOptions = {
    ...(spec.target !== undefined ? { target: spec.target } : {}),
    ...(spec.task !== undefined ? { task: spec.task } : {}),
    ...(spec.dropMissing !== undefined ? { dropMissing: spec.dropMissing } : {}),
    seed,
  };
  return loadDataset(spec.name, options);
}

/** Trains the model every method cell of a seed prunes (deterministic in the seed). */
export function trainForCell(settings: ExperimentSettings, seed: number, onProgress?: (phase: string, step: number, total: number) => void): TrainResult {
  return trainOnDataset(loadExperimentData(settings.dataset, seed), {
    hidden: settings.hidden,
    activation: settings.activation,
    seed,
    testFraction: settings.testFraction,
    variational: true,
    ...(settings.variationalEpochs !== undefined ? { variationalFit: { epochs: settings.variationalEpochs } } : {}),
    ...(settings.maxIterations !== undefined ? { maxIterations: settings.maxIterations } : {}),
    ...(settings.alpha !== undefined ? { alpha: settings.alpha } : {}),
    ...(settings.prior !== undefined ? { prior: settings.prior } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

/**
 * Runs one cell. A method cell prunes the seed's model along the levels twice: as pruned (no
 * retraining; `quality`) and with fine-tuning after every step (`fineTuned`), each iterative
 * with re-scoring. `trained` may be passed in when the seed's model is already at hand.
 */
export function runCell(cell: CellSpec, trained?: TrainResult): CellResult {
  const start = performance.now();
  const { settings, seed } = cell;
  if (cell.method === 'search') {
    const outcome = selectStructure(loadExperimentData(settings.dataset, seed), {
      train: {
        hidden: settings.hidden,
        activation: settings.activation,
        seed,
        testFraction: settings.testFraction,
        ...(settings.alpha !== undefined ? { alpha: settings.alpha } : {}),
        ...(settings.prior !== undefined ? { prior: settings.prior } : {}),
        ...(settings.variationalEpochs !== undefined ? { variationalFit: { epochs: settings.variationalEpochs } } : {}),
        ...(settings.maxIterations !== undefined ? { maxIterations: settings.maxIterations } : {}),
      },
      posteriorEpochs: settings.posteriorEpochs,
    });
    return { kind: 'search', method: 'search', seed, search: outcome.result, seconds: (performance.now() - start) / 1000 };
  }
  const variant = EXPERIMENT_METHODS[cell.method];
  if (variant === undefined) throw new Error(`experiment: "${cell.method}" is not a method`);
  const result = trained ?? trainForCell(settings, seed);
  const { data, prior, variational } = result;
  const model = settings.weights === 'posterior' ? withPosteriorMean(result) : result.model;
  const n = model.network.parameterCount;
  if (DENSE_METHODS.has(variant.method) && n > DENSE_ACTIVE_LIMIT) {
    throw new Error(`experiment: ${cell.method} needs dense ${n}×${n} matrices; the limit is ${DENSE_ACTIVE_LIMIT} parameters — leave it out (--methods)`);
  }
  const task = model.task;
  const preference = task === 'classification' ? frequencyRanking(data.train.labels, model.classes!.length) : undefined;
  const schedule = settings.levels.filter((l) => l > 0).map((l) => l / 100);
  const loopData = {
    model,
    train: data.train,
    test: data.test,
    alpha: prior.alpha,
    noiseVariance: prior.noiseVariance,
    ...(variational !== null ? { posterior: { posterior: variational.posterior, alpha: variational.alpha, prior: variational.prior, noiseVariance: variational.noiseVariance } } : {}),
    ...(preference !== undefined ? { preference } : {}),
  };
  const loopOptions = (fineTuneEpochs: number) => ({
    method: variant.method,
    methodOptions: variant.options,
    schedule,
    fineTuneEpochs,
    posteriorEpochs: settings.posteriorEpochs,
    noise: { inputStd: settings.inputNoise, draws: settings.noiseDraws },
    rng: new Random(seed).fork(),
  });
  const asPruned = pruneLoop(loopData, loopOptions(0));
  const tuned = settings.fineTuneEpochs > 0 ? pruneLoop(loopData, loopOptions(settings.fineTuneEpochs)) : null;
  const metric = (m: Metrics): number => ('accuracy' in m ? m.accuracy : m.rmse);
  const r2 = (m: Metrics): number => ('r2' in m ? m.r2 : Number.NaN);
  const byLevel = (loop: PruneLoopResult, pick: 'test' | 'testFineTuned', f: (m: Metrics) => number): number[] => loop.steps.map((s) => f(s[pick] ?? s.test));
  const noiseOf = (loop: PruneLoopResult, pick: 'outputNoise' | 'outputNoiseFineTuned'): number[][] =>
    settings.inputNoise.map((_, i) => loop.steps.map((s) => (s[pick] ?? s.outputNoise!)[i]!));
  return {
    kind: 'method',
    method: cell.method,
    seed,
    label: asPruned.label,
    quality: byLevel(asPruned, 'test', metric),
    ...(tuned !== null ? { fineTuned: byLevel(tuned, 'testFineTuned', metric) } : {}),
    ...(task === 'regression' ? { r2: byLevel(asPruned, 'test', r2) } : {}),
    ...(task === 'regression' && tuned !== null ? { fineTunedR2: byLevel(tuned, 'testFineTuned', r2) } : {}),
    noise: noiseOf(asPruned, 'outputNoise'),
    ...(tuned !== null ? { fineTunedNoise: noiseOf(tuned, 'outputNoiseFineTuned') } : {}),
    ...(asPruned.steps[0]!.elbo !== undefined ? { elbo: asPruned.steps.map((s) => s.elbo!.value) } : {}),
    active: asPruned.steps.map((s) => s.active),
    full: metric(settings.weights === 'posterior' ? evaluate(model, data.test, preference) : result.test),
    trivial: trivialQuality(result),
    prior: { criterion: prior.criterion, alpha: prior.alpha, noiseVariance: prior.noiseVariance },
    parameters: n,
    architecture: [...model.network.sizes],
    task,
    seconds: (performance.now() - start) / 1000,
  };
}

/** The model with the variational posterior mean as its weights (pruned entries stay 0). */
function withPosteriorMean(trained: TrainResult): TrainResult['model'] {
  if (trained.variational === null) throw new Error('experiment: --weights posterior needs the variational posterior');
  const network = trained.model.network.clone();
  network.params.set(trained.variational.posterior.mean);
  network.applyMask();
  return { ...trained.model, network };
}

/** Test quality of the trivial predictor: the training majority class, or the training mean. */
export function trivialQuality(trained: TrainResult): number {
  const { data, model } = trained;
  if (model.task === 'classification') {
    const majority = frequencyRanking(data.train.labels, model.classes!.length).indexOf(0);
    let correct = 0;
    for (const label of data.test.labels) if (label === majority) correct++;
    return correct / data.test.rows;
  }
  // Standardized targets: the training mean is 0; the RMSE of predicting it, in raw units.
  const scale = model.targetScaling?.std ?? 1;
  let sum = 0;
  for (const y of data.test.y) sum += (y * scale) ** 2;
  return Math.sqrt(sum / data.test.rows);
}

/** Mean, standard deviation and per-seed values of aligned series. */
function summarize(perSeed: number[][]): SeriesSummary {
  const levels = perSeed[0]?.length ?? 0;
  const mean = Array.from({ length: levels }, (_, l) => perSeed.reduce((a, s) => a + s[l]!, 0) / perSeed.length);
  const std = mean.map((m, l) => (perSeed.length > 1 ? Math.sqrt(perSeed.reduce((a, s) => a + (s[l]! - m) ** 2, 0) / (perSeed.length - 1)) : 0));
  return { mean, std, perSeed };
}

/** The Belsley illustration's diagnostics and pruning, for the report. */
export function illustrationResult(): IllustrationResult {
  const illustration = belsleyIllustration();
  const covariance = covarianceOfSamples(illustration.samples, illustration.rows, illustration.cols);
  const diagnostics = belsleyDiagnostics(covariance, illustration.cols);
  const pruning = belsleyPrune(covariance, illustration.cols, { names: illustration.names });
  const k = illustration.cols;
  return {
    columns: [...illustration.names],
    conditionIndices: Array.from(diagnostics.conditionIndices),
    proportions: Array.from({ length: k }, (_, j) => Array.from(diagnostics.proportions.subarray(j * k, (j + 1) * k))),
    removed: [...pruning.removedNames],
    kept: [...pruning.keptNames],
  };
}

/**
 * Merges finished cells into `results.json`: per method, mean and spread over seeds. The
 * result does not depend on the order the cells finished in (they are sorted by seed).
 */
export function collectResults(
  settings: ExperimentSettings, methods: readonly string[], seeds: readonly number[], cells: readonly CellResult[],
  command: string,
): ExperimentResults {
  const bySeed = (a: { seed: number }, b: { seed: number }): number => a.seed - b.seed;
  const methodCells = cells.filter((c): c is MethodCellResult => c.kind === 'method').sort(bySeed);
  const searchCells = cells.filter((c): c is SearchCellResult => c.kind === 'search').sort(bySeed);
  const first = methodCells[0];
  if (first === undefined) throw new Error('experiment: no finished method cells to collect');
  const missing: string[] = [];
  const summaries: Record<string, MethodSummary> = {};
  for (const method of methods) {
    const mine = methodCells.filter((c) => c.method === method);
    for (const seed of seeds) if (!mine.some((c) => c.seed === seed)) missing.push(`${method} seed ${seed}`);
    if (mine.length === 0) continue;
    const noiseSummary = (pick: (c: MethodCellResult) => number[][]): { inputStd: number[]; outputStd: number[][] } => ({
      inputStd: [...settings.inputNoise],
      outputStd: settings.inputNoise.map((_, i) => summarize(mine.map((c) => pick(c)[i]!)).mean),
    });
    summaries[method] = {
      label: mine[0]!.label,
      quality: summarize(mine.map((c) => c.quality)),
      ...(mine[0]!.fineTuned !== undefined ? { fineTuned: summarize(mine.map((c) => c.fineTuned!)) } : {}),
      ...(mine[0]!.r2 !== undefined ? { r2: summarize(mine.map((c) => c.r2!)) } : {}),
      ...(mine[0]!.fineTunedR2 !== undefined ? { fineTunedR2: summarize(mine.map((c) => c.fineTunedR2!)) } : {}),
      noise: noiseSummary((c) => c.noise),
      ...(mine[0]!.fineTunedNoise !== undefined ? { fineTunedNoise: noiseSummary((c) => c.fineTunedNoise!) } : {}),
      ...(mine[0]!.elbo !== undefined ? { elbo: summarize(mine.map((c) => c.elbo!)) } : {}),
      active: summarize(mine.map((c) => c.active)).mean,
    };
  }
  if (missing.length > 0) throw new Error(`experiment: cells not finished: ${missing.join(', ')}`);
  // Every method cell of a seed trained the same model: take the seed's numbers from any of them.
  const perSeed = seeds.map((seed) => methodCells.find((c) => c.seed === seed)!);
  const fullValues = perSeed.map((c) => c.full);
  const metric: MetricName = first.task === 'classification' ? 'accuracy' : 'rmse';
  return {
    format: 'prunus-experiment',
    version: 1,
    dataset: settings.dataset.name,
    task: first.task,
    metric,
    parameters: first.parameters,
    architecture: first.architecture,
    activation: settings.activation,
    seeds: seeds.length,
    seedList: [...seeds],
    levels: [...settings.levels],
    fineTuneEpochs: settings.fineTuneEpochs,
    weights: settings.weights ?? 'map',
    methods: summaries,
    full: { mean: fullValues.reduce((a, b) => a + b, 0) / fullValues.length, std: standardDeviation(fullValues), perSeed: fullValues },
    trivial: perSeed.reduce((a, c) => a + c.trivial, 0) / perSeed.length,
    prior: { criterion: first.prior.criterion, alpha: perSeed.map((c) => c.prior.alpha), noiseVariance: perSeed.map((c) => c.prior.noiseVariance) },
    ...(searchCells.length > 0 ? { search: searchCells.map((c) => c.search) } : {}),
    illustration: illustrationResult(),
    command,
  };
}

function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

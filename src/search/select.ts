/**
 * The structure search of docs/methods.md §3: prune step by step with a relevance method, refit the
 * variational posterior on every structure, and return A* = argmax_k ELBO(A_k) — by a rule that
 * lets sampling noise not pick a random step: a structure beats the one chosen so far only where
 * its ELBO is higher by more than the standard error of the difference (common random numbers).
 * Beside it: the validation-best structure and the sparsest one within a tolerance of the best.
 */
import type { Dataset } from '../data/index.js';
import { evaluate, trainOnDataset, type TrainOptions, type TrainResult } from '../nn/fit.js';
import { frequencyRanking, type Metrics } from '../nn/metrics.js';
import type { Model } from '../nn/model.js';
import { fitMap } from '../nn/train.js';
import { pruneLoop, type MethodName, type MethodOptions, type PruneLoopResult, type PruneStep, type StepElbo } from '../pruning/index.js';
import { Random } from '../random/random.js';
import type { MetricName, SearchResult, SearchStep } from './results.js';

/** Options of {@link selectStructure}. */
export interface SelectOptions {
  /** Relevance method of the pruning steps (default `variational`). */
  readonly method?: MethodName;
  readonly methodOptions?: MethodOptions;
  /** Which structure is returned: `evidence` (default) or `validation`. */
  readonly criterion?: 'evidence' | 'validation';
  /** Remove whole hidden units. */
  readonly structured?: boolean;
  /** Share of the remaining parameters removed per step (default 0.15). */
  readonly step?: number;
  /** Stop once at most this share of the parameters is left (default 0.01). */
  readonly minKept?: number;
  /** Adam epochs after each removal (default 0). */
  readonly fineTuneEpochs?: number;
  /** Warm-started posterior refit epochs per step (default 300). */
  readonly posteriorEpochs?: number;
  /** Tolerance of the sparsest-within-tolerance structure, in metric units (default 0.01 accuracy, or 5% of the best RMSE). */
  readonly tolerance?: number;
  /** How the model is trained (defaults of `trainOnDataset`; a validation fraction of 0.2 unless given). */
  readonly train?: TrainOptions;
  readonly onProgress?: (phase: string, step: number, total: number) => void;
}

/** The search's result, the chosen model (refitted on its structure), and what was measured on the way. */
export interface SelectOutcome {
  readonly result: SearchResult;
  /** The chosen structure with its MAP weights refitted on it, and its posterior. */
  readonly model: Model;
  readonly trained: TrainResult;
  readonly loop: PruneLoopResult;
}

/**
 * Shares of the original n parameters removed after each step: 1 − (1 − step)^k, down to
 * `minKept` left; steps that would leave the same whole number of parameters are merged.
 */
export function geometricSchedule(step: number, minKept: number, n: number): number[] {
  if (!(step > 0 && step < 1)) throw new Error(`select: the step must be a share strictly between 0 and 1, got ${step}`);
  if (!(minKept > 0 && minKept < 1)) throw new Error(`select: the smallest share kept must be strictly between 0 and 1, got ${minKept}`);
  const out: number[] = [];
  for (let kept = 1 - step; kept > minKept * (1 - 1e-12); kept *= 1 - step) out.push(1 - kept);
  out.push(1 - minKept);
  const seen = new Set<number>([n]);
  return out.filter((share) => {
    const left = Math.max(1, Math.round((1 - share) * n));
    if (seen.has(left)) return false;
    seen.add(left);
    return true;
  });
}

/** ELBO(b) − ELBO(a) from their estimates on the same draws, and the standard error of the paired difference. */
export function pairedElboDifference(a: StepElbo, b: StepElbo): { difference: number; standardError: number } {
  const samples = a.logLikelihoods.length;
  if (b.logLikelihoods.length !== samples) throw new Error('pairedElboDifference: the estimates were not made on the same draws');
  let mean = 0;
  for (let s = 0; s < samples; s++) mean += b.logLikelihoods[s]! - a.logLikelihoods[s]!;
  mean /= samples;
  let variance = 0;
  for (let s = 0; s < samples; s++) variance += (b.logLikelihoods[s]! - a.logLikelihoods[s]! - mean) ** 2;
  const standardError = samples > 1 ? Math.sqrt(variance / (samples - 1) / samples) : 0;
  return { difference: b.value - a.value, standardError };
}

/**
 * The ELBO rule: walking from the full structure to the sparsest, a step replaces the one chosen
 * so far only when its ELBO is higher by more than the standard error of the difference.
 * Returns the chosen step and, per step, the difference to the structure chosen before it.
 */
export function evidenceChoice(elbos: readonly StepElbo[]): { step: number; differences: { difference: number; standardError: number }[] } {
  let chosen = 0;
  const differences = elbos.map((e, k) => {
    const d = pairedElboDifference(elbos[chosen]!, e);
    if (k > 0 && d.difference > d.standardError) chosen = k;
    return d;
  });
  return { step: chosen, differences };
}

/** The metric's value, and whether higher is better. */
function metricValue(metrics: Metrics): number {
  return 'accuracy' in metrics ? metrics.accuracy : metrics.rmse;
}

/**
 * Runs the structure search on a data set: trains (with a validation split), prunes with the
 * method while refitting the posterior, chooses by the ELBO rule (or by validation), and refits
 * the chosen structure's MAP weights.
 */
export function selectStructure(dataset: Dataset, options: SelectOptions = {}): SelectOutcome {
  const method = options.method ?? 'variational';
  const criterion = options.criterion ?? 'evidence';
  const progress = options.onProgress;
  const trained = trainOnDataset(dataset, { validationFraction: 0.2, ...options.train, variational: true, ...(progress ? { onProgress: progress } : {}) });
  const { model, data, prior, variational } = trained;
  if (data.validation === null) throw new Error('select: needs validation rows (a validation fraction above 0)');
  const task = model.task;
  const metric: MetricName = task === 'classification' ? 'accuracy' : 'rmse';
  const preference = task === 'classification' ? frequencyRanking(data.train.labels, model.classes!.length) : undefined;
  const schedule = geometricSchedule(options.step ?? 0.15, options.minKept ?? 0.01, model.network.parameterCount);
  const fineTuneEpochs = options.fineTuneEpochs ?? 0;
  const seed = options.train?.seed ?? 0;
  const loop = pruneLoop(
    {
      model,
      train: data.train,
      test: data.test,
      validation: data.validation,
      alpha: prior.alpha,
      noiseVariance: prior.noiseVariance,
      ...(variational !== null ? { posterior: { posterior: variational.posterior, alpha: variational.alpha, prior: variational.prior, noiseVariance: variational.noiseVariance } } : {}),
      ...(preference !== undefined ? { preference } : {}),
    },
    {
      method,
      ...(options.methodOptions ? { methodOptions: options.methodOptions } : {}),
      structured: options.structured ?? false,
      schedule,
      fineTuneEpochs,
      elbo: true,
      ...(options.posteriorEpochs !== undefined ? { posteriorEpochs: options.posteriorEpochs } : {}),
      keepModels: true,
      rng: new Random(seed).fork(),
      ...(progress ? { onStep: (done: number, total: number) => progress(`pruning steps (${method})`, done, total) } : {}),
    },
  );
  const steps = loop.steps;
  const elbos = steps.map((s) => s.elbo!);
  const evidence = evidenceChoice(elbos);
  const quality = (s: PruneStep): number => metricValue((fineTuneEpochs > 0 ? s.validationFineTuned : s.validation) ?? s.validation!);
  const better = (a: number, b: number): boolean => (metric === 'accuracy' ? a > b : a < b);
  let validationBest = 0;
  steps.forEach((s, k) => {
    // Ties go to the sparser structure.
    if (!better(quality(steps[validationBest]!), quality(s))) validationBest = k;
  });
  const best = quality(steps[validationBest]!);
  const tolerance = options.tolerance ?? (metric === 'accuracy' ? 0.01 : 0.05 * best);
  let sparsest = validationBest;
  steps.forEach((s, k) => {
    const gap = metric === 'accuracy' ? best - quality(s) : quality(s) - best;
    if (gap <= tolerance + 1e-12 && k > sparsest) sparsest = k;
  });
  const chosenStep = criterion === 'evidence' ? evidence.step : validationBest;
  const chosen = steps[chosenStep]!;

  // The chosen structure's own MAP fit: ŵ refitted on A*, at the prior its posterior settled on.
  const network = model.network.clone();
  network.mask.set(chosen.mask!);
  network.params.set(chosen.params!);
  network.applyMask();
  const posterior = chosen.posterior!;
  if (network.activeCount > 0) {
    fitMap(network, data.train, task, {
      alpha: posterior.alpha,
      noiseVariance: task === 'regression' ? posterior.noiseVariance : 1,
      ...(options.train?.maxIterations !== undefined ? { maxIterations: options.train.maxIterations } : {}),
    });
  }
  const chosenModel: Model = {
    ...model,
    network,
    noiseVariance: task === 'regression' ? posterior.noiseVariance : 1,
    posterior: posterior.posterior,
    training: {
      ...model.training,
      alpha: posterior.alpha,
      noiseVariance: posterior.noiseVariance,
      selection: { method, criterion, structured: options.structured ?? false, step: chosenStep, removedShare: chosen.removedShare, kept: chosen.active, parameters: network.parameterCount },
    },
  };
  const testMetrics = evaluate(chosenModel, data.test, preference);
  const searchSteps: SearchStep[] = steps.map((s, k) => ({
    active: s.active,
    removedShare: s.removedShare,
    elbo: s.elbo!.value,
    elboStandardError: s.elbo!.standardError,
    elboDifference: evidence.differences[k]!.difference,
    elboDifferenceStandardError: evidence.differences[k]!.standardError,
    test: metricValue(s.test),
    validation: metricValue(s.validation!),
    ...(s.testFineTuned !== undefined ? { testFineTuned: metricValue(s.testFineTuned) } : {}),
    ...(s.validationFineTuned !== undefined ? { validationFineTuned: metricValue(s.validationFineTuned) } : {}),
    alpha: s.elbo!.alpha,
  }));
  const chosenElbo = elbos[chosenStep]!;
  const reason =
    criterion === 'validation'
      ? `step ${chosenStep} (${percent(chosen.removedShare)} removed) has the best validation ${metric} (${formatMetric(best, metric)})`
      : chosenStep === 0
        ? `no pruned structure's ELBO exceeds the full network's by more than the standard error of the difference (ELBO ${chosenElbo.value.toFixed(2)} ± ${chosenElbo.standardError.toFixed(2)})`
        : `step ${chosenStep} (${percent(chosen.removedShare)} removed): its ELBO ${chosenElbo.value.toFixed(2)} beats every larger structure chosen before it by more than the standard error of the difference, and no sparser one beats it by more than that (ELBO of the full network ${elbos[0]!.value.toFixed(2)})`;
  const result: SearchResult = {
    method,
    criterion,
    structured: options.structured ?? false,
    task,
    metric,
    parameters: network.parameterCount,
    kept: network.activeCount,
    elbo: steps.map((s) => s.elbo!.value),
    removedShare: steps.map((s) => s.removedShare),
    steps: searchSteps,
    chosenStep,
    evidenceStep: evidence.step,
    validationBestStep: validationBest,
    sparsestWithinToleranceStep: sparsest,
    tolerance,
    test: testMetrics,
    full: trained.test,
    reason,
  };
  return { result, model: chosenModel, trained, loop };
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

function formatMetric(value: number, metric: MetricName): string {
  return metric === 'accuracy' ? value.toFixed(3) : value.toPrecision(4);
}

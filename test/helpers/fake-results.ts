/**
 * Realistic `ExperimentResults` for the report's tests and screenshots, generated from a seed:
 * quality curves that hold and then fall to (or, for a regression, past) the trivial
 * predictor at method-specific shares removed, seed-to-seed spread, noise maps, a structure
 * search per seed and the Belsley illustration. Every optional part can be left out.
 */
import type { Task } from '../../src/data/index.js';
import { Random } from '../../src/random/random.js';
import type {
  ExperimentResults,
  ExperimentTiming,
  IllustrationResult,
  MethodSummary,
  MetricName,
  NoiseMap,
  SearchResult,
  SearchStep,
  SeriesSummary,
} from '../../src/search/results.js';

/** What to generate. */
export interface FakeOptions {
  readonly task?: Task;
  readonly seed?: number;
  readonly seeds?: number;
  readonly levels?: readonly number[];
  /** Method keys (known ones get a realistic profile, others a generic one). */
  readonly methods?: readonly string[];
  /** Labels to use instead of the realistic ones (e.g. to test escaping). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly fineTuneEpochs?: number;
  readonly search?: boolean;
  readonly illustration?: boolean;
  /** Regression only: R² series (default true for regression). */
  readonly r2?: boolean;
  /** Per-method ELBO series for the methods that refit a posterior (default true). */
  readonly methodElbo?: boolean;
  readonly dataset?: string;
}

/** The seed study's levels: every 10% to 80%, then denser. */
export const WINE_LEVELS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 92, 94, 96, 98, 100];

/** The eight methods of a full comparison. */
export const ALL_METHODS = ['random', 'magnitude', 'obd', 'obs', 'variational', 'belsley', 'belsley-laplace', 'belsley-trajectory'];

/** Where each method's quality falls (% removed, midpoint of the fall) and how sharply (width, %). */
const PROFILES: Record<string, { readonly mid: number; readonly width: number; readonly label: string; readonly overshoot: number }> = {
  random: { mid: 45, width: 18, label: 'random (uniform order, seeded)', overshoot: 1.3 },
  magnitude: { mid: 86, width: 4, label: 'magnitude (|w_j|)', overshoot: 1.6 },
  obd: { mid: 93, width: 3, label: 'obd (exact Hessian diagonal; saliency likelihood: h_jj w_j²/2)', overshoot: 1.2 },
  obs: { mid: 94, width: 2.5, label: 'obs (w_q²/(2[H⁻¹]_qq), compensating update)', overshoot: 1.1 },
  variational: { mid: 95, width: 2.2, label: 'variational (|μ|/σ of the mean-field posterior)', overshoot: 1.0 },
  belsley: { mid: 90, width: 3.5, label: 'belsley (information: Gauss-Newton G + αI)', overshoot: 1.3 },
  'belsley-laplace': { mid: 12, width: 5, label: 'belsley (laplace: (Gauss-Newton G + αI)⁻¹)', overshoot: 2.2 },
  'belsley-trajectory': { mid: 60, width: 10, label: 'belsley (trajectory: covariance of training snapshots)', overshoot: 1.5 },
  'belsley-exact': { mid: 35, width: 8, label: 'belsley (information: |exact H| + αI)', overshoot: 1.8 },
};

/** Methods that refit a posterior at each level, and so have an ELBO series. */
const WITH_ELBO = new Set(['variational']);

/** Wine-like: 13-16-3 tanh, 275 parameters, accuracy, 8 methods, 5 seeds, fine-tuning, search, illustration. */
export function wineLike(options: FakeOptions = {}): ExperimentResults {
  return fakeResults({ task: 'classification', dataset: 'wine', ...options });
}

/** Boston-like: 13-16-1 tanh, 241 parameters, RMSE in $1000s, the same parts. */
export function bostonLike(options: FakeOptions = {}): ExperimentResults {
  return fakeResults({ task: 'regression', dataset: 'boston', ...options });
}

/** Generates results; the defaults are the full Wine-like study. */
export function fakeResults(options: FakeOptions = {}): ExperimentResults {
  const task = options.task ?? 'classification';
  const classification = task === 'classification';
  const metric: MetricName = classification ? 'accuracy' : 'rmse';
  const rng = new Random(options.seed ?? 7);
  const seeds = options.seeds ?? 5;
  const levels = [...(options.levels ?? WINE_LEVELS)];
  const methods = options.methods ?? ALL_METHODS;
  const fineTuneEpochs = options.fineTuneEpochs ?? 20;
  const architecture = classification ? [13, 16, 3] : [13, 16, 1];
  const parameters = architecture.slice(1).reduce((sum, n, i) => sum + n * (architecture[i]! + 1), 0);
  const fullMean = classification ? 0.978 : 3.42;
  const trivial = classification ? 0.399 : 9.18;
  const fullPerSeed = Array.from({ length: seeds }, () => (classification ? Math.min(1, fullMean + 0.012 * rng.normal()) : fullMean + 0.35 * rng.normal()));
  const inputStd = [0, 0.1, 0.2, 0.4, 0.6, 0.8, 1];

  const summary = (perSeed: number[][]): SeriesSummary => {
    const mean = levels.map((_, l) => perSeed.reduce((s, row) => s + row[l]!, 0) / seeds);
    const std = levels.map((_, l) => (seeds < 2 ? 0 : Math.sqrt(perSeed.reduce((s, row) => s + (row[l]! - mean[l]!) ** 2, 0) / (seeds - 1))));
    return { mean, std, perSeed };
  };
  /** The share of the full model's advantage lost at `level` (0 → 1, past 1 for a regression collapse). */
  const loss = (key: string, level: number, shift: number, tuned: boolean): number => {
    const p = PROFILES[key] ?? { mid: 80, width: 6, overshoot: 1.3 };
    const mid = p.mid + shift + (tuned ? Math.min(6, (100 - p.mid) * 0.5) : 0);
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-(x - mid) / p.width));
    // Every method starts from the same ŵ: nothing is lost at 0%.
    const s = Math.max(0, (sigmoid(level) - sigmoid(0)) / (1 - sigmoid(0)));
    return level >= 100 ? 1 : s * (classification || tuned ? 1 : p.overshoot);
  };
  const quality = (key: string, tuned: boolean): number[][] =>
    fullPerSeed.map((full) => {
      const shift = 2.5 * rng.normal();
      return levels.map((level) => {
        if (level === 0) return full;
        const l = loss(key, level, shift, tuned);
        const v = full + (trivial - full) * l + (classification ? 0.01 : 0.12) * rng.normal() * (0.3 + l);
        return classification ? Math.min(1, Math.max(0, Math.round(v * 36) / 36)) : Math.max(0.5, v);
      });
    });
  const noise = (key: string, tuned: boolean): NoiseMap => ({
    inputStd,
    outputStd: inputStd.map((s) =>
      levels.map((level) => {
        const alive = 1 - Math.min(1, loss(key, level, 0, tuned));
        const base = classification ? 0.22 * Math.tanh(1.6 * s) : 2.6 * s;
        return Math.max(0, base * (0.35 + 0.65 * alive) * (1 + 0.08 * rng.normal()) * (level >= 100 ? 0 : 1));
      }),
    ),
  });
  const r2Of = (rmse: SeriesSummary): SeriesSummary => {
    const variance = trivial * trivial;
    const perSeed = rmse.perSeed.map((row) => row.map((v) => 1 - (v * v) / variance));
    return summary(perSeed);
  };

  const methodsOut: Record<string, MethodSummary> = {};
  for (const key of methods) {
    const q = summary(quality(key, false));
    const tuned = fineTuneEpochs > 0 ? summary(quality(key, true)) : undefined;
    const withR2 = !classification && options.r2 !== false;
    const elbo = options.methodElbo !== false && WITH_ELBO.has(key) ? summary(fullPerSeed.map(() => levels.map((level) => -180 + 1.2 * level - (level > 92 ? (level - 92) ** 2 * 6 : 0) + 4 * rng.normal()))) : undefined;
    methodsOut[key] = {
      label: options.labels?.[key] ?? PROFILES[key]?.label ?? `${key} (generic profile)`,
      quality: q,
      ...(tuned === undefined ? {} : { fineTuned: tuned }),
      ...(withR2 ? { r2: r2Of(q) } : {}),
      ...(withR2 && tuned !== undefined ? { fineTunedR2: r2Of(tuned) } : {}),
      noise: noise(key, false),
      ...(tuned === undefined ? {} : { fineTunedNoise: noise(key, true) }),
      ...(elbo === undefined ? {} : { elbo }),
      active: levels.map((level) => Math.round(parameters * (1 - level / 100))),
    };
  }

  const search = options.search === false ? undefined : fullPerSeed.map((full, i) => fakeSearch(rng, { classification, metric, parameters, full, trivial, fineTune: fineTuneEpochs > 0, index: i }));
  return {
    format: 'prunus-experiment',
    version: 1,
    dataset: options.dataset ?? (classification ? 'wine' : 'boston'),
    task,
    metric,
    parameters,
    architecture,
    activation: 'tanh',
    seeds,
    seedList: Array.from({ length: seeds }, (_, i) => i + 1),
    levels,
    fineTuneEpochs,
    weights: 'map',
    methods: methodsOut,
    full: { mean: fullPerSeed.reduce((a, b) => a + b, 0) / seeds, std: seeds < 2 ? 0 : Math.sqrt(fullPerSeed.reduce((s, v, _, a) => s + (v - a.reduce((x, y) => x + y, 0) / seeds) ** 2, 0) / (seeds - 1)), perSeed: fullPerSeed },
    trivial,
    prior: {
      criterion: 'laplace',
      alpha: fullPerSeed.map(() => [0.8 + 0.3 * rng.uniform(), 2.1 + 0.5 * rng.uniform()]),
      noiseVariance: fullPerSeed.map(() => (classification ? 1 : 0.12 + 0.03 * rng.uniform())),
    },
    ...(search === undefined ? {} : { search }),
    ...(options.illustration === false ? {} : { illustration: fakeIllustration() }),
    command: `prunus experiment --dataset ${options.dataset ?? (classification ? 'wine' : 'boston')} --seeds ${seeds} --methods ${methods.join(',')} --fine-tune ${fineTuneEpochs}${search === undefined ? ' --no-search' : ''}`,
  };
}

/** A timing.json for `results`: 30 min 35 s on 2 workers, a minute or so per cell. */
export function fakeTiming(results: ExperimentResults, seconds = 1834.6): ExperimentTiming {
  const cells = results.seedList.flatMap((seed) => Object.keys(results.methods).map((method, i) => ({ method, seed, seconds: 40 + 7 * i + seed })));
  return { seconds, workers: 2, cells };
}

/** A search that removes 20% of the remaining parameters per step; the ELBO peaks near 85–90% removed. */
function fakeSearch(
  rng: Random,
  o: { classification: boolean; metric: MetricName; parameters: number; full: number; trivial: number; fineTune: boolean; index: number },
): SearchResult {
  const steps: SearchStep[] = [];
  let active = o.parameters;
  const peak = 0.86 + 0.03 * rng.normal();
  let chosen = 0;
  for (let k = 0; active >= 1; k++) {
    const share = 1 - active / o.parameters;
    const elbo = -210 + 150 * share - (share > peak ? ((share - peak) * 100) ** 2 * 2.2 : 0) + 3 * rng.normal();
    const se = 0.8 + 1.5 * rng.uniform();
    const fall = 1 / (1 + Math.exp(-(share * 100 - 94) / 2.5));
    const val = o.full + (o.trivial - o.full) * fall + (o.classification ? 0.015 : 0.15) * rng.normal();
    const clip = (v: number): number => (o.classification ? Math.min(1, Math.max(0, v)) : Math.max(0.5, v));
    const difference = steps.length === 0 ? 0 : elbo - steps[chosen]!.elbo;
    steps.push({
      active,
      removedShare: share,
      elbo,
      elboStandardError: se,
      elboDifference: difference,
      elboDifferenceStandardError: se * 0.4,
      test: clip(val + (o.classification ? 0.01 : 0.1) * rng.normal()),
      validation: clip(val),
      ...(o.fineTune ? { testFineTuned: clip(val * 0.99), validationFineTuned: clip(val * 0.99) } : {}),
      alpha: [0.9 + 0.2 * rng.uniform(), 2 + rng.uniform()],
    });
    if (difference > 0) chosen = k;
    if (active === 1) break;
    active = Math.max(1, Math.floor(active * 0.8));
  }
  const better = (a: number, b: number): boolean => (o.classification ? a > b : a < b);
  let validationBest = 0;
  steps.forEach((s, k) => {
    if (better(s.validation, steps[validationBest]!.validation)) validationBest = k;
  });
  const tolerance = o.classification ? 0.01 : 0.05 * o.full;
  let sparsest = validationBest;
  steps.forEach((s, k) => {
    const ok = o.classification ? s.validation >= steps[validationBest]!.validation - tolerance : s.validation <= steps[validationBest]!.validation + tolerance;
    if (ok && k > sparsest) sparsest = k;
  });
  const c = steps[chosen]!;
  const metricValue = (v: number): Partial<Record<MetricName | 'r2', number>> => (o.classification ? { accuracy: v } : { rmse: v, r2: 1 - (v * v) / (o.trivial * o.trivial) });
  return {
    method: 'variational',
    criterion: 'evidence',
    structured: false,
    task: o.classification ? 'classification' : 'regression',
    metric: o.metric,
    parameters: o.parameters,
    kept: c.active,
    elbo: steps.map((s) => s.elbo),
    removedShare: steps.map((s) => s.removedShare),
    steps,
    chosenStep: chosen,
    evidenceStep: chosen,
    validationBestStep: validationBest,
    sparsestWithinToleranceStep: sparsest,
    tolerance,
    test: metricValue(c.test),
    full: metricValue(o.full),
    reason: `the ELBO is highest at step ${chosen} (${c.active} of ${o.parameters} parameters); every sparser step's ELBO is lower by more than 2 standard errors`,
  };
}

/** The illustration as `prunus belsley --example illustration --prune --json` reports it (∞ as Infinity). */
export function fakeIllustration(): IllustrationResult {
  return {
    columns: ['sin x', 'cos x', '2 + cos x', '2 + sin x', 'cos x + sin x', 'x'],
    conditionIndices: [1, 16.153316441776255, 36.30941184819871, Infinity, Infinity, Infinity],
    proportions: [
      [1.45e-18, 6.55e-15, 3.36e-14, 0.06901544132877954, 0.9196811928686109, 0.011303365802569298],
      [5.92e-19, 7.81e-15, 3.08e-14, 0.0016377686532086364, 0.09182079566771294, 0.9065414356790398],
      [5.92e-19, 7.81e-15, 3.08e-14, 0.41473366326046335, 0.09443150050945044, 0.49083483623004764],
      [1.45e-18, 6.55e-15, 3.36e-14, 0.7503660765904923, 0.1215802166684487, 0.12805370674101885],
      [2.37e-19, 3.58e-14, 7.72e-17, 0.4553088127087433, 0.46560786785714225, 0.07908331943407863],
      [0.9596874127077553, 0.0013387687390946736, 0.038973818553150054, 2.48e-20, 3.78e-20, 4.78e-22],
    ],
    removed: ['sin x', 'cos x', '2 + cos x'],
    kept: ['2 + sin x', 'cos x + sin x', 'x'],
  };
}

/** What `results.json` gives back after a write and read: non-finite numbers become `null`. */
export function throughJson(results: ExperimentResults): ExperimentResults {
  return JSON.parse(JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as ExperimentResults;
}

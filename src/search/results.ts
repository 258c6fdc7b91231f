/**
 * The plain-data results of the structure search (`prunus select`) and of the seed's
 * experiments (`prunus experiment`, `results.json`): JSON-serializable objects that the report
 * and the CLI only render. Field names that docs/cli.md lists are a public contract.
 */
import type { Task } from '../data/index.js';

/** The quality measure of a task: accuracy (higher is better) or RMSE in the target's units (lower is better). */
export type MetricName = 'accuracy' | 'rmse';

/** A quantity per level, over seeds. */
export interface SeriesSummary {
  /** Mean over seeds, one value per level. */
  readonly mean: number[];
  /** Standard deviation over seeds (0 for one seed), one value per level. */
  readonly std: number[];
  /** Every seed's values: `perSeed[s][level]`. */
  readonly perSeed: number[][];
}

/** Output noise under input noise (docs/methods.md §5 item 2), one row per input noise level. */
export interface NoiseMap {
  /** Standard deviations of the Gaussian noise added to the standardized inputs. */
  readonly inputStd: number[];
  /**
   * `outputStd[i][level]`: the standard deviation of the model's outputs (class probabilities,
   * or the regression output in the target's units) over noise draws, averaged over test rows,
   * outputs and seeds.
   */
  readonly outputStd: number[][];
}

/** One method's curves in an experiment; every array is aligned with `levels`. */
export interface MethodSummary {
  /** What exactly was computed, e.g. `obd (exact Hessian diagonal; saliency likelihood: …)`. */
  readonly label: string;
  /** Test quality as pruned: iterative pruning of ŵ with re-scoring, no retraining. */
  readonly quality: SeriesSummary;
  /** Test quality after fine-tuning at every step (present when fine-tuning epochs > 0). */
  readonly fineTuned?: SeriesSummary;
  /** Regression: test R² as pruned and after fine-tuning. */
  readonly r2?: SeriesSummary;
  readonly fineTunedR2?: SeriesSummary;
  /** Output noise of the as-pruned models. */
  readonly noise: NoiseMap;
  /** Output noise of the fine-tuned models (present with `fineTuned`). */
  readonly fineTunedNoise?: NoiseMap;
  /** The ELBO of each structure (where a posterior was refitted per level, e.g. the variational method). */
  readonly elbo?: SeriesSummary;
  /** Active parameters at each level (mean over seeds; structured pruning removes whole units). */
  readonly active: number[];
}

/** One step of the structure search. */
export interface SearchStep {
  /** Active parameters after this step. */
  readonly active: number;
  /** Share of the original parameters removed, in [0, 1]. */
  readonly removedShare: number;
  /** ELBO of this structure, with a posterior refitted on it, and its Monte Carlo standard error. */
  readonly elbo: number;
  readonly elboStandardError: number;
  /** ELBO(this) − ELBO(the structure chosen so far), on common random numbers, and its standard error. */
  readonly elboDifference: number;
  readonly elboDifferenceStandardError: number;
  /** Test and validation quality as pruned, and after fine-tuning when it was asked for. */
  readonly test: number;
  readonly validation: number;
  readonly testFineTuned?: number;
  readonly validationFineTuned?: number;
  /** The prior precision per layer of this step's posterior (empirical Bayes). */
  readonly alpha: number[];
}

/** The result of the structure search (docs/methods.md §3): the `prunus select --json` object. */
export interface SearchResult {
  readonly method: string;
  /** Which structure is returned: `evidence` (the ELBO rule, default) or `validation`. */
  readonly criterion: 'evidence' | 'validation';
  readonly structured: boolean;
  readonly task: Task;
  readonly metric: MetricName;
  /** Parameters of the full network. */
  readonly parameters: number;
  /** Active parameters of the chosen structure. */
  readonly kept: number;
  /** Per step (step 0 is the full network). */
  readonly elbo: number[];
  readonly removedShare: number[];
  readonly steps: SearchStep[];
  /** The returned step (by `criterion`). */
  readonly chosenStep: number;
  /** The step the ELBO rule picks, the validation-best step, and the sparsest within tolerance of the best. */
  readonly evidenceStep: number;
  readonly validationBestStep: number;
  readonly sparsestWithinToleranceStep: number;
  /** The tolerance of `sparsestWithinToleranceStep`, in metric units (accuracy points as a fraction, or RMSE). */
  readonly tolerance: number;
  /** Test quality of the chosen model and of the full one, keyed by the metric's name. */
  readonly test: Partial<Record<MetricName | 'r2', number>>;
  readonly full: Partial<Record<MetricName | 'r2', number>>;
  /** Why the chosen step was chosen, in one sentence. */
  readonly reason: string;
}

/** The Belsley illustration of docs/methods.md §5 item 3, for its figure. */
export interface IllustrationResult {
  readonly columns: string[];
  /** Condition indices, ascending (Infinity for exact dependencies; JSON null). */
  readonly conditionIndices: number[];
  /** `proportions[j][k]`: parameter j's share of component k. */
  readonly proportions: number[][];
  readonly removed: string[];
  readonly kept: string[];
}

/** `results.json` of `prunus experiment`. */
export interface ExperimentResults {
  readonly format: 'prunus-experiment';
  readonly version: 1;
  readonly dataset: string;
  readonly task: Task;
  readonly metric: MetricName;
  /** Parameters of the full network, its sizes and hidden activation. */
  readonly parameters: number;
  readonly architecture: number[];
  readonly activation: string;
  /** Number of seeds, and which. */
  readonly seeds: number;
  readonly seedList: number[];
  /** Percentages of removed parameters; every per-level array is aligned with them. */
  readonly levels: number[];
  /** Fine-tuning epochs after each step (0: none, and no `fineTuned` arrays). */
  readonly fineTuneEpochs: number;
  /** The weights every method pruned: the MAP fit ŵ, or the variational posterior mean. */
  readonly weights: 'map' | 'posterior';
  readonly methods: Record<string, MethodSummary>;
  /** Test quality of the unpruned model, over seeds. */
  readonly full: { readonly mean: number; readonly std: number; readonly perSeed: number[] };
  /** Test quality of the trivial predictor (the training majority class, or the training mean), mean over seeds. */
  readonly trivial: number;
  /** The prior of each seed's MAP fit: the criterion, α per layer and s². */
  readonly prior: { readonly criterion: string; readonly alpha: number[][]; readonly noiseVariance: number[] };
  /** The structure search of each seed, when it was run. */
  readonly search?: SearchResult[];
  /** The Belsley illustration. */
  readonly illustration?: IllustrationResult;
  /** The command that made these results (without the flags that do not change them: --out, --workers, ...). */
  readonly command: string;
}

/**
 * How long an experiment took (`timing.json`, beside `results.json`): kept apart so that
 * `results.json` is identical whenever the same command is run again, on any number of workers.
 */
export interface ExperimentTiming {
  /** Wall-clock seconds of the whole run (0 for a collected run). */
  readonly seconds: number;
  readonly workers: number;
  /** Seconds per cell. */
  readonly cells: readonly { readonly method: string; readonly seed: number; readonly seconds: number }[];
}

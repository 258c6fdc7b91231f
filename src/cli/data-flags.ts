/**
 * The data input flags every data-taking command shares (docs/cli.md, "Data input"):
 * `--dataset NAME|PATH`, `--target COLUMN`, `--task classification|regression`,
 * `--test-fraction F`, `--seed S`, `--drop-missing`.
 *
 * A command spreads {@link DATA_OPTIONS} (or a subset) into its `parseArgs` options, turns the
 * values into {@link DataFlags} with {@link parseDataFlags}, and loads with {@link loadData}.
 */
import { loadDataset, MAX_INFERRED_CLASSES, type Dataset, type Task } from '../data/index.js';
import { parseNumberFlag, UserError } from './common.js';

/** `parseArgs` option definitions of the data flags. */
export const DATA_OPTIONS = {
  dataset: { type: 'string' },
  target: { type: 'string' },
  task: { type: 'string' },
  'test-fraction': { type: 'string' },
  seed: { type: 'string' },
  'drop-missing': { type: 'boolean', default: false },
} as const;

/** Usage lines of the data flags, for a command's `--help`. */
export const DATA_USAGE = `  --dataset NAME|PATH     wine, boston, digits, synthetic, friedman, or a CSV file with a header row
  --target COLUMN         the target column (default: the last column)
  --task TASK             classification or regression (default: inferred — integer targets
                          with at most ${MAX_INFERRED_CLASSES} distinct values are classes)
  --test-fraction F       share of rows held out for testing (default 0.25)
  --seed S                seed of the split, the initialization and all sampling (default 0)
  --drop-missing          drop rows with missing values instead of failing`;

/** The data flags, parsed and defaulted. */
export interface DataFlags {
  readonly dataset: string;
  readonly target?: string;
  readonly task?: Task;
  readonly testFraction: number;
  readonly seed: number;
  readonly dropMissing: boolean;
}

/** The raw `parseArgs` values of the data flags (any subset). */
export interface DataFlagValues {
  readonly dataset?: string | undefined;
  readonly target?: string | undefined;
  readonly task?: string | undefined;
  readonly 'test-fraction'?: string | undefined;
  readonly seed?: string | undefined;
  readonly 'drop-missing'?: boolean | undefined;
}

/**
 * Checks and defaults the data flags.
 * @throws {UserError} for a missing `--dataset`, an unknown `--task`, a `--test-fraction`
 *   outside (0, 1), or a `--seed` that is not an integer.
 */
export function parseDataFlags(values: DataFlagValues): DataFlags {
  const dataset = values.dataset;
  if (dataset === undefined || dataset.trim() === '') {
    throw new UserError('--dataset NAME|PATH is required (wine, boston, digits, synthetic, friedman, or a CSV file)');
  }
  const task = values.task;
  if (task !== undefined && task !== 'classification' && task !== 'regression') {
    throw new UserError(`--task: "${task}" is not a task (classification or regression)`);
  }
  const testFraction = parseNumberFlag('test-fraction', values['test-fraction'], 0.25, { min: 0, max: 1 });
  if (testFraction <= 0 || testFraction >= 1) throw new UserError(`--test-fraction: ${testFraction} is not strictly between 0 and 1`);
  const seed = parseNumberFlag('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 });
  return {
    dataset,
    ...(values.target !== undefined ? { target: values.target } : {}),
    ...(task !== undefined ? { task } : {}),
    testFraction,
    seed,
    dropMissing: values['drop-missing'] === true,
  };
}

/** A loaded data set and, when the task was inferred, the sentence saying so. */
export interface LoadedData {
  readonly dataset: Dataset;
  /** E.g. `task inferred: classification (target "class" has 3 distinct integer values)`; null when `--task` was given. */
  readonly inference: string | null;
}

/**
 * Loads the data set the flags name. The data layer's errors (file, line and column named)
 * pass through as one-line messages.
 */
export function loadData(flags: DataFlags): LoadedData {
  const dataset = loadDataset(flags.dataset, {
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.task !== undefined ? { task: flags.task } : {}),
    dropMissing: flags.dropMissing,
    seed: flags.seed,
  });
  return { dataset, inference: dataset.taskInferred ? inferenceNote(dataset) : null };
}

/**
 * Says on stderr what was inferred (human mode only: with `--json` the result carries
 * `"taskInferred": true` instead and stderr stays for progress).
 */
export function reportInference(command: string, loaded: LoadedData, json: boolean): void {
  if (loaded.inference !== null && !json) process.stderr.write(`prunus ${command}: ${loaded.inference}\n`);
}

/** Why the task was inferred as it was, in one line (docs/cli.md: say what was inferred). */
export function inferenceNote(dataset: Dataset): string {
  const target = `target "${dataset.target}"`;
  if (dataset.task === 'regression') {
    return `task inferred: regression (${target} is not all integers with at most ${MAX_INFERRED_CLASSES} distinct values; --task classification to override)`;
  }
  const classes = dataset.classes ?? [];
  const numeric = classes.every((c) => Number.isInteger(Number(c)) && c.trim() !== '');
  if (!numeric) return `task inferred: classification (${target} has ${classes.length} labels that are not all numbers)`;
  return `task inferred: classification (${target} has ${classes.length} distinct integer values; --task regression to override)`;
}

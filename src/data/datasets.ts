/**
 * `--dataset NAME|PATH`: the built-in sets (`wine`, `boston`, `digits` from the package's
 * `data/` folder, `synthetic` and `friedman` generated) or any CSV file with a header row.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { columnName, readFeatureTable, type FeatureTable } from './csv.js';
import type { Dataset, Task } from './dataset.js';
import { toDataset } from './dataset.js';
import { DataError } from './errors.js';
import type { SyntheticReading } from './synthetic.js';
import { generateSynthetic } from './synthetic.js';
import { generateFriedman } from './friedman.js';

/** Names that {@link loadDataset} resolves itself rather than as paths. */
export const BUILTIN_DATASETS = ['wine', 'boston', 'digits', 'synthetic', 'friedman'] as const;

/** One of {@link BUILTIN_DATASETS}. */
export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];

/** Options of {@link loadDataset}; the CLI's `--target`, `--task`, `--seed`. */
export interface LoadOptions {
  /** Target column (default: the last column). */
  readonly target?: string;
  /** Task (default: inferred, see {@link toDataset}). */
  readonly task?: Task;
  /** Drop rows with missing values instead of failing. */
  readonly dropMissing?: boolean;
  /** Seed of the generated `synthetic` set (default 0); files ignore it. */
  readonly seed?: number;
  /** Reading of the `synthetic` set (default `linear`); files ignore it. */
  readonly reading?: SyntheticReading;
}

/**
 * The package's `data/` folder. The module sits two levels below the package root both as
 * `src/data/datasets.ts` (tests) and as `dist/data/datasets.js` (built), and three levels
 * below it in the development build of benchmarks and scripts (`dist-bench/src/data/`).
 */
export const DATA_DIR: string = [new URL('../../data/', import.meta.url), new URL('../../../data/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(`${dir}wine.csv`)) ?? fileURLToPath(new URL('../../data/', import.meta.url));

/** True for a name {@link loadDataset} treats as built in. */
export function isBuiltinDataset(name: string): name is BuiltinDataset {
  return (BUILTIN_DATASETS as readonly string[]).includes(name);
}

/**
 * Loads a built-in data set by name, or a CSV file by path.
 *
 * @throws {DataError} for an unreadable or malformed file, an unknown target column, a
 *   non-numeric feature cell, a missing value (unless `dropMissing`), a file with no feature
 *   column, a column whose values are too far apart to standardize (their difference overflows),
 *   or options the synthetic set cannot honour (another target, classification).
 * @example
 * const wine = loadDataset('wine'); // 178 × 13, classification inferred, classes ['0', '1', '2']
 * const mine = loadDataset('runs/houses.csv', { target: 'price', task: 'regression' });
 */
export function loadDataset(nameOrPath: string, options: LoadOptions = {}): Dataset {
  if (nameOrPath === 'synthetic') {
    if (options.target !== undefined && options.target !== 'y') {
      throw new DataError(`synthetic: the only target is "y", not ${JSON.stringify(options.target)}`);
    }
    if (options.task === 'classification') throw new DataError('synthetic: the synthetic set is a regression task');
    return generateSynthetic({
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.reading !== undefined && { reading: options.reading }),
    });
  }
  if (nameOrPath === 'friedman') {
    if (options.target !== undefined && options.target !== 'y') throw new DataError(`friedman: the only target is "y", not ${JSON.stringify(options.target)}`);
    if (options.task === 'classification') throw new DataError('friedman: the friedman set is a regression task');
    return generateFriedman(options.seed !== undefined ? { seed: options.seed } : {});
  }
  const builtin = isBuiltinDataset(nameOrPath);
  const path = builtin ? `${DATA_DIR}${nameOrPath}.csv` : nameOrPath;
  const source = builtin ? `${nameOrPath}.csv` : nameOrPath;
  const features = readFeatureTable(path, {
    source,
    ...(options.target !== undefined && { target: options.target }),
    ...(options.dropMissing !== undefined && { dropMissing: options.dropMissing }),
  });
  if (features.m === 0) {
    throw new DataError(`${source}: no feature columns: the only column, ${columnName(features.target!)}, is the target`);
  }
  const dataset = toDataset(nameOrPath, features, options.task);
  checkSpans(dataset, features, source);
  return dataset;
}

/**
 * Refuses a column whose values are so far apart that their difference overflows a double
 * (beyond ±1.8e308): standardizing computes `x − mean`, which would be ±Infinity there, and the
 * network would then be trained and evaluated on infinities.
 * @throws {DataError} naming the column and the lines of its smallest and largest values.
 */
function checkSpans(dataset: Dataset, table: FeatureTable, source: string): void {
  const { n, m, x } = dataset;
  const columns = dataset.features.map((name, j) => ({ name, at: (i: number) => x[i * m + j]! }));
  if (dataset.task === 'regression') columns.push({ name: dataset.target, at: (i: number) => dataset.y[i]! });
  for (const { name, at } of columns) {
    let low = 0;
    let high = 0;
    for (let i = 1; i < n; i++) {
      if (at(i) < at(low)) low = i;
      if (at(i) > at(high)) high = i;
    }
    if (!Number.isFinite(at(high) - at(low))) {
      throw new DataError(
        `${source}, column ${columnName(name)}: the values ${at(low)} (line ${table.lines[low]}) and ${at(high)} (line ${table.lines[high]}) ` +
          'are too far apart to standardize (their difference overflows a double); rescale the column',
      );
    }
  }
}

/**
 * The `Dataset` every later layer consumes, and the step that turns a feature table's string
 * target into one: choosing (or inferring) the task and encoding class labels.
 */
import type { FeatureTable } from './csv.js';
import { columnName, notANumber, parseNumber } from './csv.js';
import { DataError, where } from './errors.js';

/** What the network predicts: a class (softmax output) or a real value. */
export type Task = 'classification' | 'regression';

/** A loaded data set: plain arrays, ready for splitting and scaling. */
export interface Dataset {
  /** Built-in name (`wine`, ...) or the path it was read from. */
  readonly name: string;
  readonly task: Task;
  /** True when `task` was inferred from the target values rather than asked for. */
  readonly taskInferred: boolean;
  /** Feature column names, in file order. */
  readonly features: string[];
  /** Target column name. */
  readonly target: string;
  /** Row-major `n × m` features. */
  readonly x: Float64Array;
  /** Number of rows. */
  readonly n: number;
  /** Number of features. */
  readonly m: number;
  /** Class index `0..C-1` (into `classes`) for classification, the target value for regression. */
  readonly y: Float64Array;
  /** Class labels in output order for classification, `null` for regression. */
  readonly classes: string[] | null;
  /** Rows dropped for missing values when loading (0 unless asked for). */
  readonly droppedRows: number;
}

/** Most distinct integer values a target may have and still be inferred as class labels (docs/cli.md). */
export const MAX_INFERRED_CLASSES = 20;

/**
 * Builds a {@link Dataset} from a feature table with a target column.
 *
 * Inference, when `task` is not given: a target whose values are all integers with at most
 * {@link MAX_INFERRED_CLASSES} distinct values is classification, other numbers regression;
 * a target that is not all numbers can only be class labels, so it is classification too.
 * Numeric labels are written canonically (`"1.0"` and `"1"` are the same class `"1"`) and
 * classes are sorted numerically when all numeric, else by string.
 *
 * @throws {DataError} for a regression target that is not a number (naming its line and
 *   column), or a classification target with fewer than two classes.
 */
export function toDataset(name: string, table: FeatureTable, task?: Task): Dataset {
  const { target, labels, lines, n } = table;
  if (target === null) throw new Error('toDataset: the feature table has no target column');
  const source = table.source ?? name;
  const values = labels.map(parseNumber);
  const allNumeric = values.every((v) => v !== undefined);
  let chosen = task;
  if (chosen === undefined) {
    const integers = allNumeric && values.every((v) => Number.isInteger(v));
    chosen = integers && new Set(values).size <= MAX_INFERRED_CLASSES ? 'classification' : allNumeric ? 'regression' : 'classification';
  }
  const common = {
    name,
    task: chosen,
    taskInferred: task === undefined,
    features: table.features,
    target,
    x: table.x,
    n,
    m: table.m,
    droppedRows: table.droppedRows,
  };
  if (chosen === 'regression') {
    const y = new Float64Array(n);
    values.forEach((v, i) => {
      if (v === undefined) {
        throw new DataError(`${where(source, lines[i]!)}, column ${columnName(target)}: ${notANumber(labels[i]!)} (a regression target must be a number)`);
      }
      y[i] = v;
    });
    return { ...common, y, classes: null };
  }
  const canonical = allNumeric ? values.map((v) => String(v)) : labels;
  const classes = [...new Set(canonical)];
  if (allNumeric) classes.sort((a, b) => Number(a) - Number(b));
  else classes.sort();
  if (classes.length < 2) {
    throw new DataError(`${source}: the target ${columnName(target)} has only one class (${JSON.stringify(classes[0])}); classification needs at least two`);
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  const y = Float64Array.from(canonical, (c) => index.get(c)!);
  return { ...common, y, classes };
}

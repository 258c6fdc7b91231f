/**
 * Seeded train/test and train/validation splits, stratified for classification so that small
 * data sets (Wine: 48 rows in its smallest class) keep their class proportions on both sides.
 */
import { Random } from '../random/random.js';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/** Options of {@link trainTestSplit} and {@link trainValidationSplit}. */
export interface SplitOptions {
  /** Share of the rows that goes to the held-out side (test or validation); default 0.25. */
  readonly fraction?: number;
  /** A seed (default 0) or a generator to draw from. */
  readonly seed?: number | Random;
  /** Split each class proportionally; default: true for classification, false for regression. */
  readonly stratify?: boolean;
}

/** Row indices of the two sides of a split, each sorted ascending, disjoint. */
export interface Split {
  readonly train: Int32Array;
  /** The held-out side: the test set, or the validation set for {@link trainValidationSplit}. */
  readonly heldOut: Int32Array;
}

/**
 * Splits all rows of a data set into training and test rows.
 * @throws {DataError} when the fraction is not strictly between 0 and 1 or leaves a side empty.
 * @example
 * const { train, heldOut: test } = trainTestSplit(loadDataset('wine'), { seed: 7 });
 */
export function trainTestSplit(data: Dataset, options: SplitOptions = {}): Split {
  return splitRows(data, Int32Array.from({ length: data.n }, (_, i) => i), options, 'test');
}

/**
 * Splits the given training rows further into training and validation rows (the validation
 * side is drawn from `rows` only, so test rows never leak in).
 * @throws {DataError} as {@link trainTestSplit}.
 */
export function trainValidationSplit(data: Dataset, rows: Int32Array, options: SplitOptions = {}): Split {
  return splitRows(data, rows, options, 'validation');
}

function splitRows(data: Dataset, rows: Int32Array, options: SplitOptions, side: string): Split {
  const { fraction = 0.25, seed = 0 } = options;
  if (!(fraction > 0 && fraction < 1)) {
    throw new DataError(`the ${side} fraction must be strictly between 0 and 1, got ${fraction}`);
  }
  const total = rows.length;
  const heldOutCount = Math.round(fraction * total);
  if (heldOutCount < 1 || heldOutCount > total - 1) {
    const empty = heldOutCount < 1 ? side : 'training';
    throw new DataError(`a ${side} fraction of ${fraction} of ${total} rows leaves the ${empty} side empty`);
  }
  const rng = typeof seed === 'number' ? new Random(seed) : seed;
  const stratify = options.stratify ?? data.task === 'classification';
  const groups = stratify ? groupByClass(data.y, rows) : [Array.from(rows)];
  const quotas = allocate(groups.map((g) => g.length), heldOutCount, rng);
  const heldOut: number[] = [];
  const train: number[] = [];
  groups.forEach((group, c) => {
    const order = rng.permutation(group.length);
    order.forEach((p, k) => (k < quotas[c]! ? heldOut : train).push(group[p]!));
  });
  const sorted = (a: number[]): Int32Array => Int32Array.from(a).sort();
  return { train: sorted(train), heldOut: sorted(heldOut) };
}

/** The rows of each class present among `rows`, in class order. */
function groupByClass(y: Float64Array, rows: Int32Array): number[][] {
  const byClass = new Map<number, number[]>();
  for (const r of rows) {
    const c = y[r]!;
    const group = byClass.get(c);
    if (group === undefined) byClass.set(c, [r]);
    else group.push(r);
  }
  return [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
}

/**
 * How many rows of each group go to the held-out side. Largest remainder: each group first
 * gets `floor(total·size/all)` (integer arithmetic, so an exact share is not lost to rounding),
 * then the rest one by one by largest remainder, ties in random order so no class is
 * favoured; so each count is the floor or the ceiling of the group's share. Every group keeps
 * at least one training row whenever the other groups can give rows instead (this may push a
 * big group past its ceiling); only when that is impossible does a group lose its last one.
 */
function allocate(sizes: number[], total: number, rng: Random): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  const quotas = sizes.map((s) => Math.floor((total * s) / all));
  const tieBreak = rng.permutation(sizes.length);
  const order = sizes
    .map((s, c) => ({ c, remainder: total * s - quotas[c]! * all }))
    .sort((a, b) => b.remainder - a.remainder || tieBreak[a.c]! - tieBreak[b.c]!)
    .map((e) => e.c);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const fill = (limit: (c: number) => number): void => {
    for (let progress = true; left > 0 && progress; ) {
      progress = false;
      for (const c of order) {
        if (left > 0 && quotas[c]! < limit(c)) {
          quotas[c]!++;
          left--;
          progress = true;
        }
      }
    }
  };
  fill((c) => sizes[c]! - 1);
  fill((c) => sizes[c]!);
  return quotas;
}

/** The rows `indices` of a row-major matrix with `m` columns, as a new matrix. */
export function takeRows(x: Float64Array, m: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * m);
  for (let k = 0; k < indices.length; k++) {
    const r = indices[k]!;
    out.set(x.subarray(r * m, (r + 1) * m), k * m);
  }
  return out;
}

/** The data set restricted to rows `indices` (in that order); names, task and classes are shared. */
export function subsetDataset(data: Dataset, indices: ArrayLike<number>): Dataset {
  return { ...data, x: takeRows(data.x, data.m, indices), y: takeRows(data.y, 1, indices), n: indices.length };
}

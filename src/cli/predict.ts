/**
 * `prunus predict`: a saved model's predictions on a data set, with test metrics when the data
 * has the model's target column (docs/cli.md).
 */
import { parseArgs } from 'node:util';
import {
  DATA_DIR, isBuiltinDataset, loadDataset, parseNumber, readFeatureTable,
} from '../data/index.js';
import { argmaxRow, computeMetrics, type Metrics } from '../nn/metrics.js';
import { predictRaw, type Model } from '../nn/model.js';
import { readModelFile } from '../nn/modelfile.js';
import { chunked } from '../data/json.js';
import { formatMetrics, memoryLine, parseNumberFlag, peakMemory, toJson, UserError, type Command } from './common.js';
import { createProgress } from './progress.js';

const usage = `Usage: prunus predict --model M --dataset D [--target COLUMN] [--drop-missing] [--json]

Predicts every row of a data set with a saved model (prunus-mlp version 1): class labels and
probabilities (in the model's class order) for a classifier, values in the target's own units for
a regressor. The data needs the model's feature columns (found by name; other columns are
ignored). When it also has the target column, the metrics are reported (accuracy, or rmse and r2).

Options:
  --model FILE            the model file
  --dataset NAME|PATH     wine, boston, digits, synthetic, friedman, or a CSV file with a header row
  --target COLUMN         the target column (default: the model's target; metrics need it)
  --drop-missing          drop rows with missing values instead of failing
  --seed S                seed of the generated synthetic set (default 0)
  --rows N                rows shown in the table (default 10; --json always has all)
  --json                  machine-readable result on stdout
  --quiet                 no progress on stderr`;

/** The `prunus predict` command. */
export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict a data set with a saved model (and measure it when the data has the target)',
  usage,
  async run(args: string[]): Promise<number> {
    const flags = parseFlags(args);
    const model = readModelFile(flags.model);
    const data = readForModel(model, flags);
    const outputs = predictInChunks(model, data.x, data.n, flags.quiet);
    checkFinite(model, data, outputs);
    const truth = data.labels === null ? null : truthOf(model, data);
    const metrics = truth === null ? null : computeMetrics(model.task, outputs, truth);
    const classes = model.classes;

    if (flags.json) {
      const fields = {
        model: flags.model,
        dataset: flags.dataset,
        task: model.task,
        target: model.target,
        ...(classes === null ? {} : { classes }),
        rows: data.n,
        droppedRows: data.droppedRows,
        predictions: PREDICTIONS,
        metrics,
      };
      for (const chunk of chunked(resultPieces(fields, predictionLines(model, outputs, data.n)))) process.stdout.write(chunk);
      return 0;
    }
    process.stdout.write([...table(model, flags, data, outputs, metrics), memoryLine()].join('\n') + '\n');
    return 0;
  },
};

interface Flags {
  readonly model: string;
  readonly dataset: string;
  readonly target?: string;
  readonly dropMissing: boolean;
  readonly seed: number;
  readonly rows: number;
  readonly json: boolean;
  readonly quiet: boolean;
}

function parseFlags(args: string[]): Flags {
  // Unknown or malformed flags throw; main() reports any error as one line with exit 1.
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      dataset: { type: 'string' },
      target: { type: 'string' },
      'drop-missing': { type: 'boolean', default: false },
      seed: { type: 'string' },
      rows: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.model === undefined || values.model.trim() === '') throw new UserError('--model FILE is required (a model saved by prunus train)');
  if (values.dataset === undefined || values.dataset.trim() === '') {
    throw new UserError('--dataset NAME|PATH is required (wine, boston, digits, synthetic, friedman, or a CSV file)');
  }
  return {
    model: values.model,
    dataset: values.dataset,
    ...(values.target !== undefined ? { target: values.target } : {}),
    dropMissing: values['drop-missing'],
    seed: parseNumberFlag('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 }),
    rows: parseNumberFlag('rows', values.rows, 10, { integer: true, min: 0 }),
    json: values.json,
    quiet: values.quiet,
  };
}

/** Where the predictions go among the fields of the `--json` result. */
const PREDICTIONS = Symbol('predictions');

/**
 * The `--json` result in pieces, one prediction per line (indenting inside every prediction
 * would spread a classifier's result over five lines a row), the predictions made as they are
 * written: 10 000 rows of 10 classes are some 2.5 MB of text, never held as one string. The
 * peak memory is the last field.
 */
function* resultPieces(fields: Record<string, unknown>, predictions: Iterable<string>): Generator<string> {
  yield '{\n';
  for (const [key, value] of Object.entries(fields)) {
    yield `  ${JSON.stringify(key)}: `;
    if (value !== PREDICTIONS) {
      yield `${toJson(value, 0)},\n`;
      continue;
    }
    let first = true;
    for (const line of predictions) {
      yield `${first ? '[\n' : ',\n'}    ${line}`;
      first = false;
    }
    yield first ? '[],\n' : '\n  ],\n';
  }
  yield `  "memory": ${toJson(peakMemory(), 0)}\n}\n`;
}

/** Each row's prediction as one line of JSON: `{"label":…,"probabilities":[…]}`, or a number. */
function* predictionLines(model: Model, outputs: Float64Array, n: number): Generator<string> {
  const classes = model.classes;
  if (classes === null) {
    for (let i = 0; i < n; i++) yield toJson(outputs[i]!, 0);
    return;
  }
  const width = classes.length;
  for (let i = 0; i < n; i++) {
    const label = classes[argmaxRow(outputs, i * width, width)]!;
    yield toJson({ label, probabilities: outputs.subarray(i * width, (i + 1) * width) }, 0);
  }
}

/** Feature rows in the model's column order, and the target cells when the data has them. */
interface PredictData {
  readonly source: string;
  /** Raw features, row-major `[n × model features]`. */
  readonly x: Float64Array;
  readonly n: number;
  /** Target cells as written (null when the data has no target column). */
  readonly labels: string[] | null;
  /** 1-based file line of each row, when read from a file. */
  readonly lines: number[] | null;
  readonly droppedRows: number;
}

/**
 * Reads the data set with the columns the model needs. Only the model's features and the
 * target are parsed, so other columns (ids, notes) may hold anything; without the target
 * column the features alone are read and no metrics are computed.
 */
function readForModel(model: Model, flags: Flags): PredictData {
  const targetName = flags.target ?? model.target;
  if (flags.dataset === 'synthetic') {
    const dataset = loadDataset('synthetic', { seed: flags.seed });
    const source = 'synthetic';
    const columns = model.features.map((f) => dataset.features.indexOf(f));
    const missing = model.features.filter((_, c) => columns[c]! < 0);
    if (missing.length > 0) throw new UserError(missingColumns(source, missing, model));
    const m = model.features.length;
    const x = new Float64Array(dataset.n * m);
    for (let i = 0; i < dataset.n; i++) for (let c = 0; c < m; c++) x[i * m + c] = dataset.x[i * dataset.m + columns[c]!]!;
    const hasTarget = targetName === dataset.target;
    if (!hasTarget && flags.target !== undefined) throw new UserError(`synthetic: no column "${flags.target}" (its target is "${dataset.target}")`);
    return { source, x, n: dataset.n, labels: hasTarget ? Array.from(dataset.y, String) : null, lines: null, droppedRows: 0 };
  }
  const builtin = isBuiltinDataset(flags.dataset);
  const source = builtin ? `${flags.dataset}.csv` : flags.dataset;
  let hasTarget = false;
  // Read in one pass, converting only the model's columns and the target as each row is read.
  const features = readFeatureTable(builtin ? `${DATA_DIR}${flags.dataset}.csv` : flags.dataset, {
    source,
    dropMissing: flags.dropMissing,
    select: (header) => {
      const missing = model.features.filter((f) => !header.includes(f));
      if (missing.length > 0) throw new UserError(missingColumns(source, missing, model));
      hasTarget = header.includes(targetName) && !model.features.includes(targetName);
      if (!hasTarget && flags.target !== undefined) {
        throw new UserError(`${source}: no column "${flags.target}" to use as the target; the columns are ${header.map((h) => `"${h}"`).join(', ')}`);
      }
      return { features: model.features, target: hasTarget ? targetName : null };
    },
  });
  return { source, x: features.x, n: features.n, labels: hasTarget ? features.labels : null, lines: features.lines, droppedRows: features.droppedRows };
}

function missingColumns(source: string, missing: string[], model: Model): string {
  const shown = missing.slice(0, 5).map((f) => `"${f}"`).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
  return `${source}: no column ${shown}, which the model needs (it takes ${model.features.length} features by name)`;
}

/** Class indices (into the model's classes) or raw target values, from the target cells. */
function truthOf(model: Model, data: PredictData): Float64Array {
  const labels = data.labels!;
  const at = (i: number): string => rowPlace(data, i);
  if (model.classes === null) {
    return Float64Array.from(labels, (cell, i) => {
      const v = parseNumber(cell);
      if (v === undefined) throw new UserError(`${at(i)}, column "${model.target}": ${JSON.stringify(cell)} is not a number (a regression target must be)`);
      return v;
    });
  }
  const classes = model.classes;
  return Float64Array.from(labels, (cell, i) => {
    // Numeric labels are written canonically in the model ("1.0" in a file is class "1").
    let k = classes.indexOf(cell);
    const v = parseNumber(cell);
    if (k < 0 && v !== undefined) k = classes.indexOf(String(v));
    if (k < 0) throw new UserError(`${at(i)}, column "${model.target}": class ${JSON.stringify(cell)} is not one the model knows (${classes.join(', ')})`);
    return k;
  });
}

/** `data.csv line 12`, or `synthetic row 3` for generated data: where a row came from. */
function rowPlace(data: PredictData, i: number): string {
  return data.lines === null ? `${data.source} row ${i + 1}` : `${data.source} line ${data.lines[i]}`;
}

/**
 * Refuses a prediction that is not a finite number, naming its row: a valid model whose weights
 * or scaling are huge can overflow on some inputs, and JSON would print the NaN or Infinity as
 * null — a number silently lost.
 * @throws {UserError} naming the first such row.
 */
function checkFinite(model: Model, data: PredictData, outputs: Float64Array): void {
  const k = outputs.findIndex((v) => !Number.isFinite(v));
  if (k < 0) return;
  const row = Math.floor(k / (model.classes?.length ?? 1));
  throw new UserError(`${rowPlace(data, row)}: the model's prediction is not a finite number (its weights or scaling overflow on this row)`);
}

/** `predictRaw` over chunks of rows, so a large data set shows progress. */
function predictInChunks(model: Model, x: Float64Array, n: number, quiet: boolean): Float64Array {
  const m = model.features.length;
  const width = model.classes?.length ?? 1;
  const out = new Float64Array(n * width);
  const chunk = 4096;
  const progress = createProgress('prunus predict', { quiet });
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      out.set(predictRaw(model, x.subarray(start * m, end * m)), start * width);
      progress.update(end, n, 'predicting');
    }
  } finally {
    progress.done();
  }
  return out;
}

/**
 * A regression prediction for the table: six significant digits, but never fewer than the
 * integer part and one decimal, so a target at the 1e6 scale (1002437.2) is not shown rounded to
 * tens (1002440) as if that were the prediction.
 */
export function formatPrediction(v: number): string {
  const integerDigits = Math.abs(v) >= 1 ? Math.floor(Math.log10(Math.abs(v))) + 1 : 0;
  return Number(v.toPrecision(Math.min(17, Math.max(6, integerDigits + 1)))).toString();
}

/** The human output: the first rows and the metrics. */
function table(model: Model, flags: Flags, data: PredictData, outputs: Float64Array, metrics: Metrics | null): string[] {
  const net = model.network;
  const lines = [
    `model: ${flags.model} (${model.task}, ${net.sizes.join('-')}, ${net.activeCount} of ${net.parameterCount} parameters active)`,
    `data: ${data.source}, ${data.n} rows${data.droppedRows > 0 ? ` (${data.droppedRows} with missing values dropped)` : ''}`,
    '',
  ];
  const classes = model.classes;
  const width = classes?.length ?? 1;
  const shown = Math.min(flags.rows, data.n);
  const place = data.lines === null ? 'row' : 'line';
  const header = [place.padStart(6), 'prediction'.padStart(12), ...(classes !== null ? ['probability'.padStart(12)] : []), ...(data.labels !== null ? ['actual'.padStart(12)] : [])];
  if (shown > 0) lines.push(header.join('  '));
  for (let i = 0; i < shown; i++) {
    const where = String(data.lines === null ? i + 1 : data.lines[i]!).padStart(6);
    const cells = [where];
    if (classes !== null) {
      const k = argmaxRow(outputs, i * width, width);
      cells.push(classes[k]!.padStart(12), outputs[i * width + k]!.toFixed(3).padStart(12));
    } else {
      cells.push(formatPrediction(outputs[i]!).padStart(12));
    }
    if (data.labels !== null) cells.push(data.labels[i]!.padStart(12));
    lines.push(cells.join('  '));
  }
  if (data.n > shown) lines.push(`(${data.n - shown} more rows; --json for all)`);
  lines.push('');
  lines.push(metrics === null ? `no "${flags.target ?? model.target}" column in the data: no metrics` : `${formatMetrics(metrics)} on ${data.n} rows`);
  return lines;
}


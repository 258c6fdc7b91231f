/**
 * `prunus export`: a model as a file another runtime loads — ONNX, a TensorFlow.js
 * LayersModel, or a dependency-free ES module — shrunk first, optionally with int8 weights,
 * and optionally measured on a data set against the prunus model.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../data/index.js';
import { EXPORT_FORMATS, exportedEquivalent, exportModel, quantizeInt8, toJsModule, type ExportFormat, type ExportOptions } from '../export/index.js';
import { computeMetrics, type Metrics } from '../nn/metrics.js';
import { predictRaw, type Model } from '../nn/model.js';
import { readModelFile } from '../nn/modelfile.js';
import { shrinkModel, type ShrinkResult } from '../pruning/shrink.js';
import { formatMetrics, formatNumber, memoryLine, peakMemory, printJson, UserError, type Command, checkOutputFile } from './common.js';
import { shrinkLines, writeFilesAtomic } from './shrink.js';

const usage = `Usage: prunus export --model M --format onnx|tfjs|js --out PATH [--precision float32|float64]
                    [--quantize int8] [--no-shrink] [--dataset D] [--force] [--json]

Writes a model for another runtime. Every format takes raw feature rows (the model's input
scaling is part of it) and returns what prunus predict returns: class probabilities in the
model's class order, or the target in its own units.

  onnx   one .onnx file (opset 13): input "features" [N × features], output "probabilities"
         [N × classes] or "prediction" [N × 1]; float32 or float64; int8 weights optional
  tfjs   a folder with model.json and weights.bin (a TensorFlow.js LayersModel; float32)
  js     one ES module without dependencies exporting predict(row) -> {label, probabilities}
         or a number (as one element of prunus predict --json); weights dense or sparse,
         whichever is smaller; float32 or float64; int8 weights optional

The model is shrunk first (the hidden units and inputs that pruning cut off removed; the same
function), unless --no-shrink.

Options:
  --model FILE            the model file (prunus-mlp version 1)
  --format F              onnx, tfjs or js
  --out PATH              the file to write (onnx, js), or the folder (tfjs; created if needed)
  --precision P           float32 (default) or float64 (onnx and js)
  --quantize int8         int8 weights with one scale per layer (onnx and js; float32)
  --no-shrink             keep the architecture as it is (pruned weights written as zeros)
  --dataset NAME|PATH     also predict this data with prunus and with the export's numbers
                          (its weights as written) and report both metrics
  --drop-missing          with --dataset: drop rows with missing values instead of failing
  --force                 overwrite existing output files
  --json                  machine-readable result on stdout
  --quiet                 no notes on stderr`;

/** The `prunus export` command. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write a model as ONNX, a TensorFlow.js LayersModel or a plain JavaScript module',
  usage,
  async run(args: string[]): Promise<number> {
    const flags = parseFlags(args);
    const files = outputPaths(flags);
    const original = readModelFile(flags.model);
    const shrink: ShrinkResult | null = flags.shrink ? shrinkModel(original) : null;
    const model = shrink?.model ?? original;
    const exported = await exportModel(model, flags.format, flags.options);
    // Measured before writing, so a bad --dataset leaves nothing behind.
    const evaluation = flags.dataset === undefined ? null : evaluate(original, exportedEquivalent(model, flags.options), flags.dataset, flags.dropMissing);
    writeFilesAtomic(exported.map((file) => ({ path: file.name === null ? flags.out : join(flags.out, file.name), contents: file.contents })));
    const written = files.map((path) => ({ path, bytes: statSync(path).size }));
    const quantization = flags.options.quantize === 'int8'
      ? model.network.layers.map((_, l) => {
          const q = quantizeInt8(model.network.weight(l));
          return { layer: l + 1, scale: q.scale, maxError: q.maxError };
        })
      : null;
    const result = {
      model: flags.model,
      format: flags.format,
      out: flags.out,
      files: written,
      bytes: written.reduce((total, f) => total + f.bytes, 0),
      precision: flags.options.precision ?? 'float32',
      quantize: flags.options.quantize ?? null,
      shrink: shrink === null ? null : {
        before: { ...shrink.before, bytes: statSync(flags.model).size },
        after: shrink.after,
        removedUnits: shrink.removedUnits.map((u) => u.name),
        removedFeatures: shrink.removedFeatures,
      },
      ...(flags.format === 'js' ? { layers: toJsModule(model, flags.options).layers } : {}),
      quantization,
      evaluation,
    };
    if (flags.json) {
      printJson({ ...result, memory: peakMemory() });
      return 0;
    }
    const lines = [`wrote ${written.map((f) => `${f.path} (${f.bytes} bytes)`).join(', ')}: ${flags.format}, ${flags.options.quantize === 'int8' ? 'int8 weights' : result.precision}`];
    if (shrink !== null && shrink.removedUnits.length + shrink.removedFeatures.length === 0) lines.push(`shrunk first: nothing to remove (${shrink.after.sizes.join('-')})`);
    else if (shrink !== null) lines.push('shrunk first:', ...shrinkLines(shrink, result.shrink!.before).map((line) => `  ${line}`));
    if (quantization !== null) lines.push(`int8 scales: ${quantization.map((q) => `layer ${q.layer} ${formatNumber(q.scale)} (largest error ${formatNumber(q.maxError)})`).join(', ')}`);
    if (evaluation !== null) {
      lines.push(`on ${evaluation.dataset} (${evaluation.rows} rows): prunus ${formatMetrics(evaluation.prunus)}; export ${formatMetrics(evaluation.exported)}; largest prediction change ${formatNumber(evaluation.largestChange)}`);
    }
    lines.push(memoryLine());
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

interface Flags {
  readonly model: string;
  readonly format: ExportFormat;
  readonly out: string;
  readonly options: ExportOptions;
  readonly shrink: boolean;
  readonly dataset?: string;
  readonly dropMissing: boolean;
  readonly force: boolean;
  readonly json: boolean;
}

function parseFlags(args: string[]): Flags {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      precision: { type: 'string' },
      quantize: { type: 'string' },
      'no-shrink': { type: 'boolean', default: false },
      dataset: { type: 'string' },
      'drop-missing': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.model === undefined || values.model.trim() === '') throw new UserError('--model FILE is required (the model to export)');
  const format = values.format;
  if (format === undefined) throw new UserError(`--format is required (${EXPORT_FORMATS.join(', ')})`);
  if (!EXPORT_FORMATS.includes(format as ExportFormat)) throw new UserError(`--format: "${format}" is not a format (${EXPORT_FORMATS.join(', ')})`);
  if (values.out === undefined || values.out.trim() === '') throw new UserError(`--out PATH is required (${format === 'tfjs' ? 'the folder for model.json and weights.bin' : 'the file to write'})`);
  const precision = values.precision;
  if (precision !== undefined && precision !== 'float32' && precision !== 'float64') throw new UserError(`--precision: "${precision}" is not a precision (float32 or float64)`);
  if (values.quantize !== undefined && values.quantize !== 'int8') throw new UserError(`--quantize: "${values.quantize}" is not offered (int8)`);
  if (values['drop-missing'] && values.dataset === undefined) throw new UserError('--drop-missing needs --dataset');
  // The combinations the exporters refuse, refused here before any work, in their words.
  if (format === 'tfjs' && precision === 'float64') throw new UserError('--precision: tfjs export: precision float64 is not supported (float32)');
  if (format === 'tfjs' && values.quantize !== undefined) throw new UserError('--quantize: tfjs export: int8 quantization is offered for onnx and js only');
  if (precision === 'float64' && values.quantize !== undefined) throw new UserError('--quantize: int8 weights are dequantized to float32; use precision float32');
  return {
    model: values.model,
    format: format as ExportFormat,
    out: values.out,
    options: { ...(precision !== undefined ? { precision } : {}), ...(values.quantize !== undefined ? { quantize: 'int8' as const } : {}) },
    shrink: !values['no-shrink'],
    ...(values.dataset !== undefined ? { dataset: values.dataset } : {}),
    dropMissing: values['drop-missing'],
    force: values.force,
    json: values.json,
  };
}

/** The files the export will write, checked before any work: none may exist unless --force. */
function outputPaths(flags: Flags): string[] {
  if (flags.format !== 'tfjs') {
    checkOutputFile(flags.out, flags.force);
    return [flags.out];
  }
  if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new UserError(`--out: ${flags.out} is a file; tfjs writes a folder (model.json and weights.bin)`);
  const paths = [join(flags.out, 'model.json'), join(flags.out, 'weights.bin')];
  if (!existsSync(dirname(flags.out))) throw new UserError(`--out: the folder ${dirname(flags.out)} does not exist`);
  if (existsSync(flags.out)) for (const path of paths) checkOutputFile(path, flags.force);
  return paths;
}

/** Metrics of the prunus model and of the export's numbers on every row of a data set. */
function evaluate(original: Model, exported: Model, dataset: string, dropMissing: boolean) {
  const data = loadDataset(dataset, { target: original.target, task: original.task, dropMissing });
  const rowsFor = (model: Model): Float64Array => {
    const columns = model.features.map((name) => data.features.indexOf(name));
    const missing = model.features.filter((_, k) => columns[k]! < 0);
    if (missing.length > 0) throw new UserError(`${dataset}: no column ${missing.map((f) => `"${f}"`).join(', ')}, which the model needs`);
    return Float64Array.from({ length: data.n * columns.length }, (_, k) => data.x[Math.floor(k / columns.length) * data.m + columns[k % columns.length]!]!);
  };
  let truth = data.y;
  if (original.classes !== null) {
    const classes = original.classes;
    truth = data.y.map((index) => {
      const k = classes.indexOf(data.classes![index]!);
      if (k < 0) throw new UserError(`${dataset}: class "${data.classes![index]}" is not one the model knows (${classes.join(', ')})`);
      return k;
    });
  }
  const before = predictRaw(original, rowsFor(original));
  const after = predictRaw(exported, rowsFor(exported));
  let largestChange = 0;
  before.forEach((v, k) => (largestChange = Math.max(largestChange, Math.abs(v - after[k]!))));
  const prunus: Metrics = computeMetrics(original.task, before, truth);
  return { dataset, rows: data.n, prunus, exported: computeMetrics(original.task, after, truth), largestChange };
}

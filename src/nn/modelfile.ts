/**
 * The `prunus-mlp` version 1 model file (docs/cli.md): a {@link Model} to JSON and back.
 *
 * Reading validates every field and every number before a network is built, and each error
 * names the file and the JSON path of the offending value (`model.json: layers[1].weight[2]
 * has 15 values, expected 16`), so a hand-edited or foreign file fails with a message that
 * says what to fix rather than with NaN predictions later.
 *
 * Optional fields this module writes and reads back (other readers may ignore them):
 * - `noiseVariance`: the regression noise variance in standardized target units;
 * - `training`: free-form training metadata (an object);
 * - the variational posterior, per layer: `sigma` (`[out][in]`, the weights' σ) and
 *   `sigmaBias` (`[out]`), plus `posteriorMean` and `posteriorMeanBias` (same shapes) when the
 *   posterior mean differs from the layer's `weight`/`bias` (it is those otherwise).
 *   A file has all of them in every layer or in none.
 *
 * Numbers are written in JavaScript's shortest round-trip form, so every Float64 survives a
 * write and a read exactly and a reloaded model predicts bit for bit what the saved one did.
 */
import { readFileSync } from 'node:fs';
import { decodeUtf8 } from '../data/files.js';
import { jsonPieces, writePiecesAtomic } from '../data/json.js';
import type { Standardizer, TargetScaling, Task } from '../data/index.js';
import { ACTIVATIONS, MLP, type Activation } from './mlp.js';
import type { Model, Posterior } from './model.js';

/** The `format` field of every model file. */
export const MODEL_FORMAT = 'prunus-mlp';

/** The one version of {@link MODEL_FORMAT} this module reads and writes. */
export const MODEL_VERSION = 1;

/** Deepest nesting of the free-form `training` metadata a model file may have (objects and arrays). */
export const MAX_METADATA_DEPTH = 64;

/** A model file that cannot be read or used; the message names the file and the JSON path. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * The model as a plain JSON-ready object of the `prunus-mlp` v1 format. Masks are included
 * only when some parameter is pruned; the posterior, noise variance and training metadata
 * only when the model has them.
 * @throws {Error} when a parameter (or σ) is not a finite number — JSON could not hold it.
 */
export function modelToJson(model: Model): Record<string, unknown> {
  return modelDocument(model, (values) => Array.from(values));
}

/**
 * The document of {@link modelToJson}, with each weight row, bias and σ made by `vector` from
 * a view of the model's buffers: copied into arrays for callers that want plain JSON, passed
 * as the views themselves to the writer (which serializes typed arrays as arrays).
 */
function modelDocument<V>(model: Model, vector: (values: Float64Array) => V): Record<string, unknown> {
  const net = model.network;
  const pruned = net.activeCount < net.parameterCount;
  const posterior = model.posterior;
  const meanDiffers = posterior !== undefined && posterior.mean.some((v, j) => v !== net.params[j]);
  net.params.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new Error(`cannot save the model: parameter ${net.parameterName(j)} is ${v}`);
  });
  posterior?.sigma.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new Error(`cannot save the model: posterior σ of ${net.parameterName(j)} is ${v}`);
  });
  posterior?.mean.forEach((v, j) => {
    if (!Number.isFinite(v)) throw new Error(`cannot save the model: posterior mean of ${net.parameterName(j)} is ${v}`);
  });
  const layers = net.layers.map((layer) => {
    const matrix = (values: Float64Array): V[] =>
      Array.from({ length: layer.outputs }, (_, r) => vector(values.subarray(layer.weightOffset + r * layer.inputs, layer.weightOffset + (r + 1) * layer.inputs)));
    const bias = (values: Float64Array): V => vector(values.subarray(layer.biasOffset, layer.biasOffset + layer.outputs));
    return {
      weight: matrix(net.params),
      bias: bias(net.params),
      activation: layer.activation,
      ...(pruned ? { weightMask: matrix(net.mask), biasMask: bias(net.mask) } : {}),
      ...(posterior !== undefined ? { sigma: matrix(posterior.sigma), sigmaBias: bias(posterior.sigma) } : {}),
      ...(posterior !== undefined && meanDiffers ? { posteriorMean: matrix(posterior.mean), posteriorMeanBias: bias(posterior.mean) } : {}),
    };
  });
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    task: model.task,
    features: [...model.features],
    target: model.target,
    classes: model.classes === null ? null : [...model.classes],
    inputScaling: model.inputScaling === null ? null : { mean: [...model.inputScaling.mean], std: [...model.inputScaling.std] },
    targetScaling: model.targetScaling === null ? null : { mean: model.targetScaling.mean, std: model.targetScaling.std },
    layers,
    ...(model.noiseVariance !== undefined ? { noiseVariance: model.noiseVariance } : {}),
    ...(model.training !== undefined ? { training: model.training } : {}),
  };
}

/**
 * The model file's text in pieces (see {@link formatModelFile}): two-space indented JSON with
 * every array of numbers (a weight row, a bias, a mean) on one line. The pieces are made from
 * views of the network's buffers as they are written, so a large model is never held as one
 * string nor copied into arrays.
 * @throws {Error} when a parameter (or σ) is not a finite number (before the first piece).
 */
export function modelFilePieces(model: Model): Generator<string> {
  const document = modelDocument(model, (values) => values);
  return (function* () {
    yield* jsonPieces(document);
    yield '\n';
  })();
}

/**
 * The model file's text: two-space indented JSON with every array of numbers (a weight row,
 * a bias, a mean) on one line, so a file stays readable and diffs stay local.
 */
export function formatModelFile(model: Model): string {
  return Array.from(modelFilePieces(model)).join('');
}

/**
 * Writes the model file through a temporary file in the same folder and a rename, so an error
 * never leaves a half-written model behind; the text is written in pieces as it is made
 * ({@link modelFilePieces}), so a large model is never one string in memory.
 * @throws {ModelFileError} when the file cannot be written (naming the path and the reason).
 */
export function writeModelFile(path: string, model: Model): void {
  // Checked before the temporary file is opened: a model JSON cannot hold is not a write error.
  const pieces = modelFilePieces(model);
  try {
    writePiecesAtomic(path, pieces);
  } catch (err) {
    throw new ModelFileError((err as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Reads and validates a model file.
 * @throws {ModelFileError} when the file cannot be read, is not UTF-8 (naming the first bad
 *   byte), is not JSON, or is not a valid `prunus-mlp` v1 model (see {@link parseModelJson}).
 */
export function readModelFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ModelFileError(`cannot read model ${path}: ${reason}`);
  }
  // Strictly, as CSV files are read: a lenient decoder would turn a bad byte in a feature name
  // or class label into U+FFFD without a word.
  const decoded = decodeUtf8(bytes);
  if ('problem' in decoded) {
    const { byte, offset, line } = decoded.problem;
    throw new ModelFileError(`${path}: not UTF-8 text (byte ${byte} at offset ${offset}, line ${line})`);
  }
  return parseModelJson(decoded.text, path);
}

/**
 * Parses and validates the text of a model file; `source` (the file name) prefixes every error.
 *
 * Checked: `format` is `prunus-mlp` and `version` is 1; `task`; `features` (distinct strings,
 * as many as the first layer's inputs); `target`; `classes` (classification: distinct strings,
 * as many as the last layer's outputs; regression: null, with one output); `inputScaling` (null
 * or finite `mean`/`std` per feature, std > 0); `targetScaling` (classification: null;
 * regression: null or finite `{mean, std}`, std > 0); every layer's `weight` `[out][in]`
 * (inputs = the previous layer's outputs), `bias` `[out]`, finite numbers, a known
 * `activation`, the last one `identity`; optional `weightMask`/`biasMask` of the same shapes
 * holding 0 or 1, with exactly 0 under every 0; the optional fields listed in the module
 * comment. Unknown fields are ignored.
 * @throws {ModelFileError} naming `source` and the JSON path of the first problem.
 */
export function parseModelJson(text: string, source: string): Model {
  let json: unknown;
  try {
    // A byte-order mark (editors on Windows write one) is not part of the JSON.
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // V8 quotes the text around the error, line breaks and all: escaped, the message stays one line.
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\r\n|\r|\n/g, (b) => JSON.stringify(b).slice(1, -1));
    throw new ModelFileError(`${source}: not valid JSON (${reason})`);
  }
  return new Reader(source).model(json);
}

/**
 * Appends `values` to `target` one by one: `push(...values)` passes every value as an argument
 * and overflows the call stack for a layer of a few hundred thousand weights.
 */
function append(target: number[], values: readonly number[]): void {
  for (const v of values) target.push(v);
}

/**
 * What a JSON value is, for messages: `"abc"`, `null`, `an array`, `an object`, and for a
 * number JSON.parse read as ±Infinity (`1e400`), what it is rather than `null`, which is how
 * JSON.stringify would spell it.
 */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isFinite(value)) return `a number too large for a double (beyond ±${Number.MAX_VALUE.toPrecision(3)})`;
  const s = JSON.stringify(value);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Validates the parsed JSON, turning every problem into a {@link ModelFileError}. */
class Reader {
  constructor(private readonly source: string) {}

  private fail(path: string, problem: string): never {
    throw new ModelFileError(`${this.source}: ${path === '' ? '' : `${path} `}${problem}`);
  }

  private object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `is ${describe(value)}, expected an object`);
    return value as Record<string, unknown>;
  }

  private array(value: unknown, path: string, length?: number, why = ''): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `is ${describe(value)}, expected an array`);
    if (length !== undefined && value.length !== length) this.fail(path, `has ${value.length} values, expected ${length}${why}`);
    return value;
  }

  private string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, `is ${describe(value)}, expected a string`);
    return value;
  }

  private number(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, `is ${describe(value)}, expected a finite number`);
    return value;
  }

  private positive(value: unknown, path: string): number {
    const v = this.number(value, path);
    if (!(v > 0)) this.fail(path, `is ${v}, expected a number > 0`);
    return v;
  }

  private numbers(value: unknown, path: string, length?: number, why = ''): number[] {
    const values = this.array(value, path, length, why);
    // The path of an entry is only spelled out for the one that fails: building it for each of
    // a large layer's weights would cost more than the check.
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) this.number(v, `${path}[${k}]`);
    }
    return values as number[];
  }

  /** An `[rows][columns]` matrix of finite numbers, flattened row-major. */
  private matrix(value: unknown, path: string, rows: number | undefined, columns: number | undefined, why = ''): { values: number[]; rows: number; columns: number } {
    const outer = this.array(value, path, rows);
    if (outer.length === 0) this.fail(path, 'is empty, expected at least one row');
    const width = columns ?? this.array(outer[0], `${path}[0]`).length;
    if (width === 0) this.fail(`${path}[0]`, 'is empty, expected at least one value');
    const values: number[] = [];
    outer.forEach((row, r) => append(values, this.numbers(row, `${path}[${r}]`, width, why)));
    return { values, rows: outer.length, columns: width };
  }

  private strings(value: unknown, path: string, length?: number, why = ''): string[] {
    const names = this.array(value, path, length, why).map((v, k) => this.string(v, `${path}[${k}]`));
    const seen = new Set<string>();
    names.forEach((name, k) => {
      if (seen.has(name)) this.fail(`${path}[${k}]`, `repeats ${JSON.stringify(name)}`);
      seen.add(name);
    });
    return names;
  }

  /** Mask values: each 0 or 1. */
  private mask(value: unknown, path: string, rows: number, columns: number | undefined): number[] {
    const entries = columns === undefined ? this.numbers(value, path, rows) : this.matrix(value, path, rows, columns).values;
    entries.forEach((v, k) => {
      if (v !== 0 && v !== 1) this.fail(columns === undefined ? `${path}[${k}]` : `${path}[${Math.floor(k / columns)}][${k % columns}]`, `is ${v}, expected 0 or 1`);
    });
    return entries;
  }

  model(json: unknown): Model {
    const root = this.object(json, 'the top level');
    if (root['format'] !== MODEL_FORMAT) this.fail('format', `is ${describe(root['format'])}, expected "${MODEL_FORMAT}" (not a prunus model file)`);
    if (root['version'] === undefined) this.fail('version', `is missing, expected ${MODEL_VERSION}`);
    if (root['version'] !== MODEL_VERSION) {
      this.fail('', `unsupported version ${describe(root['version'])} of ${MODEL_FORMAT} (this prunus reads version ${MODEL_VERSION})`);
    }
    const task = root['task'];
    if (task !== 'classification' && task !== 'regression') this.fail('task', `is ${describe(task)}, expected "classification" or "regression"`);
    const features = this.strings(root['features'], 'features');
    if (features.length === 0) this.fail('features', 'is empty, expected the input column names');
    const target = this.string(root['target'], 'target');

    // Layers: the sizes chain from the features through every layer.
    const layersJson = this.array(root['layers'], 'layers');
    if (layersJson.length === 0) this.fail('layers', 'is empty, expected at least one layer');
    const sizes = [features.length];
    const activations: Activation[] = [];
    const params: number[] = [];
    const mask: number[] = [];
    const sigma: number[] = [];
    const mean: number[] = [];
    let posteriorLayers = 0;
    layersJson.forEach((value, l) => {
      const path = `layers[${l}]`;
      const layer = this.object(value, path);
      const inputs = sizes[l]!;
      const why = l === 0 ? ` (one per feature: features has ${inputs} names)` : ` (the outputs of layers[${l - 1}])`;
      const weight = this.matrix(layer['weight'], `${path}.weight`, undefined, inputs, why);
      const outputs = weight.rows;
      const bias = this.numbers(layer['bias'], `${path}.bias`, outputs, ` (one per row of ${path}.weight)`);
      const activation = layer['activation'];
      if (!ACTIVATIONS.includes(activation as Activation)) {
        this.fail(`${path}.activation`, `is ${describe(activation)}, expected one of ${ACTIVATIONS.map((a) => `"${a}"`).join(', ')}`);
      }
      const hasWeightMask = layer['weightMask'] !== undefined;
      if (hasWeightMask !== (layer['biasMask'] !== undefined)) {
        this.fail(path, `has ${hasWeightMask ? 'weightMask but no biasMask' : 'biasMask but no weightMask'} (give both or neither)`);
      }
      const weightMask = hasWeightMask ? this.mask(layer['weightMask'], `${path}.weightMask`, outputs, inputs) : weight.values.map(() => 1);
      const biasMask = hasWeightMask ? this.mask(layer['biasMask'], `${path}.biasMask`, outputs, undefined) : bias.map(() => 1);
      weight.values.forEach((w, k) => {
        if (weightMask[k] === 0 && w !== 0) {
          const at = `[${Math.floor(k / inputs)}][${k % inputs}]`;
          this.fail(`${path}.weight${at}`, `is ${w} but ${path}.weightMask${at} is 0 (a pruned parameter must be exactly 0)`);
        }
      });
      bias.forEach((b, k) => {
        if (biasMask[k] === 0 && b !== 0) this.fail(`${path}.bias[${k}]`, `is ${b} but ${path}.biasMask[${k}] is 0 (a pruned parameter must be exactly 0)`);
      });
      if (layer['sigma'] !== undefined) {
        posteriorLayers++;
        append(sigma, this.nonNegative(this.matrix(layer['sigma'], `${path}.sigma`, outputs, inputs).values, `${path}.sigma`, inputs));
        append(sigma, this.nonNegative(this.numbers(layer['sigmaBias'], `${path}.sigmaBias`, outputs), `${path}.sigmaBias`));
        const hasMean = layer['posteriorMean'] !== undefined || layer['posteriorMeanBias'] !== undefined;
        append(mean, hasMean ? this.matrix(layer['posteriorMean'], `${path}.posteriorMean`, outputs, inputs).values : weight.values);
        append(mean, hasMean ? this.numbers(layer['posteriorMeanBias'], `${path}.posteriorMeanBias`, outputs) : bias);
      } else if (layer['sigmaBias'] !== undefined || layer['posteriorMean'] !== undefined || layer['posteriorMeanBias'] !== undefined) {
        this.fail(path, 'has posterior fields but no sigma');
      }
      sizes.push(outputs);
      activations.push(activation as Activation);
      append(params, weight.values);
      append(params, bias);
      append(mask, weightMask);
      append(mask, biasMask);
    });
    const last = layersJson.length - 1;
    if (activations[last] !== 'identity') {
      this.fail(`layers[${last}].activation`, `is "${activations[last]}", expected "identity" (the last layer is linear; softmax belongs to the loss)`);
    }
    if (posteriorLayers !== 0 && posteriorLayers !== layersJson.length) {
      this.fail('layers', `has a posterior sigma in ${posteriorLayers} of ${layersJson.length} layers (give it in every layer or none)`);
    }
    const outputs = sizes[sizes.length - 1]!;

    let classes: string[] | null = null;
    if (task === 'classification') {
      classes = this.strings(root['classes'], 'classes', outputs, ` (one per output of layers[${last}])`);
      if (classes.length < 2) this.fail('classes', `has ${classes.length} label, expected at least 2`);
    } else {
      if (root['classes'] !== null) this.fail('classes', `is ${describe(root['classes'])}, expected null for a regression model`);
      if (outputs !== 1) this.fail(`layers[${last}].weight`, `has ${outputs} rows, expected 1 (a regression model has one output)`);
    }
    const inputScaling = this.inputScaling(root['inputScaling'], features.length);
    const targetScaling = this.targetScaling(root['targetScaling'], task);

    const noise = root['noiseVariance'];
    const training = root['training'];
    const network = new MLP(sizes, activations, Float64Array.from(params), Float64Array.from(mask));
    const posterior: Posterior | undefined = posteriorLayers > 0 ? { mean: Float64Array.from(mean), sigma: Float64Array.from(sigma) } : undefined;
    return {
      network,
      task,
      features,
      target,
      classes,
      inputScaling,
      targetScaling,
      ...(noise !== undefined ? { noiseVariance: this.positive(noise, 'noiseVariance') } : {}),
      ...(posterior !== undefined ? { posterior } : {}),
      ...(training !== undefined ? { training: this.metadata(training, 'training') } : {}),
    };
  }

  /**
   * Free-form metadata: an object of any JSON, nested at most {@link MAX_METADATA_DEPTH} levels —
   * it is written back with the model (prunus shrink, select), and writing is recursive: a file
   * nested 100 000 levels deep was read, then failed with "Maximum call stack size exceeded".
   */
  private metadata(value: unknown, path: string): Record<string, unknown> {
    const object = this.object(value, path);
    // Depth first with an explicit stack, so that the check itself cannot overflow.
    const stack: { node: unknown; depth: number }[] = [{ node: object, depth: 1 }];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      if (top.depth > MAX_METADATA_DEPTH) this.fail(path, `is nested more than ${MAX_METADATA_DEPTH} levels deep (free-form metadata, but it is written back with the model)`);
      if (top.node !== null && typeof top.node === 'object') for (const child of Object.values(top.node)) stack.push({ node: child, depth: top.depth + 1 });
    }
    return object;
  }

  private nonNegative(values: number[], path: string, columns?: number): number[] {
    values.forEach((v, k) => {
      if (v < 0) this.fail(columns === undefined ? `${path}[${k}]` : `${path}[${Math.floor(k / columns)}][${k % columns}]`, `is ${v}, expected a standard deviation ≥ 0`);
    });
    return values;
  }

  private inputScaling(value: unknown, m: number): Standardizer | null {
    if (value === null) return null;
    if (value === undefined) this.fail('inputScaling', 'is missing (null when the inputs are used as they are)');
    const scaling = this.object(value, 'inputScaling');
    const why = ` (one per feature: features has ${m} names)`;
    const mean = this.numbers(scaling['mean'], 'inputScaling.mean', m, why);
    const std = this.numbers(scaling['std'], 'inputScaling.std', m, why);
    std.forEach((s, k) => {
      if (!(s > 0)) this.fail(`inputScaling.std[${k}]`, `is ${s}, expected a number > 0`);
    });
    return { mean, std };
  }

  private targetScaling(value: unknown, task: Task): TargetScaling | null {
    if (value === null) return null;
    if (value === undefined) this.fail('targetScaling', `is missing (${task === 'regression' ? '{ "mean", "std" }, or null' : 'null for a classifier'})`);
    if (task === 'classification') this.fail('targetScaling', `is ${describe(value)}, expected null for a classification model`);
    const scaling = this.object(value, 'targetScaling');
    return { mean: this.number(scaling['mean'], 'targetScaling.mean'), std: this.positive(scaling['std'], 'targetScaling.std') };
  }
}

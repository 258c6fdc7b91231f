/**
 * Fuzzing the `prunus-mlp` model file reader (src/nn/modelfile.ts) and the commands that read
 * model files: a file is either refused with one line naming the file and the JSON path, or
 * read into a model that predicts exactly what an independent forward pass over the file's
 * numbers predicts (and, unedited, bit for bit what the model it was written from predicts).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, MLP, type Activation } from '../../src/nn/mlp.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { formatModelFile, ModelFileError, parseModelJson, readModelFile } from '../../src/nn/modelfile.js';
import { runCli } from '../helpers/cli.js';
import { CaseCounter, expectCleanFailure, expectNoEngineError, expectNoGiveaways, params, scratchFolder, trickyString } from './fuzz.js';

const counter = new CaseCounter('model file reader');
const folder = scratchFolder('modelfile');
afterAll(() => {
  counter.report();
  rmSync(folder, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Generated models

/** Moderate weights with exact zeros often (a pruned parameter must be exactly 0). */
const weight = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) }).map((v) => (v === 0 ? 0 : v));

/** A valid model: 1–4 features, 0–2 hidden layers of 1–4 units, masks, scaling, a posterior at times. */
const generatedModel: fc.Arbitrary<Model> = fc
  .record({
    features: fc.uniqueArray(trickyString(5), { minLength: 1, maxLength: 4 }),
    hidden: fc.array(fc.record({ width: fc.integer({ min: 1, max: 4 }), activation: fc.constantFrom(...ACTIVATIONS) }), { maxLength: 2 }),
    task: fc.constantFrom('classification' as const, 'regression' as const),
    classes: fc.uniqueArray(trickyString(4), { minLength: 2, maxLength: 4 }),
    scaled: fc.boolean(),
    targetScaled: fc.boolean(),
    pruned: fc.boolean(),
    posterior: fc.boolean(),
    noise: fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }),
    training: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), { nil: undefined }),
    seed: fc.nat(),
  })
  .chain((spec) => {
    const outputs = spec.task === 'classification' ? spec.classes.length : 1;
    const sizes = [spec.features.length, ...spec.hidden.map((h) => h.width), outputs];
    const activations: Activation[] = [...spec.hidden.map((h) => h.activation), 'identity'];
    const count = sizes.slice(1).reduce((total, out, l) => total + out * (sizes[l]! + 1), 0);
    const m = spec.features.length;
    return fc
      .record({
        params: fc.array(weight, { minLength: count, maxLength: count }),
        mask: fc.array(fc.constantFrom(0, 1, 1, 1), { minLength: count, maxLength: count }),
        sigma: fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: count, maxLength: count }),
        shift: fc.array(fc.oneof(fc.constant(0), weight), { minLength: count, maxLength: count }),
        mean: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: m, maxLength: m }),
        std: fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: m, maxLength: m }),
        target: fc.record({ mean: fc.double({ min: -100, max: 100, noNaN: true }), std: fc.double({ min: 0.01, max: 100, noNaN: true }) }),
      })
      .map((values): Model => {
        const mask = Float64Array.from(spec.pruned ? values.mask : values.mask.map(() => 1));
        const network = new MLP(sizes, activations, Float64Array.from(values.params), mask);
        const posterior = spec.posterior
          ? { mean: Float64Array.from(network.params, (w, j) => (mask[j] === 0 ? 0 : w + values.shift[j]!)), sigma: Float64Array.from(values.sigma, (s, j) => (mask[j] === 0 ? 0 : s)) }
          : undefined;
        return {
          network,
          task: spec.task,
          features: spec.features,
          target: 'y',
          classes: spec.task === 'classification' ? spec.classes : null,
          inputScaling: spec.scaled ? { mean: values.mean, std: values.std } : null,
          targetScaling: spec.task === 'regression' && spec.targetScaled ? values.target : null,
          ...(spec.noise !== undefined ? { noiseVariance: spec.noise } : {}),
          ...(posterior !== undefined ? { posterior } : {}),
          ...(spec.training !== undefined ? { training: spec.training } : {}),
        };
      });
  });

/** Raw input rows for a model with `m` features. */
const inputRows = (m: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: m, maxLength: m }), { minLength: 1, maxLength: 4 });

// ---------------------------------------------------------------------------------------------
// The independent forward pass

/**
 * What a `prunus-mlp` file predicts, computed from the file's JSON alone (docs/cli.md): inputs
 * scaled `(x − mean)/std`, each layer `act(W x + b)` with `W` `[out][in]`, then softmax for a
 * classifier or `mean + std · z` for a regressor. `scale` is the largest magnitude of any term
 * on the way, which bounds the rounding a different summation order can cause.
 */
function referencePredict(json: any, rows: number[][]): { outputs: number[]; scale: number } {
  const outputs: number[] = [];
  let scale = 1;
  const note = (v: number): number => {
    scale = Math.max(scale, Math.abs(v));
    return v;
  };
  const act: Record<string, (z: number) => number> = {
    tanh: Math.tanh,
    relu: (z) => (z > 0 ? z : 0),
    sigmoid: (z) => 1 / (1 + Math.exp(-z)),
    identity: (z) => z,
  };
  for (const row of rows) {
    let v = row.map((x, k) => note(json.inputScaling === null ? x : (x - json.inputScaling.mean[k]) / json.inputScaling.std[k]));
    for (const layer of json.layers) {
      v = (layer.weight as number[][]).map((w, o) => act[layer.activation]!(note(w.reduce((s, wi, i) => note(s + note(wi * v[i]!)), 0) + layer.bias[o])));
    }
    if (json.task === 'classification') {
      const top = Math.max(...v);
      const e = v.map((z) => Math.exp(z - top));
      const total = e.reduce((a, b) => a + b, 0);
      outputs.push(...e.map((x) => x / total));
    } else {
      const t = json.targetScaling;
      outputs.push(t === null ? v[0]! : note(t.mean + note(t.std * v[0]!)));
    }
  }
  return { outputs, scale };
}

/**
 * Checks a model read from `json` against the independent forward pass: equal to the rounding
 * of a different summation order (1e-12 of the largest term; a float64 sum of a handful of
 * terms is exact to a few 1e-16 of it). Where a term passes 1e300 the order decides what
 * overflows, and only agreement on which outputs are finite is asked.
 */
function expectPredictsAsFile(model: Model, json: any, rows: number[][]): void {
  const got = Array.from(predictRaw(model, Float64Array.from(rows.flat())));
  const { outputs, scale } = referencePredict(json, rows);
  expect(got).toHaveLength(outputs.length);
  if (scale > 1e300) return;
  got.forEach((v, k) => {
    const want = outputs[k]!;
    if (!Number.isFinite(want) || !Number.isFinite(v)) expect(v).toBe(want);
    else expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-12 * scale);
  });
}

// ---------------------------------------------------------------------------------------------
// Mutations

/** Every path in a JSON value, as keys and indices from the top (the first 20 entries of a long array). */
function pathsOf(value: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(value)) value.slice(0, 20).forEach((v, k) => pathsOf(v, [...path, k], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

/** Raw JSON tokens a value cannot be turned into by JSON.stringify: they are spliced into the text. */
const RAW_TOKENS = [
  '1e400', '-1e400', '1e-400', '-0', '0.0', '1E+2', '5e-324', '1.7976931348623157e308', '1' + '0'.repeat(400),
  '['.repeat(5000) + ']'.repeat(5000), `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
  // Huge arrays: 100 000 numbers, and 300 rows of 300.
  `[${new Array(100_000).fill('0.5').join(',')}]`, `[${new Array(300).fill(`[${new Array(300).fill('1').join(',')}]`).join(',')}]`,
];

/** Replacement values: wrong types, edges, raw tokens (huge numbers and arrays, deep nesting: as placeholders). */
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, -1, 0.5, 2, 1e308, -1e308, 5e-324, '', '0', '1', 'NaN', 'Infinity', 'tanh', 'identity', 'relu', 'prunus-mlp', 'classification', 'regression', [], [0], [1, 0], [[0]], [[1, 1]], {}, { mean: [0], std: [1] }, { mean: 0, std: 1 }),
  fc.constantFrom(...RAW_TOKENS.map((_, k) => `__RAW${k}__`)),
  fc.jsonValue({ maxDepth: 3 }),
);

type Mutation =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete' | 'duplicate'; at: number }
  | { kind: 'copy'; at: number; from: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: replacement }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), at: fc.nat(), from: fc.nat() }) },
);

/** Applies a mutation to a JSON value in place (at a path chosen by index among all paths). */
function applyMutation(root: any, m: Mutation): any {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length]!;
  // A copy of the value: fast-check hands out the same constant objects to every case, and an
  // edit inside one would otherwise change it for the cases after (even into a cycle).
  if (path.length === 0) return m.kind === 'set' ? structuredClone(m.value) : root;
  const parent = path.slice(0, -1).reduce((node, key) => node[key], root);
  const key = path[path.length - 1]!;
  switch (m.kind) {
    case 'set':
      parent[key] = structuredClone(m.value);
      break;
    case 'copy':
      parent[key] = structuredClone(paths[m.from % paths.length]!.reduce((node: any, k) => node[k], root));
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
      else parent[`${String(key)}Copy`] = structuredClone(parent[key]);
      break;
  }
  return root;
}

/** JSON text of a value with the raw-token placeholders spliced in. */
function textOf(json: unknown): string {
  return JSON.stringify(json).replace(/"__RAW(\d+)__"/g, (_, k: string) => RAW_TOKENS[Number(k)]!);
}

/**
 * Parses `text` with the reader and checks the outcome: a one-line ModelFileError naming the
 * source (no giveaway words, and no "is null" for a number that was not null), or a model
 * predicting what the file says. Returns the model, or null when refused.
 */
function expectReadOrRefused(text: string, rows: number[][]): Model | null {
  let model: Model;
  try {
    model = parseModelJson(text, 'model.json');
  } catch (err) {
    if (!(err instanceof ModelFileError)) throw err;
    expect(err.message.startsWith('model.json: ')).toBe(true);
    expect(err.message).not.toMatch(/[\r\n]/);
    expectNoGiveaways(err.message, [text]);
    expectNoEngineError(err.message);
    // JSON.parse reads 1e400 as Infinity, which JSON.stringify writes as null: a message
    // saying "is null" must be about a null the file holds.
    if (/ is null,/.test(err.message)) expect(text).toMatch(/\bnull\b/);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new Error('the reader accepted text that is not JSON');
  }
  const m = model.features.length;
  expectPredictsAsFile(model, json, rows.map((row) => Array.from({ length: m }, (_, k) => row[k % row.length]!)));
  return model;
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: the model file reader', () => {
  it('reads every generated model back exactly: predictions bit for bit, and as the file says', () => {
    fc.assert(
      fc.property(generatedModel.chain((model) => fc.tuple(fc.constant(model), inputRows(model.features.length))), ([model, rows]) => {
        counter.tick();
        const text = formatModelFile(model);
        const copy = parseModelJson(text, 'model.json');
        const raw = Float64Array.from(rows.flat());
        expect(predictRaw(copy, raw)).toEqual(predictRaw(model, raw));
        expect(copy.network.mask).toEqual(model.network.mask);
        expect(copy.posterior).toEqual(model.posterior);
        expect(copy.features).toEqual(model.features);
        expect(copy.classes).toEqual(model.classes);
        expectPredictsAsFile(copy, JSON.parse(text), rows);
      }),
      params(0x30d1, 300),
    );
  });

  it('a model edited at random JSON paths (wrong types, nulls, huge arrays and numbers, deep nesting, deleted or duplicated entries) is refused naming the path, or predicts as the file says', () => {
    fc.assert(
      fc.property(generatedModel, fc.array(mutation, { minLength: 1, maxLength: 3 }), inputRows(4), (model, mutations, rows) => {
        counter.tick();
        const json = mutations.reduce(applyMutation, JSON.parse(formatModelFile(model)));
        expectReadOrRefused(textOf(json), rows);
      }),
      params(0x30d2, 1000),
    );
  });

  it('masks that disagree with the weights are refused naming both paths', () => {
    fc.assert(
      fc.property(generatedModel, fc.nat(), fc.double({ min: -3, max: 3, noNaN: true }).filter((v) => v !== 0), (model, at, value) => {
        counter.tick();
        const json = JSON.parse(formatModelFile(model));
        const l = at % json.layers.length;
        const layer = json.layers[l];
        layer.weightMask ??= layer.weight.map((row: number[]) => row.map(() => 1));
        layer.biasMask ??= layer.bias.map(() => 1);
        const r = at % layer.weight.length;
        const c = at % layer.weight[0].length;
        // A pruned weight that is not zero: mask 0 under a non-zero weight.
        layer.weightMask[r][c] = 0;
        layer.weight[r][c] = value;
        expect(() => parseModelJson(JSON.stringify(json), 'model.json')).toThrow(
          `model.json: layers[${l}].weight[${r}][${c}] is ${value} but layers[${l}].weightMask[${r}][${c}] is 0 (a pruned parameter must be exactly 0)`,
        );
      }),
      params(0x30d3, 200),
    );
  });

  it('truncated and edited text, and a byte-order mark, are refused as not JSON or read as the file says', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constantFrom('insert' as const, 'replace' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.constantFrom(',', ']', '}', '[', '{', '"', ':', '0', '-', 'e', '1e400', 'null', ' ', '\n', '\\', '\uFEFF') }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('bom' as const) }),
    );
    fc.assert(
      fc.property(generatedModel, fc.array(edit, { minLength: 1, maxLength: 2 }), inputRows(4), (model, edits, rows) => {
        counter.tick();
        let text = formatModelFile(model);
        for (const e of edits) {
          if (e.kind === 'bom') {
            text = `\uFEFF${text}`;
            continue;
          }
          const k = Math.floor(e.at * (text.length + 1));
          text = e.kind === 'truncate' ? text.slice(0, k) : e.kind === 'delete' ? text.slice(0, k) + text.slice(k + 1) : text.slice(0, k) + e.text + text.slice(e.kind === 'replace' ? k + 1 : k);
        }
        expectReadOrRefused(text, rows);
      }),
      params(0x30d4, 500),
    );
  });

  it('a model file with bytes that are not UTF-8 is refused naming the file and where; UTF-8 (with a BOM) is read', () => {
    const bad = fc.constantFrom([0xff], [0xc3], [0xe9], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0x80]);
    fc.assert(
      fc.property(generatedModel, fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), bad), { nil: undefined }), fc.boolean(), (model, insert, bom) => {
        counter.tick();
        let bytes = Buffer.from((bom ? '\uFEFF' : '') + formatModelFile(model), 'utf8');
        if (insert !== undefined) {
          const k = Math.floor(insert[0] * (bytes.length + 1));
          bytes = Buffer.concat([bytes.subarray(0, k), Buffer.from(insert[1]), bytes.subarray(k)]);
        }
        const path = join(folder, 'bytes.json');
        writeFileSync(path, bytes);
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        if (!valid) {
          expect(() => readModelFile(path)).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not UTF-8 text \\(byte 0x[0-9A-F]{2} at offset \\d+, line \\d+\\)`));
          return;
        }
        if (insert === undefined) {
          // A file as written, with or without a byte-order mark, reads back to the same model.
          const zeros = new Float64Array(model.features.length);
          expect(predictRaw(readModelFile(path), zeros)).toEqual(predictRaw(model, zeros));
        }
      }),
      params(0x30d5, 150),
    );
  });
});

describe('fuzz: commands that read model files', () => {
  it("free-form training metadata (any JSON, nested 100 000 deep, a training.data record of wrong types) is kept through shrink and used or ignored by relevance, or refused in one line", async () => {
    // Each field mostly present and mostly valid (the first value), so that the record is often usable.
    const field = (...values: unknown[]): fc.Arbitrary<unknown> =>
      fc.option(fc.oneof({ weight: 3, arbitrary: fc.constant(values[0]) }, { weight: 1, arbitrary: fc.constantFrom(...values) }), { nil: undefined, freq: 12 });
    const record = fc.record(
      {
        dataset: field('DATA', 'wine', 7),
        target: field('y', 'z', null),
        seed: field(0, 3, -1, 1.5, 1e300, '0'),
        testFraction: field(0.25, 0.5, 1e-300, 0.999, 0, 1, 'x'),
        validationFraction: field(0, 0.2, 0.5, 5, -1, 'x', null, 1e-300),
        rows: field(8, 7, 0, -1, 1e9),
        trainRows: field(6, 5, 4, 8, 0),
        testRows: field(2, 3, 4, 0),
        validationRows: field(0, 1, 2),
        features: field(2, 1, 3),
        droppedRows: field(0, 1),
      },
    );
    const training = fc.oneof(
      record.map((data) => ({ data })),
      fc.constantFrom('DEEP', 'ARRAY', 'STRING'),
      fc.jsonValue({ maxDepth: 4 }).map((value) => ({ data: value, alpha: value })),
      fc.record({ alpha: fc.oneof(fc.constantFrom(-1, 0, 1e308, 'x', null), fc.array(fc.double(), { maxLength: 3 })) }),
    );
    const command = fc.constantFrom('shrink' as const, 'relevance' as const, 'predict' as const);
    await fc.assert(
      fc.asyncProperty(training, command, fc.integer({ min: 0, max: 2 ** 32 - 1 }), async (meta, which, seed) => {
        counter.tick();
        // A trained-looking 2-3-2 classifier on columns a and b; the data has 8 rows.
        const data = join(folder, 'training-data.csv');
        writeFileSync(data, 'a,b,y\n0,1,0\n1,0,1\n2,1,0\n3,0,1\n0.5,2,0\n1.5,2,1\n2.5,0,0\n3.5,1,1\n');
        const network = MLP.initialized([2, 3, 2], ['tanh', 'identity'], new (await import('../../src/random/random.js')).Random(seed));
        const model: Model = { network, task: 'classification', features: ['a', 'b'], target: 'y', classes: ['0', '1'], inputScaling: null, targetScaling: null };
        const metaText = meta === 'DEEP' ? `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}` : meta === 'ARRAY' ? '[1,2]' : meta === 'STRING' ? '"x"' : JSON.stringify(meta).replaceAll('"DATA"', JSON.stringify(data));
        const text = formatModelFile(model).replace(/\n}\n$/, () => `,\n  "training": ${metaText}\n}\n`);
        const path = join(folder, 'training.json');
        writeFileSync(path, text);
        const out = join(folder, 'training-shrunk.json');
        const args =
          which === 'shrink' ? ['shrink', '--model', path, '--out', out, '--force', '--json']
          : which === 'predict' ? ['predict', '--model', path, '--dataset', data, '--json', '--quiet']
          : ['relevance', '--model', path, '--dataset', data, '--method', 'magnitude', '--json', '--quiet'];
        const result = await runCli(args);
        if (result.code !== 0) {
          expectCleanFailure(args, result, [text]);
          return;
        }
        expect(result.stderr).toBe('');
        if (which === 'shrink') {
          // What was kept is readable, with the same training metadata.
          expect(readModelFile(out).training).toEqual(parseModelJson(text, path).training);
        } else if (which === 'relevance') {
          const json = JSON.parse(result.stdout) as { scores: number[]; rows: number };
          expect(json.scores).toEqual(Array.from(network.params, Math.abs));
          expect(json.rows).toBeGreaterThan(0);
          expect(json.rows).toBeLessThanOrEqual(8);
        }
      }),
      params(0x30d7, 150),
    );
  }, 120_000);

  it('predict with weights and scaling up to ±1.8e308 (and a std of 5e-324) prints finite predictions as the file says, or refuses the row that overflows', async () => {
    const extreme = fc.constantFrom(1, -1, 0.5, 3, 1e154, 1e300, 1e308, -1e308, Number.MAX_VALUE, -Number.MAX_VALUE);
    const std = fc.constantFrom(1, 0.5, 1e-300, 5e-324, 1e300, Number.MAX_VALUE);
    const spec = fc.record({
      task: fc.constantFrom('classification' as const, 'regression' as const),
      activation: fc.constantFrom(...ACTIVATIONS),
      params: fc.array(extreme, { minLength: 13, maxLength: 13 }),
      inputMean: fc.tuple(extreme, extreme),
      inputStd: fc.tuple(std, std),
      target: fc.record({ mean: extreme, std }),
      rows: fc.array(fc.tuple(extreme, extreme), { minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        counter.tick();
        // 2-3-1 (regression) or 2-2-2 (classification: 3·2+2 + 2·2+2 = 14 parameters, the last one 0).
        const sizes = s.task === 'regression' ? [2, 3, 1] : [2, 2, 2];
        const count = s.task === 'regression' ? 13 : 12;
        const network = new MLP(sizes, [s.activation, 'identity'], Float64Array.from(s.params.slice(0, count)));
        const model: Model = {
          network, task: s.task, features: ['a', 'b'], target: 'y', classes: s.task === 'classification' ? ['0', '1'] : null,
          inputScaling: { mean: [...s.inputMean], std: [...s.inputStd] }, targetScaling: s.task === 'regression' ? s.target : null,
        };
        const path = join(folder, 'extreme.json');
        writeFileSync(path, formatModelFile(model));
        const data = join(folder, 'extreme.csv');
        writeFileSync(data, `a,b\n${s.rows.map((r) => r.join(',')).join('\n')}\n`);
        const args = ['predict', '--model', path, '--dataset', data, '--json', '--quiet'];
        const result = await runCli(args);
        const expected = Array.from(predictRaw(model, Float64Array.from(s.rows.flat())));
        if (expected.every(Number.isFinite)) {
          expect(result.code).toBe(0);
          const json = JSON.parse(result.stdout) as { predictions: (number | { probabilities: number[] })[] };
          expect(json.predictions.flatMap((p) => (typeof p === 'number' ? [p] : p.probabilities))).toEqual(expected);
          return;
        }
        // A prediction that overflowed is not printed as null: the row is named.
        const width = s.task === 'regression' ? 1 : 2;
        const row = Math.floor(expected.findIndex((v) => !Number.isFinite(v)) / width);
        const line = expectCleanFailure(args, result);
        expect(line).toContain(`${data} line ${row + 2}: `);
        expect(line).toContain('not a finite number');
      }),
      params(0x30d8, 150),
    );
  });

  it('relevance of a model with weights up to ±1.8e308 gives a finite score to every active parameter (null only where pruned), or refuses in one line', async () => {
    const extreme = fc.constantFrom(0, 1, -1, 0.5, 3, 1e100, 1e154, 1e200, -1e300, Number.MAX_VALUE);
    const spec = fc.record({
      task: fc.constantFrom('classification' as const, 'regression' as const),
      activation: fc.constantFrom(...ACTIVATIONS),
      params: fc.array(extreme, { minLength: 13, maxLength: 13 }),
      pruned: fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
      method: fc.constantFrom('obd', 'obs', 'belsley', 'magnitude', 'random'),
    });
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        counter.tick();
        const sizes = s.task === 'regression' ? [2, 3, 1] : [2, 2, 2];
        const count = s.task === 'regression' ? 13 : 12;
        const mask = Float64Array.from(s.pruned.slice(0, count), (p) => (p ? 0 : 1));
        const network = new MLP(sizes, [s.activation, 'identity'], Float64Array.from(s.params.slice(0, count)), mask);
        const model: Model = {
          network, task: s.task, features: ['a', 'b'], target: 'y', classes: s.task === 'classification' ? ['0', '1'] : null, inputScaling: null, targetScaling: null,
        };
        const path = join(folder, 'extreme-relevance.json');
        writeFileSync(path, formatModelFile(model));
        const data = join(folder, 'extreme-relevance.csv');
        writeFileSync(data, 'a,b,y\n0.5,1,0\n-1,2,1\n2,-0.5,0\n1,1,1\n');
        const args = ['relevance', '--model', path, '--dataset', data, '--method', s.method, '--rows', 'all', '--json', '--quiet'];
        const result = await runCli(args);
        if (result.code !== 0) {
          expectCleanFailure(args, result);
          return;
        }
        const out = JSON.parse(result.stdout) as { scores: (number | null)[] };
        // An Infinity or NaN score would print as null: indistinguishable from a pruned parameter.
        expect(out.scores.map((v) => v === null)).toEqual(Array.from(network.mask, (m) => m === 0));
      }),
      params(0x30d9, 150),
    );
  });

  it('predict, shrink and relevance (magnitude, obd, obs, belsley, random) on an edited model fail in one line, or give what the file says', async () => {
    const command = fc.constantFrom('predict' as const, 'shrink' as const, 'relevance' as const);
    // Relevance methods that are quick on a small model (variational would fit a posterior).
    const method = fc.constantFrom('magnitude', 'magnitude', 'obd', 'obs', 'belsley', 'random');
    await fc.assert(
      fc.asyncProperty(generatedModel, fc.array(mutation, { maxLength: 2 }), command, inputRows(4), method, async (model, mutations, which, rows, scoring) => {
        counter.tick();
        const json = mutations.reduce(applyMutation, JSON.parse(formatModelFile(model)));
        const text = textOf(json);
        const path = join(folder, 'edited.json');
        writeFileSync(path, text);
        // Data with the generated model's columns (a row per input row) and a target the model knows.
        const names = model.features;
        const data = join(folder, 'data.csv');
        const target = model.classes === null ? (i: number) => String(i) : (i: number) => model.classes![i % model.classes!.length]!;
        const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
        writeFileSync(data, [[...names, 'y'].map(quote).join(','), ...rows.map((row, i) => [...names.map((_, k) => String(row[k % row.length])), quote(target(i))].join(','))].join('\n') + '\n');
        const out = join(folder, 'shrunk.json');
        const args =
          which === 'predict' ? ['predict', '--model', path, '--dataset', data, '--json', '--quiet']
          : which === 'shrink' ? ['shrink', '--model', path, '--out', out, '--force', '--json']
          : ['relevance', '--model', path, '--dataset', data, '--method', scoring, '--rows', 'all', '--json', '--quiet'];
        const result = await runCli(args);
        if (result.code !== 0) {
          const line = expectCleanFailure(args, result, [text]);
          if (/ is null,/.test(line)) expect(text).toMatch(/\bnull\b/);
          return;
        }
        expect(result.stderr).toBe('');
        const read = parseModelJson(text, path);
        const inputs = rows.map((row) => names.map((_, k) => row[k % row.length]!));
        if (which === 'predict') {
          const out = JSON.parse(result.stdout) as { predictions: (number | { probabilities: number[] })[] };
          const got = out.predictions.flatMap((p) => (typeof p === 'number' ? [p] : p.probabilities));
          // Predictions are printed in JSON: every one is a finite number (none null).
          expect(got.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
          // Read back from a CSV written with String(x): the same numbers, so the same predictions.
          expect(got).toEqual(Array.from(predictRaw(read, Float64Array.from(inputs.flat()))));
          expectPredictsAsFile(read, JSON.parse(text.replace(/^\uFEFF/, '')), inputs);
        } else if (which === 'shrink') {
          // The shrunk model computes the same function on the features it kept.
          const shrunk = readModelFile(out);
          const kept = shrunk.features.map((f) => read.features.indexOf(f));
          const before = predictRaw(read, Float64Array.from(inputs.flat()));
          const after = predictRaw(shrunk, Float64Array.from(inputs.flatMap((row) => kept.map((k) => row[k]!))));
          const scale = referencePredict(JSON.parse(text.replace(/^\uFEFF/, '')), inputs).scale;
          if (scale < 1e300) after.forEach((v, k) => expect(Math.abs(v - before[k]!)).toBeLessThanOrEqual(1e-12 * scale));
        } else {
          const out = JSON.parse(result.stdout) as { scores: (number | null)[]; order: number[] };
          // A finite score for every active parameter, null for exactly the pruned ones (docs/cli.md).
          expect(out.scores.map((v) => v === null)).toEqual(Array.from(read.network.mask, (m) => m === 0));
          expect(out.order.slice().sort((a, b) => a - b)).toEqual(Array.from(read.network.activeIndices()));
          // magnitude: |w| exactly.
          if (scoring === 'magnitude') expect(out.scores).toEqual(Array.from(read.network.params, (w, j) => (read.network.mask[j] === 0 ? null : Math.abs(w))));
        }
      }),
      params(0x30d6, 200),
    );
  }, 120_000);
});

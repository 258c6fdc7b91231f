import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { trainOnDataset } from '../../src/nn/fit.js';
import { MLP } from '../../src/nn/mlp.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { formatModelFile, modelToJson, parseModelJson, readModelFile, writeModelFile } from '../../src/nn/modelfile.js';
import { Random } from '../../src/random/random.js';
import { FIXTURE_NAMES, loadFixture } from '../helpers/fixtures.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-modelfile-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Writes the model, reads it back, and returns the copy. */
function roundTrip(model: Model, name: string): Model {
  const path = join(folder, name);
  writeModelFile(path, model);
  return readModelFile(path);
}

function expectSameModel(copy: Model, model: Model): void {
  expect(copy.network.sizes).toEqual(model.network.sizes);
  expect(copy.network.activations).toEqual(model.network.activations);
  expect(copy.network.params).toEqual(model.network.params);
  expect(copy.network.mask).toEqual(model.network.mask);
  expect(copy.task).toBe(model.task);
  expect(copy.features).toEqual(model.features);
  expect(copy.target).toBe(model.target);
  expect(copy.classes).toEqual(model.classes);
  expect(copy.inputScaling).toEqual(model.inputScaling);
  expect(copy.targetScaling).toEqual(model.targetScaling);
  expect(copy.noiseVariance).toBe(model.noiseVariance);
  expect(copy.posterior).toEqual(model.posterior);
  expect(copy.training).toEqual(model.training);
}

describe('model file round trip', () => {
  const wine = loadDataset('wine');

  it('a trained Wine classifier predicts bit for bit the same after a write and a read', () => {
    const { model } = trainOnDataset(wine, { hidden: [4] });
    const copy = roundTrip(model, 'wine.json');
    expectSameModel(copy, model);
    expect(predictRaw(copy, wine.x)).toEqual(predictRaw(model, wine.x));
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  // The tests below need a trained model, not the prior criterion's fits: a fixed α keeps them fast.
  it('masks are written only when something is pruned, and come back with the zeros under them', () => {
    const { model } = trainOnDataset(wine, { hidden: [3], alpha: 1 });
    const unpruned = modelToJson(model) as { layers: Record<string, unknown>[] };
    expect(unpruned.layers.every((layer) => !('weightMask' in layer) && !('biasMask' in layer))).toBe(true);
    model.network.prune([0, 5, 40, model.network.parameterCount - 1]);
    const json = modelToJson(model) as { layers: { weightMask: number[][]; biasMask: number[] }[] };
    expect(json.layers[0]!.weightMask[0]![0]).toBe(0);
    expect(json.layers[1]!.biasMask.at(-1)).toBe(0);
    const copy = roundTrip(model, 'pruned.json');
    expectSameModel(copy, model);
    expect(copy.network.activeCount).toBe(model.network.parameterCount - 4);
    expect(predictRaw(copy, wine.x)).toEqual(predictRaw(model, wine.x));
  });

  it('a regressor with a variational posterior keeps its posterior, noise variance and target scaling', () => {
    const rng = new Random(3);
    const net = MLP.initialized([2, 3, 1], ['sigmoid', 'identity'], rng);
    net.prune([1]);
    const n = net.parameterCount;
    const mean = Float64Array.from(net.params, (w, j) => (j === 1 ? 0 : w + 0.1 * rng.normal()));
    const sigma = Float64Array.from({ length: n }, (_, j) => (j === 1 ? 0 : Math.exp(rng.normal())));
    const model: Model = {
      network: net,
      task: 'regression',
      features: ['a', 'b'],
      target: 'y',
      classes: null,
      inputScaling: { mean: [0.5, -2], std: [1.5, 1 / 3] },
      targetScaling: { mean: 22.5, std: 9.1 },
      noiseVariance: 0.37,
      posterior: { mean, sigma },
      training: { seed: 3, note: 'hand-made' },
    };
    const copy = roundTrip(model, 'regressor.json');
    expectSameModel(copy, model);
    const raw = Float64Array.from({ length: 20 }, () => rng.normal());
    expect(predictRaw(copy, raw)).toEqual(predictRaw(model, raw));
    const layer = (JSON.parse(readFileSync(join(folder, 'regressor.json'), 'utf8')) as { layers: Record<string, unknown>[] }).layers[0]!;
    expect(Object.keys(layer)).toEqual(['weight', 'bias', 'activation', 'weightMask', 'biasMask', 'sigma', 'sigmaBias', 'posteriorMean', 'posteriorMeanBias']);
  });

  it('a posterior whose mean is the weights is written as sigma alone and read back whole', () => {
    const net = MLP.initialized([2, 2, 1], ['tanh', 'identity'], new Random(1));
    const model: Model = {
      network: net, task: 'regression', features: ['a', 'b'], target: 'y', classes: null,
      inputScaling: null, targetScaling: { mean: 0, std: 1 },
      posterior: { mean: net.params.slice(), sigma: new Float64Array(net.parameterCount).fill(0.25) },
    };
    const json = modelToJson(model) as { layers: Record<string, unknown>[] };
    expect(json.layers.every((layer) => 'sigma' in layer && !('posteriorMean' in layer))).toBe(true);
    expectSameModel(roundTrip(model, 'sigma-only.json'), model);
  });

  it('writes weight rows on one line each', () => {
    const { model } = trainOnDataset(wine, { hidden: [2], alpha: 1 });
    const text = formatModelFile(model);
    expect(text.startsWith('{\n  "format": "prunus-mlp",\n  "version": 1,')).toBe(true);
    // 2 + 3 weight rows, 2 biases, feature names, input mean and std: one line each.
    expect(text.split('\n').filter((line) => line.trim().startsWith('[')).length).toBe(5);
  });

  it('refuses to save a non-finite parameter', () => {
    const net = new MLP([1, 1], ['identity'], Float64Array.of(NaN, 0));
    const model: Model = { network: net, task: 'regression', features: ['a'], target: 'y', classes: null, inputScaling: null, targetScaling: null };
    expect(() => modelToJson(model)).toThrow('cannot save the model: parameter W1[0,0] is NaN');
  });

  it('reports a folder that does not exist, leaving nothing behind', () => {
    const { model } = trainOnDataset(wine, { hidden: [2], alpha: 1 });
    const path = join(folder, 'no-such-folder', 'model.json');
    expect(() => writeModelFile(path, model)).toThrow(`cannot write ${path}`);
  });
});

describe('the shared fixtures', () => {
  for (const name of FIXTURE_NAMES) {
    it(`reads ${name} as the independent fixture loader does`, () => {
      const model = readModelFile(join(fixtures, `${name}.model.json`));
      const reference = loadFixture(name);
      expect(model.task).toBe(reference.task);
      expect(model.network.sizes).toEqual(reference.net.sizes);
      expect(model.network.activations).toEqual(reference.net.activations);
      expect(model.network.params).toEqual(reference.net.params);
      expect(model.network.mask).toEqual(reference.net.mask);
    });
  }

  it('masked-relu keeps its masks through a write and a read', () => {
    const model = readModelFile(join(fixtures, 'masked-relu.model.json'));
    expect(model.network.activeCount).toBeLessThan(model.network.parameterCount);
    expectSameModel(roundTrip(model, 'masked-relu.json'), model);
  });
});

describe('validation errors name the file and the JSON path', () => {
  /** A valid 2-3-2 classifier as a mutable JSON object. */
  const valid = (): Record<string, any> => ({
    format: 'prunus-mlp',
    version: 1,
    task: 'classification',
    features: ['a', 'b'],
    target: 'y',
    classes: ['0', '1'],
    inputScaling: { mean: [0, 1], std: [1, 2] },
    targetScaling: null,
    layers: [
      { weight: [[0.1, -0.2], [0.3, 0], [0.5, 0.6]], bias: [0, 0.1, 0.2], activation: 'tanh', weightMask: [[1, 1], [1, 0], [1, 1]], biasMask: [1, 1, 1] },
      { weight: [[1, 2, 3], [4, 5, 6]], bias: [0, 0], activation: 'identity' },
    ],
  });
  const parse = (json: unknown): Model => parseModelJson(JSON.stringify(json), 'model.json');
  const failing = (edit: (json: Record<string, any>) => void): (() => Model) => {
    const json = valid();
    edit(json);
    return () => parse(json);
  };

  it('accepts the valid file', () => {
    const model = parse(valid());
    expect(model.network.sizes).toEqual([2, 3, 2]);
    expect(model.network.activeCount).toBe(16);
  });

  it('ignores unknown fields', () => {
    const json = valid();
    json['createdBy'] = 'someone else';
    json['layers'][0]['comment'] = 'first';
    expect(parse(json).network.sizes).toEqual([2, 3, 2]);
  });

  const cases: [string, (json: Record<string, any>) => void, string][] = [
    ['wrong format', (j) => (j['format'] = 'onnx'), 'model.json: format is "onnx", expected "prunus-mlp" (not a prunus model file)'],
    ['missing version', (j) => delete j['version'], 'model.json: version is missing, expected 1'],
    ['wrong version', (j) => (j['version'] = 2), 'model.json: unsupported version 2 of prunus-mlp (this prunus reads version 1)'],
    ['unknown task', (j) => (j['task'] = 'ranking'), 'model.json: task is "ranking", expected "classification" or "regression"'],
    ['feature not a string', (j) => (j['features'][1] = 7), 'model.json: features[1] is 7, expected a string'],
    ['repeated feature', (j) => (j['features'][1] = 'a'), 'model.json: features[1] repeats "a"'],
    ['missing target', (j) => delete j['target'], 'model.json: target is missing, expected a string'],
    ['feature count mismatch', (j) => j['features'].push('c'), 'model.json: layers[0].weight[0] has 2 values, expected 3 (one per feature: features has 3 names)'],
    ['ragged weight', (j) => j['layers'][1]['weight'][1].pop(), 'model.json: layers[1].weight[1] has 2 values, expected 3 (the outputs of layers[0])'],
    ['wrong weight shape between layers', (j) => j['layers'][0]['weight'].pop(), 'model.json: layers[0].bias has 3 values, expected 2 (one per row of layers[0].weight)'],
    ['bias length', (j) => j['layers'][1]['bias'].push(0), 'model.json: layers[1].bias has 3 values, expected 2 (one per row of layers[1].weight)'],
    ['weight as a string', (j) => (j['layers'][1]['weight'][0][2] = 'NaN'), 'model.json: layers[1].weight[0][2] is "NaN", expected a finite number'],
    ['weight null (NaN written by JSON.stringify)', (j) => (j['layers'][0]['bias'][1] = null), 'model.json: layers[0].bias[1] is null, expected a finite number'],
    ['weight not an array', (j) => (j['layers'][0]['weight'] = 3), 'model.json: layers[0].weight is 3, expected an array'],
    ['unknown activation', (j) => (j['layers'][0]['activation'] = 'gelu'), 'model.json: layers[0].activation is "gelu", expected one of "tanh", "relu", "sigmoid", "identity"'],
    ['last activation not identity', (j) => (j['layers'][1]['activation'] = 'sigmoid'), 'model.json: layers[1].activation is "sigmoid", expected "identity" (the last layer is linear; softmax belongs to the loss)'],
    ['non-0/1 mask', (j) => (j['layers'][0]['weightMask'][2][1] = 0.5), 'model.json: layers[0].weightMask[2][1] is 0.5, expected 0 or 1'],
    ['non-0/1 bias mask', (j) => (j['layers'][0]['biasMask'][0] = 2), 'model.json: layers[0].biasMask[0] is 2, expected 0 or 1'],
    ['mask shape', (j) => j['layers'][0]['weightMask'][0].push(1), 'model.json: layers[0].weightMask[0] has 3 values, expected 2'],
    ['weight under a 0 mask', (j) => (j['layers'][0]['weight'][1][1] = 0.25), 'model.json: layers[0].weight[1][1] is 0.25 but layers[0].weightMask[1][1] is 0 (a pruned parameter must be exactly 0)'],
    ['only one mask', (j) => delete j['layers'][0]['biasMask'], 'model.json: layers[0] has weightMask but no biasMask (give both or neither)'],
    ['class count', (j) => j['classes'].push('2'), 'model.json: classes has 3 values, expected 2 (one per output of layers[1])'],
    ['classes of a regressor', (j) => (j['task'] = 'regression'), 'model.json: classes is an array, expected null for a regression model'],
    ['regressor with two outputs', (j) => ((j['task'] = 'regression'), (j['classes'] = null)), 'model.json: layers[1].weight has 2 rows, expected 1 (a regression model has one output)'],
    ['targetScaling of a classifier', (j) => (j['targetScaling'] = { mean: 0, std: 1 }), 'model.json: targetScaling is an object, expected null for a classification model'],
    ['input scaling length', (j) => j['inputScaling']['std'].pop(), 'model.json: inputScaling.std has 1 values, expected 2 (one per feature: features has 2 names)'],
    ['zero input std', (j) => (j['inputScaling']['std'][1] = 0), 'model.json: inputScaling.std[1] is 0, expected a number > 0'],
    ['missing inputScaling', (j) => delete j['inputScaling'], 'model.json: inputScaling is missing (null when the inputs are used as they are)'],
    ['no layers', (j) => (j['layers'] = []), 'model.json: layers is empty, expected at least one layer'],
    ['posterior in some layers', (j) => ((j['layers'][1]['sigma'] = [[1, 1, 1], [1, 1, 1]]), (j['layers'][1]['sigmaBias'] = [1, 1])), 'model.json: layers has a posterior sigma in 1 of 2 layers (give it in every layer or none)'],
    ['negative sigma', (j) => { j['layers'][0]['sigma'] = [[1, 1], [1, -1], [1, 1]]; j['layers'][0]['sigmaBias'] = [1, 1, 1]; }, 'model.json: layers[0].sigma[1][1] is -1, expected a standard deviation ≥ 0'],
    ['bad noise variance', (j) => (j['noiseVariance'] = -1), 'model.json: noiseVariance is -1, expected a number > 0'],
  ];
  for (const [what, edit, message] of cases) {
    it(what, () => {
      expect(failing(edit)).toThrow(message);
    });
  }

  it('a regression model with targetScaling validates std > 0', () => {
    const json = valid();
    json['task'] = 'regression';
    json['classes'] = null;
    json['layers'][1] = { weight: [[1, 2, 3]], bias: [0], activation: 'identity' };
    json['targetScaling'] = { mean: 3, std: 0 };
    expect(() => parse(json)).toThrow('model.json: targetScaling.std is 0, expected a number > 0');
    json['targetScaling'] = { mean: 3, std: 2 };
    expect(parse(json).targetScaling).toEqual({ mean: 3, std: 2 });
  });

  it('not JSON, not an object, no file', () => {
    expect(() => parseModelJson('{"format": ', 'model.json')).toThrow(/^model\.json: not valid JSON \(/);
    expect(() => parseModelJson('[1, 2]', 'model.json')).toThrow('model.json: the top level is an array, expected an object');
    expect(() => readModelFile(join(folder, 'absent.json'))).toThrow(`cannot read model ${join(folder, 'absent.json')}: no such file`);
  });

  it('every message is one line', () => {
    for (const [, edit] of cases) {
      try {
        failing(edit)();
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });
});

// Fixed examples of the bugs the fuzz suite (test/fuzz/modelfile.fuzz.test.ts) found.
describe('regressions found by fuzzing', () => {
  const tiny = (): Record<string, unknown> => ({
    format: 'prunus-mlp', version: 1, task: 'regression', features: ['a'], target: 'y', classes: null,
    inputScaling: null, targetScaling: null, layers: [{ weight: [[2]], bias: [1], activation: 'identity' }],
  });

  it('names a number JSON reads as Infinity (1e400) as too large, not as the null JSON.stringify would write', () => {
    const text = JSON.stringify(tiny()).replace('[[2]]', '[[1e400]]');
    expect(() => parseModelJson(text, 'model.json')).toThrow('model.json: layers[0].weight[0][0] is a number too large for a double (beyond ±1.80e+308), expected a finite number');
  });

  it('keeps a JSON syntax error on one line (V8 quotes the text around it, line breaks included)', () => {
    let message = '';
    try {
      parseModelJson('{\n  "format": "prunus-mlp",\n  oops\n}\n', 'model.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^model\.json: not valid JSON \(/);
    expect(message).not.toMatch(/[\r\n]/);
  });

  it('skips a byte-order mark before the JSON (it was "not valid JSON")', () => {
    expect(parseModelJson(`\uFEFF${JSON.stringify(tiny())}`, 'model.json').network.params).toEqual(Float64Array.of(2, 1));
  });

  it('refuses a file that is not UTF-8, naming the byte (a Latin-1 feature name became U+FFFD)', () => {
    const path = join(folder, 'latin1.json');
    writeFileSync(path, Buffer.from(JSON.stringify(tiny()).replace('"a"', '"café"'), 'latin1'));
    expect(() => readModelFile(path)).toThrow(`${path}: not UTF-8 text (byte 0xE9 at offset 71, line 1)`);
  });

  it('refuses training metadata nested more than 64 levels (shrink failed writing it back: "Maximum call stack size exceeded")', () => {
    const nested = (depth: number): unknown => (depth === 1 ? {} : { a: nested(depth - 1) });
    const deep = JSON.stringify({ ...tiny(), training: 'DEEP' }).replace('"DEEP"', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(() => parseModelJson(deep, 'model.json')).toThrow('model.json: training is nested more than 64 levels deep (free-form metadata, but it is written back with the model)');
    // 64 levels are read, and written back as they were.
    const model = parseModelJson(JSON.stringify({ ...tiny(), training: nested(64) }), 'model.json');
    expect(parseModelJson(formatModelFile(model), 'again.json').training).toEqual(nested(64));
    expect(() => parseModelJson(JSON.stringify({ ...tiny(), training: nested(65) }), 'model.json')).toThrow('nested more than 64 levels');
  });
});

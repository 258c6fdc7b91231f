/**
 * TensorFlow.js round trips: the two files are written to a folder and loaded with
 * `tf.loadLayersModel` through a small file-system IOHandler (tfjs-node, whose `file://`
 * handler does this, cannot be installed here) that reads `model.json` and then the weight
 * files its manifest names, relative to it — as `file://` and `http://` loading do.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel, toTfjs } from '../../src/export/index.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { float32Rows, randomModel, relativeError, selectColumns, trainedCases } from './models.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-tfjs-export-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface ModelJson {
  modelTopology: object;
  format: string;
  generatedBy: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata: { [key: string]: {} };
}

/** Loads `model.json` and the weight files it names from the file system. */
function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as ModelJson;
      const buffers = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(modelJsonPath), p))));
      const bytes = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

let written = 0;
/** Writes the export's files into a fresh folder and runs the loaded LayersModel on raw rows. */
async function runTfjs(model: Model, rows: Float64Array): Promise<Float64Array> {
  const dir = mkdtempSync(join(folder, `model-${written++}-`));
  for (const file of await exportModel(model, 'tfjs')) writeFileSync(join(dir, file.name!), file.contents);
  const loaded = await tf.loadLayersModel(fileHandler(join(dir, 'model.json')));
  const m = model.features.length;
  const output = tf.tidy(() => loaded.predict(tf.tensor2d(Float32Array.from(rows), [rows.length / m, m])) as tf.Tensor);
  expect(output.shape).toEqual([rows.length / m, model.network.sizes[model.network.sizes.length - 1]!]);
  const values = Float64Array.from(await output.data());
  output.dispose();
  loaded.dispose();
  return values;
}

const trained = trainedCases();
const cases = Object.entries(trained).flatMap(([task, c]) =>
  (['full', 'pruned', 'shrunk'] as const).map((form) => ({ name: `${task}, ${form}`, model: c[form], rows: selectColumns(c.rows, c.full.features, c[form].features) })),
);
for (const [activation, task] of [['relu', 'classification'], ['identity', 'regression']] as const) {
  const model = randomModel({ seed: 21, task, inputs: 4, hidden: [5, 3], activations: [activation, 'sigmoid'], pruneRate: 0.4 });
  cases.push({ name: `random ${activation}-sigmoid ${task}, pruned`, model, rows: Float64Array.from({ length: 80 }, (_, k) => 3 * Math.cos(k)) });
}

describe('tfjs export: tf.loadLayersModel predicts what prunus predicts', () => {
  for (const { name, model, rows } of cases) {
    it(`${name}: to 1e-5`, async () => {
      const x = float32Rows(rows);
      expect(relativeError(await runTfjs(model, x), predictRaw(model, x))).toBeLessThan(1e-5);
    });
  }

  it('model.json is a Sequential of Dense layers with the metadata, float32 weights in one file', () => {
    const { modelJson, weights } = toTfjs(trained.classifier.full);
    const json = JSON.parse(modelJson) as ModelJson & { modelTopology: { class_name: string; config: { layers: { class_name: string; config: { activation: string } }[] } } };
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.config.layers.map((l) => `${l.class_name} ${l.config.activation}`)).toEqual(['Dense tanh', 'Dense softmax']);
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    expect(weights.length).toBe(4 * trained.classifier.full.network.parameterCount);
    expect(json.userDefinedMetadata).toMatchObject({ task: 'classification', classes: ['0', '1', '2'] });
  });

  it('float64 and int8 are refused', () => {
    expect(() => toTfjs(trained.classifier.full, { precision: 'float64' })).toThrow('tfjs export: precision float64 is not supported');
    expect(() => toTfjs(trained.classifier.full, { quantize: 'int8' })).toThrow('offered for onnx and js only');
  });
});

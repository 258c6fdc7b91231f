/**
 * ONNX round trips through ONNX Runtime for Node (its bundled CPU binary; the package's
 * download script is denied in package.json and not needed).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportedEquivalent, ONNX_NAMES, toOnnx, type ExportOptions } from '../../src/export/index.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { float32Rows, randomModel, relativeError, selectColumns, trainedCases } from './models.js';

/** Runs the exported model in ONNX Runtime on raw rows; the output flattened like predictRaw's. */
async function runOnnx(model: Model, rows: Float64Array, options: ExportOptions = {}): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(await toOnnx(model, options));
  const m = model.features.length;
  const input = options.precision === 'float64'
    ? new ort.Tensor('float64', rows, [rows.length / m, m])
    : new ort.Tensor('float32', Float32Array.from(rows), [rows.length / m, m]);
  const name = model.task === 'classification' ? ONNX_NAMES.probabilities : ONNX_NAMES.prediction;
  expect(session.inputNames).toEqual([ONNX_NAMES.input]);
  expect(session.outputNames).toEqual([name]);
  const output = (await session.run({ [ONNX_NAMES.input]: input }))[name]!;
  expect(output.dims).toEqual([rows.length / m, model.network.sizes[model.network.sizes.length - 1]!]);
  return Float64Array.from(output.data as Float32Array | Float64Array);
}

const trained = trainedCases();
const cases = Object.entries(trained).flatMap(([task, c]) =>
  (['full', 'pruned', 'shrunk'] as const).map((form) => ({ name: `${task}, ${form}`, model: c[form], rows: selectColumns(c.rows, c.full.features, c[form].features) })),
);
const randomRowsOf = (m: number) => Float64Array.from({ length: 20 * m }, (_, k) => 3 * Math.sin(1.7 * k));
for (const [activation, task] of [['relu', 'classification'], ['identity', 'regression'], ['tanh', 'regression']] as const) {
  const model = randomModel({ seed: 11, task, inputs: 4, hidden: [5, 3], activations: [activation, 'sigmoid'], pruneRate: 0.4 });
  cases.push({ name: `random ${activation}-sigmoid ${task}, pruned`, model, rows: randomRowsOf(4) });
}
const unscaled = randomModel({ seed: 12, task: 'regression', inputs: 3, hidden: [4], activations: ['tanh'], pruneRate: 0 });
cases.push({ name: 'regressor without input or target scaling', model: { ...unscaled, inputScaling: null, targetScaling: null }, rows: randomRowsOf(3) });

describe('onnx export: ONNX Runtime predicts what prunus predicts', () => {
  for (const { name, model, rows } of cases) {
    it(`${name}: float32 to 1e-5, float64 to 1e-12, int8 to 1e-5 of its dequantized model`, async () => {
      const x = float32Rows(rows);
      const expected = predictRaw(model, x);
      expect(relativeError(await runOnnx(model, x), expected)).toBeLessThan(1e-5);
      expect(relativeError(await runOnnx(model, x, { precision: 'float64' }), expected)).toBeLessThan(1e-12);
      const int8 = { quantize: 'int8' } as const;
      expect(relativeError(await runOnnx(model, x, int8), predictRaw(exportedEquivalent(model, int8), x))).toBeLessThan(1e-5);
    });
  }

  it('int8 weights take about a quarter of the bytes; shrinking takes the removed units out of the file', async () => {
    const big = randomModel({ seed: 13, task: 'classification', inputs: 60, hidden: [40], activations: ['tanh'], pruneRate: 0 });
    const weights = 60 * 40 + 40 * 3;
    // 3 bytes saved per weight, less a scale, a zero point and a DequantizeLinear node per layer.
    expect((await toOnnx(big)).length - (await toOnnx(big, { quantize: 'int8' })).length).toBeGreaterThan(3 * weights - 400);
    const { full, pruned, shrunk } = trained.classifier;
    const float = (await toOnnx(full)).length;
    expect((await toOnnx(pruned)).length).toBe(float);
    expect((await toOnnx(shrunk)).length).toBeLessThan(float);
  });

  it('int8 with float64 is refused', async () => {
    await expect(toOnnx(trained.classifier.full, { precision: 'float64', quantize: 'int8' })).rejects.toThrow('use precision float32');
  });
});

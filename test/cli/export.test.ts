import * as ort from 'onnxruntime-node';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { predictRaw } from '../../src/nn/model.js';
import { formatModelFile } from '../../src/nn/modelfile.js';
import { relativeError, selectColumns, trainedCases } from '../export/models.js';
import { expectCliError, runCli } from '../helpers/cli.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-export-cli-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const { classifier, regressor } = trainedCases();
const classifierPath = join(folder, 'wine-pruned.json');
writeFileSync(classifierPath, formatModelFile(classifier.pruned));
const regressorPath = join(folder, 'boston.json');
writeFileSync(regressorPath, formatModelFile(regressor.full));

interface ExportJson {
  format: string;
  files: { path: string; bytes: number }[];
  bytes: number;
  quantize: string | null;
  shrink: { before: { sizes: number[]; bytes: number }; after: { sizes: number[] }; removedUnits: string[] } | null;
  quantization: { layer: number; scale: number; maxError: number }[] | null;
  evaluation: { rows: number; prunus: { accuracy: number }; exported: { accuracy: number }; largestChange: number } | null;
}

async function exportJson(args: string[]): Promise<ExportJson> {
  const { code, stdout, stderr } = await runCli(['export', ...args, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as ExportJson;
}

describe('prunus export', () => {
  it('js: shrinks the pruned model first, and the module predicts what prunus predict --json does', async () => {
    const out = join(folder, 'wine.mjs');
    const result = await exportJson(['--model', classifierPath, '--format', 'js', '--out', out]);
    expect(result.shrink!.before.sizes).toEqual(classifier.pruned.network.sizes);
    expect(result.shrink!.after.sizes).toEqual(classifier.shrunk.network.sizes);
    expect(result.files).toEqual([{ path: out, bytes: readFileSync(out).length }]);
    const module = (await import(pathToFileURL(out).href)) as { predict(row: number[]): unknown; features: string[] };
    const predicted = JSON.parse((await runCli(['predict', '--model', classifierPath, '--dataset', 'wine', '--json'])).stdout) as {
      predictions: { label: string; probabilities: number[] }[];
    };
    const wine = loadDataset('wine');
    const rows = selectColumns(wine.x, wine.features, module.features);
    const m = module.features.length;
    predicted.predictions.forEach((expected, i) => {
      const got = module.predict(Array.from(rows.subarray(i * m, (i + 1) * m))) as { label: string; probabilities: number[] };
      expect(got.label).toBe(expected.label);
      expect(relativeError(got.probabilities, expected.probabilities)).toBeLessThan(1e-5);
    });
  });

  it('onnx int8 with --dataset: the file runs in ONNX Runtime, and the accuracy change is reported', async () => {
    const out = join(folder, 'wine-int8.onnx');
    const result = await exportJson(['--model', classifierPath, '--format', 'onnx', '--quantize', 'int8', '--out', out, '--dataset', 'wine']);
    expect(result.quantize).toBe('int8');
    expect(result.quantization).toHaveLength(2);
    expect(result.evaluation!.rows).toBe(178);
    expect(result.evaluation!.prunus.accuracy).toBeGreaterThan(0.9);
    expect(Math.abs(result.evaluation!.exported.accuracy - result.evaluation!.prunus.accuracy)).toBeLessThan(0.05);
    expect(result.evaluation!.largestChange).toBeGreaterThan(0);
    const session = await ort.InferenceSession.create(readFileSync(out));
    expect(session.outputNames).toEqual(['probabilities']);
  });

  it('onnx float64 regressor, --no-shrink: the prediction in the target units', async () => {
    const out = join(folder, 'boston.onnx');
    const result = await exportJson(['--model', regressorPath, '--format', 'onnx', '--precision', 'float64', '--no-shrink', '--out', out]);
    expect(result.shrink).toBeNull();
    const session = await ort.InferenceSession.create(readFileSync(out));
    const rows = regressor.rows.subarray(0, 5 * 13);
    const output = await session.run({ features: new ort.Tensor('float64', rows, [5, 13]) });
    expect(relativeError(output['prediction']!.data as Float64Array, predictRaw(regressor.full, rows))).toBeLessThan(1e-12);
  });

  it('tfjs: a folder with model.json and weights.bin, created if needed, replaced only with --force', async () => {
    const out = join(folder, 'boston-tfjs');
    const result = await exportJson(['--model', regressorPath, '--format', 'tfjs', '--out', out]);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    expect(result.bytes).toBe(result.files.reduce((total, f) => total + f.bytes, 0));
    await expectCliError(['export', '--model', regressorPath, '--format', 'tfjs', '--out', out], 'model.json exists (--force to overwrite it)');
    expect((await runCli(['export', '--model', regressorPath, '--format', 'tfjs', '--out', out, '--force', '--json'])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('human output: the files, the shrink and the int8 scales', async () => {
    const { code, stdout } = await runCli(['export', '--model', classifierPath, '--format', 'js', '--quantize', 'int8', '--out', join(folder, 'human.mjs')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^wrote .*human\.mjs \(\d+ bytes\): js, int8 weights/);
    expect(stdout).toContain('shrunk first:');
    expect(stdout).toContain('int8 scales: layer 1 ');
  });

  it('bad input: one line, exit 1, nothing written', async () => {
    const out = join(folder, 'never.onnx');
    await expectCliError(['export', '--model', classifierPath, '--out', out], '--format is required (onnx, tfjs, js)');
    await expectCliError(['export', '--model', classifierPath, '--format', 'pt', '--out', out], '--format: "pt" is not a format');
    await expectCliError(['export', '--model', classifierPath, '--format', 'onnx'], '--out PATH is required');
    await expectCliError(['export', '--model', classifierPath, '--format', 'tfjs', '--precision', 'float64', '--out', join(folder, 't')], 'precision float64 is not supported');
    await expectCliError(['export', '--model', classifierPath, '--format', 'tfjs', '--quantize', 'int8', '--out', join(folder, 't')], 'offered for onnx and js only');
    await expectCliError(['export', '--model', classifierPath, '--format', 'onnx', '--quantize', 'int4', '--out', out], '--quantize: "int4" is not offered');
    await expectCliError(['export', '--model', classifierPath, '--format', 'onnx', '--precision', 'float64', '--quantize', 'int8', '--out', out], 'use precision float32');
    await expectCliError(['export', '--model', classifierPath, '--format', 'onnx', '--out', out, '--dataset', 'boston'], 'boston');
    mkdirSync(join(folder, 'a-folder'));
    await expectCliError(['export', '--model', classifierPath, '--format', 'js', '--out', join(folder, 'a-folder')], 'is a folder, not a file');
    writeFileSync(join(folder, 'a-file'), '');
    await expectCliError(['export', '--model', classifierPath, '--format', 'tfjs', '--out', join(folder, 'a-file')], 'tfjs writes a folder');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(folder, 't'))).toBe(false);
  });
});

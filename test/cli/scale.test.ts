/**
 * End to end at 784-256-10 (203 530 parameters) with 1 000 rows of pixel-like data: every command
 * that takes a model, through the CLI, on a model file and a CSV as a user would have them. The
 * checks are on values (predictions against the library, score lengths and finiteness, the
 * exported module against `predict`, the shrunk model's function), not only exit codes.
 * `scripts/scale-check.mjs` runs the same commands as separate processes with their wall time and
 * peak memory (docs/cli.md, "Large models").
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMatrixCsv } from '../../src/data/csv.js';
import { fitStandardizer } from '../../src/data/scaling.js';
import { MLP } from '../../src/nn/mlp.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { readModelFile, writeModelFile } from '../../src/nn/modelfile.js';
import { Random } from '../../src/random/random.js';
import { runCli } from '../helpers/cli.js';

const SIZES = [784, 256, 10];
const ROWS = 1000;
const REMOVED_UNITS = 56;
let folder: string;
let csv: string;
let modelPath: string;
let model: Model;
let pixels: Float64Array;

/**
 * Pixel-like rows: a 28×28 image with a blank border (constant columns, as in MNIST) and
 * integers 0..255 inside; the label is the argmax of a fixed random linear map.
 */
function pixelRows(n: number, rng: Random): { x: Float64Array; y: Int32Array } {
  const x = new Float64Array(n * 784);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 784; p++) {
      const r = Math.floor(p / 28), c = p % 28;
      if (r >= 2 && r <= 25 && c >= 2 && c <= 25 && rng.uniform() < 0.5) x[i * 784 + p] = 1 + Math.floor(rng.uniform() * 255);
    }
  }
  const teacher = Float64Array.from({ length: 7840 }, () => rng.normal());
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bestValue = -Infinity;
    for (let k = 0; k < 10; k++) {
      let s = 0;
      for (let p = 0; p < 784; p++) s += x[i * 784 + p]! * teacher[p * 10 + k]!;
      if (s > bestValue) [best, bestValue] = [k, s];
    }
    y[i] = best;
  }
  return { x, y };
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'prunus-scale-'));
  const rng = new Random(7);
  const { x, y } = pixelRows(ROWS, rng);
  pixels = x;
  const table = new Float64Array(ROWS * 785);
  for (let i = 0; i < ROWS; i++) {
    table.set(x.subarray(i * 784, (i + 1) * 784), i * 785);
    table[i * 785 + 784] = y[i]!;
  }
  const features = Array.from({ length: 784 }, (_, p) => `px${p}`);
  csv = join(folder, 'pixels.csv');
  writeFileSync(csv, formatMatrixCsv([...features, 'label'], table, ROWS, 785));
  const network = MLP.initialized(SIZES, ['tanh', 'identity'], rng);
  // The last 56 hidden units lose every outgoing weight: shrink must remove them.
  const out = network.layers[1]!;
  const gone: number[] = [];
  // The weight is [out][in]: unit u's outgoing weights are column u.
  for (let unit = 256 - REMOVED_UNITS; unit < 256; unit++) for (let k = 0; k < 10; k++) gone.push(out.weightOffset + k * 256 + unit);
  network.prune(gone);
  model = {
    network, task: 'classification', features, target: 'label',
    classes: Array.from({ length: 10 }, (_, k) => String(k)),
    inputScaling: fitStandardizer(x, ROWS, 784), targetScaling: null,
  };
  modelPath = join(folder, 'model.json');
  writeModelFile(modelPath, model);
}, 60_000);

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const M = (): string[] => ['--model', modelPath, '--dataset', csv];

/** The entries of a per-parameter array at the model's active parameters. */
function activeEntries(values: readonly (number | null)[]): number[] {
  return Array.from(model.network.activeIndices(), (j) => values[j] as number);
}

/** A relevance result scores every parameter, and every active one with a finite number. */
function expectActiveScores(result: { parameters: number; active: number; scores: (number | null)[] }): void {
  expect(result.parameters).toBe(203_530);
  expect(result.active).toBe(203_530 - REMOVED_UNITS * 10);
  expect(result.scores).toHaveLength(203_530);
  expect(activeEntries(result.scores).every((s) => Number.isFinite(s))).toBe(true);
}

describe('every command that takes a model, at 784-256-10 with 1 000 rows', () => {
  it('reads the model file back exactly', () => {
    const back = readModelFile(modelPath);
    expect(back.network.parameterCount).toBe(203_530);
    expect(Array.from(back.network.params)).toEqual(Array.from(model.network.params));
    expect(back.network.activeCount).toBe(203_530 - REMOVED_UNITS * 10);
  });

  it('predict: the library’s probabilities for every row, memory reported', async () => {
    const { code, stdout } = await runCli(['predict', ...M(), '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.predictions).toHaveLength(ROWS);
    const expected = predictRaw(model, pixels.subarray(0, 784 * 3));
    for (let i = 0; i < 3; i++) {
      const probabilities = result.predictions[i].probabilities as number[];
      expect(probabilities).toHaveLength(10);
      for (let k = 0; k < 10; k++) expect(probabilities[k]).toBeCloseTo(expected[i * 10 + k]!, 12);
    }
    expect(result.memory.peakRssMB).toBeGreaterThan(0);
  }, 120_000);

  it('relevance obd: a finite score and Hessian diagonal entry for every active parameter', async () => {
    const { code, stdout } = await runCli(['relevance', ...M(), '--method', 'obd', '--rows', 'all', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expectActiveScores(result);
    expect(result.hessianDiag).toHaveLength(203_530);
    expect(activeEntries(result.hessianDiag).every((h) => Number.isFinite(h))).toBe(true);
  }, 180_000);

  it('relevance obd --structured: one score per hidden unit', async () => {
    const { code, stdout } = await runCli(['relevance', ...M(), '--method', 'obd', '--structured', '--rows', 'all', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.structured).toHaveLength(256);
    expect(result.structured.every((u: { score: number }) => Number.isFinite(u.score))).toBe(true);
  }, 180_000);

  it.each(['magnitude', 'random'])('relevance %s', async (method) => {
    const { code, stdout } = await runCli(['relevance', ...M(), '--method', method, '--rows', 'all', '--json']);
    expect(code).toBe(0);
    expectActiveScores(JSON.parse(stdout));
  }, 120_000);

  it('relevance variational (bounded epochs): a finite signal-to-noise score per parameter', async () => {
    const { code, stdout } = await runCli(['relevance', ...M(), '--method', 'variational', '--variational-epochs', '3', '--rows', 'all', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expectActiveScores(result);
  }, 180_000);

  it.each(['belsley', 'obs'])('relevance %s refuses, naming the size and the alternative', async (method) => {
    const { code, stdout, stderr } = await runCli(['relevance', ...M(), '--method', method, '--rows', 'all']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/202970 active parameters need a dense 202970×202970 matrix/);
    expect(stderr).toMatch(/Use obd, variational or magnitude/);
  }, 60_000);

  it('shrink: the 56 units without outgoing weights and the blank-border inputs are gone, the function kept', async () => {
    const out = join(folder, 'shrunk.json');
    const { code, stdout } = await runCli(['shrink', '--model', modelPath, '--out', out, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    const shrunk = readModelFile(out);
    expect(shrunk.network.sizes[1]).toBe(256 - REMOVED_UNITS);
    expect(result.after.parameters).toBe(shrunk.network.parameterCount);
    const n = 5;
    const rows = pixels.subarray(0, 784 * n);
    const columns = shrunk.features.map((name) => Number(name.slice(2)));
    const kept = new Float64Array(n * columns.length);
    for (let i = 0; i < n; i++) columns.forEach((p, c) => (kept[i * columns.length + c] = rows[i * 784 + p]!));
    const before = predictRaw(model, rows);
    const after = predictRaw(shrunk, kept);
    for (let k = 0; k < before.length; k++) expect(after[k]).toBeCloseTo(before[k]!, 12);
  }, 120_000);

  it('export js and onnx: the written model predicts what prunus predicts', async () => {
    const js = join(folder, 'model.mjs');
    expect((await runCli(['export', '--model', modelPath, '--format', 'js', '--precision', 'float64', '--out', js])).code).toBe(0);
    const onnx = join(folder, 'model.onnx');
    expect((await runCli(['export', '--model', modelPath, '--format', 'onnx', '--out', onnx])).code).toBe(0);
    // Exported shrunk (784-200-10: 159 010 float32 parameters) with a few kB of graph around them.
    const shrunkBytes = 4 * (784 * 200 + 200 + 200 * 10 + 10);
    expect(statSync(onnx).size).toBeGreaterThan(shrunkBytes);
    expect(statSync(onnx).size).toBeLessThan(shrunkBytes + 20_000);
    const module = (await import(pathToFileURL(js).href)) as { predict(row: number[]): { probabilities: number[] } };
    const session = await ort.InferenceSession.create(readFileSync(onnx));
    const n = 4;
    const expected = predictRaw(model, pixels.subarray(0, 784 * n));
    const input = new ort.Tensor('float32', Float32Array.from(pixels.subarray(0, 784 * n)), [n, 784]);
    const output = await session.run({ [session.inputNames[0]!]: input });
    const onnxProbabilities = output[session.outputNames[0]!]!.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const probabilities = module.predict(Array.from(pixels.subarray(i * 784, (i + 1) * 784))).probabilities;
      for (let k = 0; k < 10; k++) {
        expect(probabilities[k]).toBeCloseTo(expected[i * 10 + k]!, 9);
        expect(Math.abs(onnxProbabilities[i * 10 + k]! - expected[i * 10 + k]!)).toBeLessThan(1e-5);
      }
    }
  }, 180_000);
});

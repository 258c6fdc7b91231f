import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { exactHessianDiagonal } from '../../src/nn/curvature.js';
import { batchForModel, rowsForModel, trainOnDataset } from '../../src/nn/fit.js';
import { readModelFile, writeModelFile } from '../../src/nn/modelfile.js';
import { expectCliError, runCli } from '../helpers/cli.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-relevance-'));
const wineModel = join(folder, 'wine.json');
const bostonModel = join(folder, 'boston.json');
const pruned = [0, 7, 30];

beforeAll(() => {
  // Trained with the default prior (chosen by the criterion) and its recorded split.
  const wine = trainOnDataset(loadDataset('wine'), { hidden: [6], seed: 1 });
  wine.model.network.prune(pruned);
  writeModelFile(wineModel, wine.model);
  writeModelFile(bostonModel, trainOnDataset(loadDataset('boston'), { hidden: [4], seed: 1 }).model);
}, 120_000);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface RelevanceJson {
  method: string;
  label: string;
  parameters: number;
  rows: number;
  rowSelection: string;
  gradientNorm: number;
  saliency?: string;
  scores: (number | null)[];
  order: number[];
  hessianDiag?: number[];
  details: Record<string, unknown>;
  structured?: { unit: string; score: number }[];
  note?: string;
}

async function relevance(...args: string[]): Promise<RelevanceJson> {
  const { code, stdout, stderr } = await runCli(['relevance', ...args, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as RelevanceJson;
}

describe('prunus relevance --json', () => {
  it('--rows all: hessianDiag is the exact diagonal over the whole data set; --saliency seed: scores = h·w²/2, null where pruned', async () => {
    const json = await relevance('--model', wineModel, '--dataset', 'wine', '--method', 'obd', '--rows', 'all', '--saliency', 'seed');
    const model = readModelFile(wineModel);
    const n = model.network.parameterCount;
    expect(json.method).toBe('obd');
    expect(json.saliency).toBe('seed');
    expect(json.parameters).toBe(n);
    expect(json.rows).toBe(178);
    expect(json.rowSelection).toBe('all');
    const reference = exactHessianDiagonal(model.network, batchForModel(model, loadDataset('wine')), 'classification');
    expect(json.hessianDiag).toEqual(Array.from(reference));
    for (let j = 0; j < n; j++) {
      if (pruned.includes(j)) expect(json.scores[j]).toBeNull();
      else expect(json.scores[j]).toBeCloseTo((reference[j]! * model.network.params[j]! ** 2) / 2, 14);
    }
    expect(json.order).toHaveLength(n - pruned.length);
    for (const j of pruned) expect(json.order).not.toContain(j);
  });

  it('by default scores on the model’s own training rows, where the fit is a stationary point (gradientNorm ≤ 1e-5)', async () => {
    const json = await relevance('--model', bostonModel, '--dataset', 'boston', '--method', 'obd');
    expect(json.rowSelection).toBe('train');
    expect(json.rows).toBe(379);
    expect(json.gradientNorm).toBeLessThanOrEqual(1e-5);
    expect(json.saliency).toBe('map');
    const model = readModelFile(bostonModel);
    const train = rowsForModel(model, loadDataset('boston'), 'train');
    expect(json.hessianDiag).toEqual(Array.from(exactHessianDiagonal(model.network, train.batch, 'regression', { noiseVariance: 1 })));
    // On all rows ŵ is no longer a stationary point, and the output says how far from one.
    const all = await relevance('--model', bostonModel, '--dataset', 'boston', '--method', 'obd', '--rows', 'all');
    expect(all.rows).toBe(506);
    expect(all.gradientNorm).toBeGreaterThan(1e-3);
    const test = await relevance('--model', bostonModel, '--dataset', 'boston', '--method', 'magnitude', '--rows', 'test');
    expect(test.rows).toBe(127);
  });

  it('a model that does not record its split is scored on all rows, with a note on stderr', async () => {
    const model = readModelFile(wineModel);
    const bare = join(folder, 'bare.json');
    writeModelFile(bare, { ...model, training: {} });
    const { code, stderr, stdout } = await runCli(['relevance', '--model', bare, '--dataset', 'wine', '--method', 'magnitude']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/note: scoring on all 178 rows: the model does not record its training split/);
    expect(stdout).toContain('curvature over 178 rows (all)');
    await expectCliError(['relevance', '--model', bare, '--dataset', 'wine', '--method', 'obd', '--rows', 'train'], '--rows train', 'does not record', '--rows all');
  });

  it('belsley labels its matrix; variational fits a posterior when the model has none and says so', async () => {
    const belsley = await relevance('--model', wineModel, '--dataset', 'wine', '--method', 'belsley', '--matrix', 'laplace');
    expect(belsley.label).toContain('laplace');
    expect(belsley.details['matrix']).toBe('laplace');
    expect((belsley.details['conditionIndices'] as unknown[]).length).toBe(belsley.order.length);
    const variational = await relevance('--model', wineModel, '--dataset', 'wine', '--method', 'variational', '--seed', '3');
    expect(variational.note).toMatch(/fitted one now/);
    const again = await relevance('--model', wineModel, '--dataset', 'wine', '--method', 'variational', '--seed', '3');
    expect(again.order).toEqual(variational.order);
  });

  it('--structured adds hidden-unit scores', async () => {
    const json = await relevance('--model', wineModel, '--dataset', 'wine', '--method', 'magnitude', '--structured');
    expect(json.structured).toHaveLength(6);
    expect(json.structured![0]!.unit).toMatch(/^h1\[\d\]$/);
  });

  it('human output lists the least relevant parameters', async () => {
    const { code, stdout } = await runCli(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'obd', '--top', '3']);
    expect(code).toBe(0);
    expect(stdout).toContain('obd (exact Hessian diagonal; saliency map');
    expect(stdout.split('\n').filter((line) => /^\s+[123]\s+[Wb]\d/.test(line))).toHaveLength(3);
  });
});

describe('prunus relevance errors', () => {
  it('names the problem in one line with exit 1', async () => {
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'nope'], '"nope" is not a method');
    await expectCliError(['relevance', '--dataset', 'wine', '--method', 'obd'], '--model M is required');
    await expectCliError(['relevance', '--model', join(folder, 'missing.json'), '--dataset', 'wine', '--method', 'obd'], 'missing.json', 'no such file');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'obd', '--matrix', 'laplace'], '--matrix applies to belsley');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'belsley', '--matrix', 'samples'], 'needs --samples');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'obs', '--curvature', 'becker-lecun'], 'obd only');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'boston', '--method', 'obd'], 'no column "class"');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'obd', '--rows', 'some'], '--rows: "some"');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'obd', '--saliency', 'x'], '--saliency: "x"');
    await expectCliError(['relevance', '--model', wineModel, '--dataset', 'wine', '--method', 'magnitude', '--saliency', 'seed'], '--saliency applies to obd');
    const wrongVersion = join(folder, 'v2.json');
    writeFileSync(wrongVersion, JSON.stringify({ format: 'prunus-mlp', version: 2 }));
    await expectCliError(['relevance', '--model', wrongVersion, '--dataset', 'wine', '--method', 'obd'], 'version');
  });
});

describe('prunus demo', () => {
  it('trains on Wine and shows every method and the illustration', async () => {
    const { code, stdout } = await runCli(['demo', '--json', '--quiet']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { test: { accuracy: number }; map: { converged: boolean }; methods: { method: string }[]; illustration: { removed: string[]; kept: string[] } };
    expect(json.map.converged).toBe(true);
    expect(json.test.accuracy).toBeGreaterThan(0.9);
    expect(new Set(json.methods.map((m) => m.method))).toEqual(new Set(['random', 'magnitude', 'obd', 'variational', 'belsley', 'obs']));
    expect(json.illustration.removed).toHaveLength(3);
    expect(json.illustration.kept).toContain('x');
  });
});

// Fixed example of a bug the fuzz suite (test/fuzz/modelfile.fuzz.test.ts) found.
describe('prunus relevance: regressions found by fuzzing', () => {
  it('a recorded seed that is no seed is named as the model file\'s (it was "--seed: 1e+300 is outside …", a flag not given)', async () => {
    const model = readModelFile(wineModel);
    const data = model.training!['data'] as Record<string, unknown>;
    const path = join(folder, 'bad-seed.json');
    writeModelFile(path, { ...model, training: { ...model.training, data: { ...data, seed: 1e300 } } });
    await expectCliError(['relevance', '--model', path, '--dataset', 'wine', '--method', 'magnitude'], `${path}: training.data.seed is 1e+300, not a seed (an integer from 0 to 2^32 − 1); give --seed`);
  });
});

describe('prunus relevance: a model whose numbers overflow (found by fuzzing)', () => {
  // A valid 2-2-2 classifier with one weight at the top of the double range.
  const huge = (weight: number, activation: string): string => {
    const path = join(folder, `huge-${weight}-${activation}.json`);
    writeFileSync(path, JSON.stringify({
      format: 'prunus-mlp', version: 1, task: 'classification', features: ['a', 'b'], target: 'y', classes: ['0', '1'], inputScaling: null, targetScaling: null,
      layers: [{ weight: [[weight, 0], [0, 0]], bias: [0, 0], activation }, { weight: [[0, 0], [0, 0]], bias: [0, 0], activation: 'identity' }],
    }));
    return path;
  };
  const data = (): string => {
    const path = join(folder, 'huge-data.csv');
    writeFileSync(path, 'a,b,y\n0.5,1,0\n-1,2,1\n2,-0.5,0\n1,1,1\n');
    return path;
  };

  it('an infinite OBS score is refused naming the parameter (it was printed as null, as for a pruned one)', async () => {
    const path = huge(-1e300, 'tanh');
    await expectCliError(['relevance', '--model', path, '--dataset', data(), '--method', 'obs', '--rows', 'all'], `${path}: the obs score of W1[0,0] is not a finite number (the model's weights are too large for obs)`);
  });

  it('a method that meets an overflow inside says so without its internals (it was "cholesky: a has a non-finite entry NaN at (0, 0)")', async () => {
    const path = huge(Number.MAX_VALUE, 'relu');
    const line = await expectCliError(['relevance', '--model', path, '--dataset', data(), '--method', 'obs', '--rows', 'all'], `${path}: `, 'too large');
    expect(line).not.toMatch(/NaN|cholesky/);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCliError, runCli as run } from '../helpers/cli.js';
import { loadDataset } from '../../src/data/index.js';
import { predictRaw } from '../../src/nn/model.js';
import { readModelFile } from '../../src/nn/modelfile.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-predict-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

interface PredictJson {
  task: string;
  classes?: string[];
  rows: number;
  predictions: ({ label: string; probabilities: number[] } | number)[];
  metrics: { accuracy?: number; rmse?: number; r2?: number } | null;
}

const wineModel = join(folder, 'wine.json');
const wineLines = readFileSync(fileURLToPath(new URL('../../data/wine.csv', import.meta.url)), 'utf8').trimEnd().split('\n');

beforeAll(async () => {
  const { code } = await run(['train', '--dataset', 'wine', '--hidden', '6', '--out', wineModel, '--json']);
  expect(code).toBe(0);
});

describe('prunus predict', () => {
  it('--json on Wine: one labelled probability vector per row, in class order, and the accuracy', async () => {
    const { code, stdout, stderr } = await run(['predict', '--model', wineModel, '--dataset', 'wine', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as PredictJson;
    expect(result.task).toBe('classification');
    expect(result.classes).toEqual(['0', '1', '2']);
    expect(result.rows).toBe(178);
    expect(result.predictions).toHaveLength(178);
    const model = readModelFile(wineModel);
    const wine = loadDataset('wine');
    const expected = predictRaw(model, wine.x);
    result.predictions.forEach((p, i) => {
      if (typeof p === 'number') throw new Error('a classifier predicts labels');
      expect(p.probabilities).toEqual(Array.from(expected.subarray(3 * i, 3 * i + 3)));
      const best = p.probabilities.indexOf(Math.max(...p.probabilities));
      expect(p.label).toBe(['0', '1', '2'][best]);
    });
    expect(result.metrics!.accuracy).toBeGreaterThan(0.9);
  });

  it('data without the target column: predictions, no metrics; extra columns and another column order are fine', async () => {
    const header = wineLines[0]!.split(',');
    const order = [...header.slice(0, -1)].reverse();
    const rows = wineLines.slice(1, 6).map((line) => {
      const cells = line.split(',');
      return ['id-' + cells[0], ...order.map((name) => cells[header.indexOf(name)])].join(',');
    });
    const path = file('no-target.csv', `id,${order.join(',')}\n${rows.join('\n')}\n`);
    const { code, stdout } = await run(['predict', '--model', wineModel, '--dataset', path, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as PredictJson;
    expect(result.metrics).toBeNull();
    expect(result.predictions).toHaveLength(5);
    const withTarget = JSON.parse((await run(['predict', '--model', wineModel, '--dataset', 'wine', '--json'])).stdout) as PredictJson;
    expect(result.predictions).toEqual(withTarget.predictions.slice(0, 5));
  });

  it('human output: a table of the first rows and the metric', async () => {
    const { code, stdout } = await run(['predict', '--model', wineModel, '--dataset', 'wine', '--rows', '3']);
    expect(code).toBe(0);
    expect(stdout).toContain('line    prediction   probability        actual');
    expect(stdout).toContain('(175 more rows; --json for all)');
    expect(stdout).toMatch(/accuracy 0\.9\d\d on 178 rows/);
  });

  it('a regressor predicts numbers in target units (the deep-regressor fixture)', async () => {
    const { code, stdout } = await run(['predict', '--model', join(fixtures, 'deep-regressor.model.json'), '--dataset', join(fixtures, 'deep-regressor.data.csv'), '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as PredictJson;
    expect(result.task).toBe('regression');
    expect(result.rows).toBe(25);
    expect(result.predictions.every((p) => typeof p === 'number')).toBe(true);
    expect(result.metrics).toHaveProperty('rmse');
    expect(result.metrics).toHaveProperty('r2');
  });

  it('a masked model (masked-relu fixture) predicts', async () => {
    const { code, stdout } = await run(['predict', '--model', join(fixtures, 'masked-relu.model.json'), '--dataset', join(fixtures, 'masked-relu.data.csv'), '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as PredictJson).predictions).toHaveLength(30);
  });

  describe('bad input: exit 1, one line naming the problem', () => {
    const model = (name: string, edit: (json: Record<string, any>) => void): string => {
      const json = JSON.parse(readFileSync(wineModel, 'utf8')) as Record<string, any>;
      edit(json);
      return file(name, JSON.stringify(json));
    };

    it('model file with a wrong version', async () => {
      const path = model('v2.json', (j) => (j['version'] = 2));
      await expectCliError(['predict', '--model', path, '--dataset', 'wine'], `${path}: unsupported version 2 of prunus-mlp`);
    });
    it('model file with a wrong shape', async () => {
      const path = model('shape.json', (j) => j['layers'][1]['weight'][2].pop());
      await expectCliError(['predict', '--model', path, '--dataset', 'wine'], `${path}: layers[1].weight[2] has 5 values, expected 6 (the outputs of layers[0])`);
    });
    it('model file that does not exist or is not JSON', async () => {
      await expectCliError(['predict', '--model', join(folder, 'absent.json'), '--dataset', 'wine'], 'no such file');
      await expectCliError(['predict', '--model', file('text.json', 'hello'), '--dataset', 'wine'], 'not valid JSON');
    });
    it('data without a feature the model needs', async () => {
      const path = file('few.csv', 'alcohol,class\n13,0\n12,1\n');
      await expectCliError(['predict', '--model', wineModel, '--dataset', path], `${path}: no column "malic_acid"`, 'which the model needs');
    });
    it('unknown dataset path', async () => {
      await expectCliError(['predict', '--model', wineModel, '--dataset', join(folder, 'nope.csv')], 'no such file');
    });
    it('unknown --target', async () => {
      await expectCliError(['predict', '--model', wineModel, '--dataset', 'wine', '--target', 'colour'], 'wine.csv: no column "colour"');
    });
    it('non-numeric feature cell', async () => {
      const cells = wineLines[1]!.split(',');
      cells[2] = 'lots';
      const path = file('bad-cell.csv', `${wineLines[0]}\n${cells.join(',')}\n`);
      await expectCliError(['predict', '--model', wineModel, '--dataset', path], `${path} line 2, column "${wineLines[0]!.split(',')[2]}": "lots" is not a number`);
    });
    it('a class the model does not know', async () => {
      const cells = wineLines[1]!.split(',');
      cells[cells.length - 1] = '7';
      const path = file('new-class.csv', `${wineLines[0]}\n${cells.join(',')}\n`);
      await expectCliError(['predict', '--model', wineModel, '--dataset', path], `${path} line 2, column "class": class "7" is not one the model knows (0, 1, 2)`);
    });
    it('ragged CSV', async () => {
      const path = file('ragged.csv', `${wineLines[0]}\n${wineLines[1]}\n1,2\n`);
      await expectCliError(['predict', '--model', wineModel, '--dataset', path], `${path} line 3: expected 14 fields`);
    });
    it('missing flags', async () => {
      await expectCliError(['predict', '--dataset', 'wine'], '--model FILE is required');
      await expectCliError(['predict', '--model', wineModel], '--dataset NAME|PATH is required');
    });
  });
});

// Fixed example of a bug the fuzz suite (test/fuzz/modelfile.fuzz.test.ts) found.
describe('prunus predict: regressions found by fuzzing', () => {
  it('refuses a prediction that overflows, naming its line (it was printed as null, exit 0)', async () => {
    // A valid regressor whose target std is the largest double: 1·x·1.8e308 overflows for x = 2.
    const model = file('huge-std.json', JSON.stringify({
      format: 'prunus-mlp', version: 1, task: 'regression', features: ['a'], target: 'y', classes: null,
      inputScaling: null, targetScaling: { mean: 0, std: Number.MAX_VALUE }, layers: [{ weight: [[1]], bias: [0], activation: 'identity' }],
    }));
    const data = file('huge-std.csv', 'a\n0.5\n2\n');
    await expectCliError(['predict', '--model', model, '--dataset', data, '--json'], `${data} line 3: the model's prediction is not a finite number (its weights or scaling overflow on this row)`);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCliError, runCli as run } from '../helpers/cli.js';
import { readModelFile } from '../../src/nn/modelfile.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-train-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes a file into the test folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

interface TrainJson {
  dataset: string;
  task: string;
  taskInferred: boolean;
  target: string;
  classes: string[] | null;
  rows: { train: number; test: number; dropped: number };
  architecture: number[];
  parameters: number;
  map: { converged: boolean; gradientNorm: number; iterations: number };
  prior: { criterion: string; requested: string; scope: string; alpha: number | number[]; noiseVariance?: number; gamma?: number; logEvidence?: number; elbo?: { value: number } };
  variational: { prior: string; alpha: number[]; epochs: number; elbo: number } | null;
  train: { accuracy?: number; rmse?: number; r2?: number };
  test: { accuracy?: number; rmse?: number; r2?: number };
  out: string;
}

describe('prunus train', () => {
  it('--json on Wine: test accuracy, architecture, a model file that reads back', async () => {
    const out = join(folder, 'wine.json');
    // --quiet: on a busy machine the fit may take over a second and show progress.
    const { code, stdout, stderr } = await run(['train', '--dataset', 'wine', '--hidden', '8', '--out', out, '--json', '--quiet']);
    expect(code).toBe(0);
    expect(stderr).toBe(''); // --json: the inferred task is in the result, not on stderr
    const result = JSON.parse(stdout) as TrainJson;
    expect(result.dataset).toBe('wine');
    expect(result.task).toBe('classification');
    expect(result.taskInferred).toBe(true);
    expect(result.classes).toEqual(['0', '1', '2']);
    expect(result.architecture).toEqual([13, 8, 3]);
    expect(result.parameters).toBe(8 * 14 + 3 * 9);
    expect(result.rows.train + result.rows.test).toBe(178);
    expect(result.map.converged).toBe(true);
    expect(result.map.gradientNorm).toBeLessThan(1e-5);
    expect(result.variational).toBeNull();
    expect(result.test.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.train.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.out).toBe(out);
    const model = readModelFile(out);
    expect(model.network.sizes).toEqual([13, 8, 3]);
    expect(model.features).toHaveLength(13);
    expect(model.training).toMatchObject({ seed: 0, hidden: [8], activation: 'tanh' });
    // The prior was chosen by the default criterion, and the model records it and its split.
    expect(result.prior).toMatchObject({ criterion: 'elbo', requested: 'auto', scope: 'global' });
    expect(result.prior.alpha).toBeGreaterThan(0);
    expect(result.prior.noiseVariance).toBeUndefined(); // classification
    expect(model.training).toMatchObject({
      data: { dataset: 'wine', target: 'class', seed: 0, testFraction: 0.25, rows: 178, trainRows: result.rows.train, testRows: result.rows.test },
      prior: { criterion: 'elbo', requested: 'auto' },
    });
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('human output: a summary on stdout, the inferred task on stderr', async () => {
    const out = join(folder, 'wine-human.json');
    const { code, stdout, stderr } = await run(['train', '--dataset', 'wine', '--hidden', '4', '--out', out, '--quiet']);
    expect(code).toBe(0);
    expect(stderr).toBe('prunus train: task inferred: classification (target "class" has 3 distinct integer values; --task regression to override)\n');
    expect(stdout).toContain('network: 13-4-3, tanh, 71 parameters');
    expect(stdout).toContain('MAP fit: converged');
    expect(stdout).toMatch(/test: {2}accuracy 0\.9\d\d/);
    expect(stdout).toContain(`saved to ${out}`);
    expect(existsSync(out)).toBe(true);
  });

  it('a regression CSV with --task, --target and --variational', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => {
      const a = Math.sin(i);
      const b = Math.cos(3 * i);
      return `${i % 7},${a.toFixed(4)},${b.toFixed(4)},${(2 * a - b + 0.01 * (i % 3)).toFixed(4)}`;
    });
    const path = file('reg.csv', `k,a,b,y\n${rows.join('\n')}\n`);
    const out = join(folder, 'reg.json');
    const { code, stdout } = await run([
      'train', '--dataset', path, '--target', 'y', '--task', 'regression', '--hidden', '3', '--variational', '--variational-epochs', '20',
      '--seed', '2', '--test-fraction', '0.2', '--out', out, '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as TrainJson;
    expect(result.task).toBe('regression');
    expect(result.taskInferred).toBe(false);
    expect(result.rows).toEqual({ train: 48, test: 12, dropped: 0 });
    expect(result.test.rmse).toBeGreaterThan(0);
    expect(result.test.r2).toBeGreaterThan(0.5);
    expect(result.variational).toMatchObject({ prior: 'global', epochs: 20 });
    const model = readModelFile(out);
    expect(model.posterior).toBeDefined();
    expect(model.targetScaling).not.toBeNull();
  });

  it('--alpha laplace on a regressor: α, s², γ and the log evidence in the result and the model file', async () => {
    const out = join(folder, 'friedman.json');
    const { code, stdout } = await run(['train', '--dataset', 'friedman', '--hidden', '4', '--alpha', 'laplace', '--out', out, '--json', '--quiet']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as TrainJson;
    expect(result.prior).toMatchObject({ criterion: 'laplace', requested: 'laplace', scope: 'global' });
    expect(result.prior.gamma).toBeGreaterThan(0);
    expect(result.prior.gamma).toBeLessThan(result.parameters);
    expect(Number.isFinite(result.prior.logEvidence)).toBe(true);
    const model = readModelFile(out);
    expect(model.noiseVariance).toBe(result.prior.noiseVariance);
    expect(model.training?.['alpha']).toEqual([result.prior.alpha, result.prior.alpha]);
  });

  it('a numeric --alpha is a fixed prior; --prior layer gives one α per layer', async () => {
    const fixed = JSON.parse((await run(['train', '--dataset', 'wine', '--hidden', '3', '--alpha', '2.5', '--out', join(folder, 'fixed.json'), '--json', '--quiet'])).stdout) as TrainJson;
    expect(fixed.prior).toMatchObject({ criterion: 'fixed', requested: 'fixed', alpha: 2.5 });
    const layered = JSON.parse((await run(['train', '--dataset', 'wine', '--hidden', '3', '--alpha', 'elbo', '--prior', 'layer', '--variational-epochs', '50', '--out', join(folder, 'layer.json'), '--json', '--quiet'])).stdout) as TrainJson;
    expect(layered.prior.scope).toBe('layer');
    expect(layered.prior.alpha).toHaveLength(2);
  });

  describe('bad input: exit 1, one line naming the problem', () => {
    const out = (): string => join(folder, 'never.json');

    it('missing --out', async () => {
      await expectCliError(['train', '--dataset', 'wine'], '--out FILE is required');
    });
    it('missing --dataset', async () => {
      await expectCliError(['train', '--out', out()], '--dataset NAME|PATH is required');
    });
    it('unknown dataset path', async () => {
      await expectCliError(['train', '--dataset', join(folder, 'nope.csv'), '--out', out()], `cannot read ${join(folder, 'nope.csv')}: no such file`);
    });
    it('unknown --target', async () => {
      await expectCliError(['train', '--dataset', 'wine', '--target', 'colour', '--out', out()], 'wine.csv: no column "colour"');
    });
    it('ragged CSV', async () => {
      const path = file('ragged.csv', 'a,b,y\n1,2,0\n3,4\n5,6,1\n');
      await expectCliError(['train', '--dataset', path, '--out', out()], `${path} line 3: expected 3 fields (as in the header), found 2`);
    });
    it('non-numeric cell', async () => {
      const path = file('text.csv', 'a,b,y\n1,2,0\n3,four,1\n5,6,1\n');
      await expectCliError(['train', '--dataset', path, '--out', out()], `${path} line 3, column "b": "four" is not a number`);
    });
    it('--hidden with a bad entry', async () => {
      await expectCliError(['train', '--dataset', 'wine', '--hidden', '16,x', '--out', out()], '--hidden: entry 2 "x" is not a positive integer');
      await expectCliError(['train', '--dataset', 'wine', '--hidden', '0', '--out', out()], '--hidden: "0" is not a positive integer');
    });
    it('unknown activation, task, flag; bad numbers', async () => {
      await expectCliError(['train', '--dataset', 'wine', '--activation', 'gelu', '--out', out()], '--activation: "gelu" is not an activation');
      await expectCliError(['train', '--dataset', 'wine', '--task', 'ranking', '--out', out()], '--task: "ranking" is not a task');
      await expectCliError(['train', '--dataset', 'wine', '--colour', 'red', '--out', out()], "Unknown option '--colour'");
      await expectCliError(['train', '--dataset', 'wine', '--epochs', '2.5', '--out', out()], '--epochs: "2.5" is not an integer');
      await expectCliError(['train', '--dataset', 'wine', '--test-fraction', '1', '--out', out()], '--test-fraction: 1 is not strictly between 0 and 1');
      await expectCliError(['train', '--dataset', 'wine', '--alpha', '1', '--variational-epochs', '5', '--out', out()], '--variational-epochs needs --variational or the elbo criterion');
      await expectCliError(['train', '--dataset', 'wine', '--alpha', 'evidence', '--out', out()], '--alpha: "evidence" is not auto, laplace, laplace-max, elbo or a number');
      await expectCliError(['train', '--dataset', 'wine', '--alpha=-1', '--out', out()], '--alpha: -1 is outside');
      await expectCliError(['train', '--dataset', 'wine', '--alpha', '-1', '--out', out()], "Option '--alpha' argument is ambiguous. Did you forget");
      await expectCliError(['train', '--dataset', 'wine', '--prior', 'unit', '--out', out()], '--prior: "unit" is not global or layer');
      await expectCliError(['train', '--dataset', 'boston', '--noise-variance', '0.5', '--out', out()], '--noise-variance goes with a numeric --alpha');
    });
    it('none of them left a model file behind', () => {
      expect(existsSync(out())).toBe(false);
    });
  });

  it('an output folder that does not exist fails before training and leaves nothing behind', async () => {
    const missing = join(folder, 'missing-folder');
    await expectCliError(['train', '--dataset', 'wine', '--out', join(missing, 'model.json')], `--out: the folder ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a failed write (the target is a folder) leaves no temporary file', async () => {
    const target = join(folder, 'is-a-folder');
    mkdirSync(target);
    await expectCliError(['train', '--dataset', 'wine', '--out', target], `--out: ${target} is a folder, not a file`);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites an existing model without --force', async () => {
    const path = file('existing.json', 'keep me');
    await expectCliError(['train', '--dataset', 'wine', '--hidden', '2', '--out', path], `--out: ${path} exists (--force to overwrite it)`);
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    const { code } = await run(['train', '--dataset', 'wine', '--hidden', '2', '--alpha', '1', '--out', path, '--force', '--quiet']);
    expect(code).toBe(0);
    expect(readModelFile(path).network.sizes).toEqual([13, 2, 3]);
  });

  it('a data error after the output was chosen leaves no file', async () => {
    const path = file('one-class.csv', 'a,y\n1,0\n2,0\n3,0\n');
    const modelPath = join(folder, 'one-class.json');
    await expectCliError(['train', '--dataset', path, '--out', modelPath], 'has only one class');
    expect(existsSync(modelPath)).toBe(false);
    expect(readFileSync(path, 'utf8')).toContain('a,y');
  });
});

// Fixed examples of the bugs the fuzz suite (test/fuzz/flags.fuzz.test.ts) found.
describe('prunus train: regressions found by fuzzing', () => {
  const tiny = (): string => file('tiny-limits.csv', 'a,b,y\n0,1,0\n1,0,1\n2,1,0\n3,0,1\n0.5,2,0\n1.5,2,1\n2.5,0,0\n3.5,1,1\n');

  it('--epochs and --variational-epochs have a ceiling (--epochs 1e9 ran Adam for a billion epochs)', async () => {
    await expectCliError(['train', '--dataset', tiny(), '--out', join(folder, 'e.json'), '--epochs', '1e9'], '--epochs: 1000000000 is outside [0, 1000000]');
    await expectCliError(['train', '--dataset', tiny(), '--out', join(folder, 'e.json'), '--variational', '--variational-epochs', '1000001'], '--variational-epochs: 1000001 is outside [1, 1000000]');
  });

  it('a network of more than ten million parameters is refused naming its size (it failed: "Invalid typed array length")', async () => {
    // Before any data is read: one input and one output are a lower bound.
    await expectCliError(['train', '--dataset', tiny(), '--out', join(folder, 'h.json'), '--hidden', '99999999999'], '--hidden: a 1-99999999999-1 network has 299999999998 parameters; the limit is 10000000');
    await expectCliError(['train', '--dataset', tiny(), '--out', join(folder, 'h.json'), '--hidden', '100000,100000'], '--hidden: a 1-100000-100000-1 network has');
    // Once the data says 2 features and 2 classes.
    await expectCliError(['train', '--dataset', tiny(), '--out', join(folder, 'h.json'), '--hidden', '3000000'], '--hidden: a 2-3000000-2 network has 15000002 parameters; the limit is 10000000');
    expect(existsSync(join(folder, 'h.json'))).toBe(false);
  });
});

describe('prunus train: one stderr line on failure (found by fuzzing)', () => {
  it('the inferred task is said after the model is saved, so a split with an empty side prints its error alone', async () => {
    const path = file('tiny-split.csv', 'a,y\n0,0\n1,1\n2,0\n3,1\n4,0\n5,1\n');
    // expectCliError asks for exactly one stderr line: the note came first, then the error.
    await expectCliError(['train', '--dataset', path, '--hidden', '2', '--alpha', '1', '--test-fraction', '0.99', '--out', join(folder, 'split.json')], 'leaves the training side empty');
    const ok = await run(['train', '--dataset', path, '--hidden', '2', '--alpha', '1', '--quiet', '--out', join(folder, 'split.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('prunus train: task inferred: classification');
  });
});

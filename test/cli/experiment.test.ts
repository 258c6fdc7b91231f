import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectCliError, runCli } from '../helpers/cli.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-experiment-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const FLAGS = ['--dataset', 'wine', '--hidden', '3', '--levels', '0,50,100', '--seeds', '2', '--methods', 'magnitude,obd', '--fine-tune', '2', '--noise', '0,0.5', '--variational-epochs', '40', '--no-search', '--quiet'];
const BIN = join(process.cwd(), 'bin', 'prunus.js');

describe('prunus experiment', () => {
  it('an in-process run, --plan + prunus cell (xargs -P 2) + --collect, and --resume give the same results.json', async () => {
    const inProcess = join(folder, 'in-process');
    const run = await runCli(['experiment', ...FLAGS, '--out', inProcess, '--workers', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`report: ${join(inProcess, 'report.html')}`);
    const expected = readFileSync(join(inProcess, 'results.json'), 'utf8');
    expect(JSON.parse(expected).command).toBe(`prunus experiment ${FLAGS.filter((f) => f !== '--quiet').join(' ')}`);

    const planned = join(folder, 'planned');
    expect((await runCli(['experiment', ...FLAGS, '--plan', planned])).code).toBe(0);
    const cells = readdirSync(join(planned, 'cells')).filter((f) => f.endsWith('.cell.json'));
    expect(cells.sort()).toEqual(['magnitude-seed0.cell.json', 'magnitude-seed1.cell.json', 'obd-seed0.cell.json', 'obd-seed1.cell.json']);
    execFileSync('sh', ['-c', `ls ${join(planned, 'cells')}/*.cell.json | xargs -P 2 -n 1 node ${BIN} cell`], { stdio: 'pipe' });
    expect((await runCli(['experiment', '--collect', planned, '--quiet'])).code).toBe(0);
    expect(readFileSync(join(planned, 'results.json'), 'utf8')).toBe(expected);

    // An interrupted run: one cell lost; --resume runs only that one.
    rmSync(join(inProcess, 'cells', 'obd-seed1.result.json'));
    rmSync(join(inProcess, 'results.json'));
    const resumed = await runCli(['experiment', ...FLAGS.filter((f) => f !== '--quiet'), '--out', inProcess, '--resume', '--workers', '1']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming: 3 cells finished, 1 to run');
    expect(readFileSync(join(inProcess, 'results.json'), 'utf8')).toBe(expected);
    expect(existsSync(join(inProcess, 'timing.json'))).toBe(true);
  }, 180_000);

  it('Ctrl-C keeps the finished cells, says how to continue, and --resume finishes the same results', async () => {
    const dir = join(folder, 'interrupted');
    const flags = [BIN, 'experiment', ...FLAGS.filter((f) => f !== '--quiet'), '--seeds', '4', '--out', dir, '--workers', '1'];
    const child = spawn('node', flags, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const cells = join(dir, 'cells');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(cells) && readdirSync(cells).some((f) => f.endsWith('.result.json'))) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted after \d+ of 8 cells; the finished ones are kept in .*--resume to continue/);
    const kept = readdirSync(cells).filter((f) => f.endsWith('.result.json')).length;
    expect(kept).toBeGreaterThan(0);
    expect(readdirSync(cells).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const resumed = await runCli(['experiment', ...FLAGS, '--seeds', '4', '--out', dir, '--workers', '1', '--resume']);
    expect(resumed.code).toBe(0);
    const complete = await runCli(['experiment', ...FLAGS, '--seeds', '4', '--out', join(folder, 'uninterrupted'), '--workers', '2']);
    expect(complete.code).toBe(0);
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe(readFileSync(join(folder, 'uninterrupted', 'results.json'), 'utf8'));
  }, 180_000);

  it('refuses a folder that holds an experiment, bad methods and levels, and a foreign cell file', async () => {
    const dir = join(folder, 'in-process');
    await expectCliError(['experiment', ...FLAGS, '--out', dir], 'already holds an experiment', '--resume', '--force');
    await expectCliError(['experiment', '--dataset', 'wine', '--methods', 'obd,nope', '--out', join(folder, 'x')], '--methods: "nope" is not a method');
    await expectCliError(['experiment', '--dataset', 'wine', '--levels', '0,150', '--out', join(folder, 'x')], '--levels: 150 is outside');
    await expectCliError(['experiment', '--collect', join(folder, 'nothing')], 'no plan.json');
    await expectCliError(['cell', join(folder, 'in-process', 'results.json')], 'ends in .cell.json');
  });
});

// Fixed example of a bug the fuzz suite (test/fuzz/flags.fuzz.test.ts) found.
describe('prunus cell: regressions found by fuzzing', () => {
  it("a cell file with a field of the wrong type is refused naming the field (it was \"Cannot read properties of null (reading 'dataset')\")", async () => {
    const cell = join(folder, 'hand-edited.cell.json');
    const settings = { dataset: { name: 'wine' }, levels: [0, 100], fineTuneEpochs: 0, hidden: [3], activation: 'tanh', testFraction: 0.25, inputNoise: [0], noiseDraws: 2, posteriorEpochs: 10 };
    const write = (fields: Record<string, unknown>): void => writeFileSync(cell, JSON.stringify({ format: 'prunus-cell', version: 1, method: 'obd', seed: 0, settings, ...fields }));
    write({ settings: null });
    await expectCliError(['cell', cell], `${cell}: settings is null, expected an object`);
    write({ settings: { ...settings, hidden: '3' } });
    await expectCliError(['cell', cell], `${cell}: settings.hidden is "3", expected positive integers`);
    write({ method: 'nope' });
    await expectCliError(['cell', cell], `${cell}: method is "nope", expected search or one of`);
    write({ seed: -1 });
    await expectCliError(['cell', cell], `${cell}: seed is -1, expected an integer from 0 to 2^32 − 1`);
    writeFileSync(cell, 'null');
    await expectCliError(['cell', cell], `${cell}: not a prunus cell (the file holds null)`);
    writeFileSync(cell, '{}');
    await expectCliError(['cell', cell], `${cell}: not a prunus cell (format missing, version missing)`);
  });
});

/**
 * Fuzzing the command line: every command with flags drawn from its own option table (the
 * flags its usage text lists), values valid and not (negative, fractional, huge, `NaN`,
 * `Infinity`, `0x10`, empty, a flag where a value belongs, a line break), flags repeated or
 * missing their value, `--flag=value` forms, stray words, unknown commands. A run either fails
 * cleanly (exit 1, or 2 for an unknown command; one stderr line) or succeeds with a result that
 * says what the flags asked for (the seed, the test fraction, the architecture, the rows).
 *
 * Runs stay in-process and cheap: data sets of a dozen rows, a 2-unit network by default, and
 * the value pools leave out valid values that only make a run slow (the `synthetic` set, the
 * ELBO criterion, a tiny regression noise variance). `prunus demo` always ends with an
 * invalid `--top`, `select` with a file it cannot read, `experiment` with `--plan` (planning is
 * instant), and `cell` only ever gets files that are not cells: their successes are whole
 * experiments, covered by test/cli. Two runs go through a child process to prove the real
 * exit codes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { belsleyCommand } from '../../src/cli/belsley.js';
import { cellCommand } from '../../src/cli/cell.js';
import type { Command } from '../../src/cli/common.js';
import { demoCommand } from '../../src/cli/demo.js';
import { experimentCommand } from '../../src/cli/experiment.js';
import { exportCommand } from '../../src/cli/export.js';
import { predictCommand } from '../../src/cli/predict.js';
import { relevanceCommand } from '../../src/cli/relevance.js';
import { selectCommand } from '../../src/cli/select.js';
import { shrinkCommand } from '../../src/cli/shrink.js';
import { trainCommand } from '../../src/cli/train.js';
import { readModelFile } from '../../src/nn/modelfile.js';
import { runCli, type RunResult } from '../helpers/cli.js';
import { CaseCounter, expectCleanFailure, expectNoGiveaways, oneLine, params, scratchFolder } from './fuzz.js';

const counter = new CaseCounter('command-line flags');
const folder = scratchFolder('flags');
// Flag values are also relative paths (`--out NaN`): they land in the scratch folder, not the checkout.
const home = process.cwd();
beforeAll(() => process.chdir(folder));
afterAll(() => {
  process.chdir(home);
  counter.report();
  rmSync(folder, { recursive: true, force: true });
});

const COMMANDS: Command[] = [trainCommand, predictCommand, relevanceCommand, belsleyCommand, shrinkCommand, exportCommand, selectCommand, experimentCommand, cellCommand, demoCommand];

/** A command's flags, as its usage text lists them (the text is written from the option table). */
function flagsOf(command: Command): string[] {
  return [...new Set(command.usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

// The files the flags point at.
const path = (name: string): string => join(folder, name);
const TINY = path('tiny.csv');
const TINY_REGRESSION = path('tiny-regression.csv');
const RAGGED = path('ragged.csv');
const SAMPLES = path('samples.csv');
const MODEL = path('model.json');
/** A file that exists, for --out (a copy of the model: --force may overwrite it). */
const EXISTING = path('existing.json');
const NOT_A_CELL = path('x.cell.json');
/** Cell files that are not quite cells (a real one would run a whole experiment cell). */
const CELLS = ['null', '[]', '{}', '{"format":"prunus-cell","version":2}', '{"format":"prunus-cell","version":1,"method":"obd","seed":0,"settings":{"dataset":{"name":"wine"},"hidden":"3"}}', '{"format":"prunus-cell","version":1', ''];
let fresh = 0;
/** A path nothing exists at yet. */
const freshPath = (ext: string): string => path(`out-${fresh++}${ext}`);

beforeAll(async () => {
  const rows = ['a,b,y', '0.1,1,0', '0.5,2,1', '0.9,0,0', '1.3,3,1', '0.2,1.5,0', '0.7,2.5,1', '1.1,0.5,0', '1.5,3.5,1', '0.3,0.8,0', '0.6,2.2,1', '1.0,0.3,0', '1.4,3.1,1'];
  writeFileSync(TINY, rows.join('\n') + '\n');
  writeFileSync(TINY_REGRESSION, rows.map((r, i) => (i === 0 ? r : r.replace(/,(\d)$/, (_, y: string) => `,${Number(y) * 2.5 + i / 10}`))).join('\n') + '\n');
  writeFileSync(RAGGED, 'a,b,y\n1,2,0\n3,4\n');
  writeFileSync(SAMPLES, 'p,q,r\n1,0,1\n0,1,1\n2,3,5\n-1,4,3\n5,-2,3\n');
  writeFileSync(NOT_A_CELL, JSON.stringify({ format: 'prunus-cell', version: 1, method: 'obd', seed: 'x', settings: null }));
  CELLS.forEach((text, k) => writeFileSync(path(`odd-${k}.cell.json`), text));
  mkdirSync(path('a-folder'), { recursive: true });
  const trained = await runCli(['train', '--dataset', TINY, '--hidden', '2', '--alpha', '1', '--quiet', '--out', MODEL]);
  expect(trained.code).toBe(0);
  writeFileSync(EXISTING, readFileSync(MODEL));
});

/** Values that are not what a flag wants (or are, at the edge). */
const NASTY_VALUES = [
  '', ' ', '-1', '0', '1', '2', '0.5', '1.5', '1e9', '1e400', '-1e400', 'NaN', 'Infinity', '-Infinity', '0x10', ' 1 ', '1,5', '1e-300',
  '9007199254740993', '4294967296', 'abc', '--json', '-', 'a\nb', '🙂', 'null', 'undefined', '99999999999',
];

/** Valid (and near-valid) values per flag, cheap to run with; `() => string` for fresh paths. */
const VALUES: Record<string, (string | (() => string))[]> = {
  '--dataset': [TINY, TINY_REGRESSION, 'wine', 'friedman', RAGGED, path('missing.csv'), MODEL, path('a-folder')],
  '--target': ['y', 'a', 'nope', ''],
  '--task': ['classification', 'regression', 'ranking'],
  '--test-fraction': ['0.25', '0.5', '0.01', '0.99'],
  '--seed': ['0', '7', '4294967295', '-0'],
  '--hidden': ['2', '1,1', '3', '0', '2,,2', '1e3', ' 2 ', '100000,100000', '99999999999'],
  '--activation': ['tanh', 'relu', 'sigmoid', 'identity', 'gelu'],
  '--alpha': ['1', '0.5', '0', 'laplace', '1e308', 'auto', 'elbo', 'laplace-max'],
  '--prior': ['global', 'layer', 'both'],
  '--noise-variance': ['1', '0.5', '1e308'],
  '--epochs': ['0', '3', '1.5', '1e9', '1000001'],
  '--batch-size': ['1', '4', '1e15'],
  '--learning-rate': ['0.01', '1e308'],
  '--variational-epochs': ['10', '1e9', '0'],
  '--out': [() => freshPath('.json'), EXISTING, path('a-folder'), path('no-folder/x.json')],
  '--model': [MODEL, TINY, path('missing.json'), NOT_A_CELL],
  '--rows': ['train', 'test', 'all', '3', 'some'],
  '--method': ['magnitude', 'random', 'obd', 'belsley', 'obs', 'variational', 'nope'],
  '--saliency': ['map', 'likelihood', 'posterior', 'seed', 'x'],
  '--curvature': ['exact', 'gauss-newton', 'becker-lecun', 'x'],
  '--matrix': ['information', 'laplace', 'trajectory', 'samples', 'x'],
  '--samples': [SAMPLES, TINY, RAGGED, path('missing.csv')],
  '--example': ['illustration', 'other'],
  '--max-condition': ['1000', '1', '10', '0.5'],
  '--top': ['3', '1', '0'],
  '--format': ['js', 'onnx', 'tfjs', 'pdf'],
  '--precision': ['float32', 'float64', 'float16'],
  '--quantize': ['int8', 'int4'],
  '--criterion': ['evidence', 'validation', 'vibes'],
  '--step': ['0.5', '0.9', '1', '0'],
  '--min-kept': ['0.5', '0.01', '1', '0'],
  '--fine-tune': ['0', '2', '100001'],
  '--tolerance': ['0.01', '0', '-1'],
  '--methods': ['obd', 'random,obd', 'obd,obd', 'nope', ''],
  '--seeds': ['1', '2', '1001'],
  '--levels': ['0,50,100', '150', '10,a', ''],
  '--steps': ['2', '0', '1001'],
  '--noise': ['0,0.1', '-1', '101'],
  '--workers': ['1', '0', '257'],
  '--plan': [() => freshPath('')],
  '--collect': [path('missing-plan'), path('a-folder')],
};

/** A value for `flag`: one of its own, or a nasty one. */
const valueFor = (flag: string): fc.Arbitrary<string> => {
  const own = VALUES[flag] ?? [];
  const pick = own.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...own) }, { weight: 2, arbitrary: fc.constantFrom(...NASTY_VALUES) }) : fc.constantFrom(...NASTY_VALUES);
  return pick.map((v) => (typeof v === 'function' ? v() : v));
};

let cellTurn = 0;

/** Arguments that leave a valid, cheap run when nothing is changed (`cell`: files that are not cells). */
function baseArgs(command: string): string[] {
  switch (command) {
    case 'train': return ['--dataset', TINY, '--hidden', '2', '--alpha', '1', '--quiet', '--out', freshPath('.json')];
    case 'predict': return ['--model', MODEL, '--dataset', TINY, '--quiet'];
    case 'relevance': return ['--model', MODEL, '--dataset', TINY, '--method', 'magnitude', '--quiet'];
    case 'belsley': return ['--samples', SAMPLES];
    case 'shrink': return ['--model', MODEL, '--out', freshPath('.json')];
    case 'export': return ['--model', MODEL, '--format', 'js', '--out', freshPath('.mjs')];
    case 'select': return ['--dataset', TINY, '--hidden', '2', '--alpha', '1', '--quiet'];
    case 'experiment': return ['--dataset', TINY, '--methods', 'obd', '--seeds', '1', '--quiet'];
    case 'cell': {
      const k = cellTurn++ % (CELLS.length + 1);
      return [k === CELLS.length ? NOT_A_CELL : path(`odd-${k}.cell.json`)];
    }
    default: return [];
  }
}

/** What is appended last (and so wins: the last of a repeated flag counts) to keep a command cheap. */
function tailArgs(command: string): string[] {
  switch (command) {
    case 'demo': return ['--top=0']; // the demo trains Wine and runs every method: seconds
    case 'select': return ['--dataset', RAGGED]; // the search refits a posterior per step
    case 'experiment': return ['--plan', freshPath('')]; // planning writes files; running is minutes
    default: return [];
  }
}

/**
 * One token group of a generated command line: mostly a flag and a value (or `--flag=value`,
 * which a value starting with `-` needs), a boolean flag alone; now and then a flag missing its
 * value, a value given to a boolean flag, a stray word, `--`, or a misspelt flag.
 */
const tokens = (flags: string[]): fc.Arbitrary<string[]> => {
  // String flags are the ones with values above; the others are booleans (--json, --force, ...).
  const valued = flags.filter((f) => VALUES[f] !== undefined);
  const booleans = flags.filter((f) => VALUES[f] === undefined);
  const withValue = fc.constantFrom(...(valued.length > 0 ? valued : flags)).chain((flag) =>
    fc.tuple(valueFor(flag), fc.nat(2)).map(([v, form]) => (v.startsWith('-') && form > 0) || form === 0 ? [`${flag}=${v}`] : [flag, v]),
  );
  return fc.oneof(
    { weight: 10, arbitrary: withValue },
    { weight: 3, arbitrary: fc.constantFrom(...(booleans.length > 0 ? booleans : flags)).map((flag) => [flag]) },
    { weight: 1, arbitrary: fc.constantFrom(...flags).chain((flag) => fc.constantFrom<string[]>([flag], [`${flag}=`], [`${flag}=1`])) },
    { weight: 1, arbitrary: fc.constantFrom<string[]>(['--frobnicate'], ['-x'], ['stray'], ['--'], ['--', 'after'], ['--help'], ['-h'], ['--JSON'], ['---json']) },
  );
};

/** A generated command line: a command, its base flags (some dropped), random tokens, the tail. */
const commandLine: fc.Arbitrary<string[]> = fc.constantFrom(...COMMANDS).chain((command) => {
  const base = baseArgs(command.name);
  // The base as flag groups, so a dropped flag takes its value with it.
  const groups: string[][] = [];
  for (let k = 0; k < base.length; k++) groups.push(base[k]!.startsWith('--') && base[k + 1] !== undefined && !base[k + 1]!.startsWith('--') ? [base[k]!, base[++k]!] : [base[k]!]);
  return fc
    .tuple(
      // Each base flag kept five times in six.
      fc.array(fc.constantFrom(true, true, true, true, true, false), { minLength: groups.length, maxLength: groups.length }),
      fc.array(tokens(flagsOf(command)), { maxLength: 5 }),
      fc.boolean(),
    )
    .map(([keep, extra, json]) => [command.name, ...groups.filter((_, k) => keep[k]).flat(), ...extra.flat(), ...(json ? ['--json'] : []), ...tailArgs(command.name)]);
});

/**
 * The value parseArgs gives `flag` on a command line: the last `--flag v` or `--flag=v`
 * (undefined when absent). Only called on lines that parsed, so every value is there.
 */
function lastValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  for (let k = 1; k < args.length; k++) {
    const a = args[k]!;
    if (a === '--') break;
    if (a === flag) value = args[++k];
    else if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1);
    else if (a.startsWith('--') && !a.includes('=') && VALUES[a] !== undefined) k++;
  }
  return value;
}

/** Checks a successful run's result against what the flags asked for. */
function expectResultAsAsked(args: string[], result: RunResult): void {
  const command = args[0]!;
  const json = args.includes('--json') && !args.slice(0, args.indexOf('--json')).includes('--');
  if (['select', 'demo', 'cell'].includes(command)) throw new Error(`${command} succeeded, which its generated lines should never do: ${JSON.stringify(args)}`);
  // A result for people or for programs, with no give-away words in it.
  expect(result.stdout.length).toBeGreaterThan(0);
  expectNoGiveaways(result.stdout, args);
  if (json) JSON.parse(result.stdout);
  if (command === 'train') {
    const out = lastValue(args, '--out')!;
    const saved = readModelFile(out);
    if (json) {
      const r = JSON.parse(result.stdout) as { seed: number; testFraction: number; architecture: number[]; rows: { train: number; test: number }; activation: string };
      expect(r.seed === Number(lastValue(args, '--seed') ?? '0')).toBe(true); // -0 is seed 0
      expect(r.testFraction).toBe(Number(lastValue(args, '--test-fraction') ?? '0.25'));
      expect(r.activation).toBe(lastValue(args, '--activation') ?? 'tanh');
      const hidden = (lastValue(args, '--hidden') ?? '16').split(',').map(Number);
      expect(r.architecture.slice(1, -1)).toEqual(hidden);
      expect(saved.network.sizes).toEqual(r.architecture);
    }
  } else if (command === 'predict' && json) {
    const r = JSON.parse(result.stdout) as { rows: number; predictions: unknown[] };
    expect(r.predictions).toHaveLength(r.rows);
  } else if (command === 'relevance' && json) {
    const r = JSON.parse(result.stdout) as { method: string; scores: unknown[]; parameters: number };
    expect(r.method).toBe(lastValue(args, '--method'));
    expect(r.scores).toHaveLength(r.parameters);
  } else if (command === 'belsley' && json) {
    const r = JSON.parse(result.stdout) as { proportions: number[][] };
    for (const row of r.proportions) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
  } else if (command === 'shrink') {
    expect(readModelFile(lastValue(args, '--out')!).features.length).toBeGreaterThan(0);
  } else if (command === 'export') {
    expect(existsSync(lastValue(args, '--out')!)).toBe(true);
  } else if (command === 'experiment') {
    // Planned, not run: the plan holds the seeds asked for, and a cell file per method × seed (+ search).
    const dir = lastValue(args, '--plan')!;
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { seeds: number[]; methods: string[]; search: boolean };
    expect(plan.seeds).toHaveLength(Number(lastValue(args, '--seeds') ?? '5'));
    const cells = readdirSync(join(dir, 'cells')).filter((f) => f.endsWith('.cell.json'));
    expect(cells).toHaveLength(plan.seeds.length * (plan.methods.length + (plan.search ? 1 : 0)));
  }
}

describe('fuzz: the command-line flags', () => {
  it('every command with flags from its own table, valid or not, repeated or missing: one clean line and exit 1, or the result asked for', async () => {
    const slow: { ms: number; args: string[] }[] = [];
    await fc.assert(
      fc.asyncProperty(commandLine, async (args) => {
        counter.tick();
        const start = performance.now();
        const result = await runCli(args);
        slow.push({ ms: performance.now() - start, args });
        const rest = args.slice(1);
        if (rest.includes('--help') || rest.includes('-h')) {
          // Asked for help anywhere: the usage, whatever else the line says.
          const command = COMMANDS.find((c) => c.name === args[0])!;
          expect(result).toEqual({ code: 0, stdout: `${command.usage}\n`, stderr: '' });
          return;
        }
        if (result.code !== 0) {
          expectCleanFailure(args, result);
          return;
        }
        expectResultAsAsked(args, result);
      }),
      params(0xf1a6, 600),
    );
    slow.sort((a, b) => b.ms - a.ms);
    process.stdout.write(`fuzz: slowest flag cases: ${slow.slice(0, 3).map((s) => `${s.ms.toFixed(0)} ms ${JSON.stringify(s.args.slice(0, 12))}`).join('; ')}\n`);
  }, 180_000);

  it('unknown and odd command names are usage errors (exit 2, one line), help and no command print the usage', async () => {
    const name = fc.oneof(
      fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'TRAIN', 'trian', '', ' ', '-x', '--json', 'belsley\n', 'help', '--help', '-h'),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(name, fc.array(fc.constantFrom('--json', '--help', 'x', '--dataset', 'wine'), { maxLength: 3 }), async (command, rest) => {
        counter.tick();
        const args = [command, ...rest];
        const result = await runCli(args);
        if (['help', '--help', '-h'].includes(command)) {
          expect(result.code).toBe(0);
          expect(result.stdout).toMatch(/^prunus — find the optimal structure/);
          return;
        }
        const known = COMMANDS.find((c) => c.name === command);
        if (known !== undefined) {
          if (rest.includes('--help')) expect(result.stdout).toBe(`${known.usage}\n`);
          else if (result.code !== 0) expectCleanFailure(args, result);
          return;
        }
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(oneLine(result.stderr)).toBe(`prunus: unknown command ${JSON.stringify(command)} (one of: belsley, train, predict, relevance, select, experiment, cell, demo, shrink, export)`);
      }),
      params(0xf1a7, 200),
    );
    counter.tick();
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^prunus — /);
  });

  it('through a child process: the real exit codes and the one stderr line', () => {
    // The built CLI (npm test builds dist/ first), so these prove what a shell sees.
    const bin = fileURLToPath(new URL('../../bin/prunus.js', import.meta.url));
    const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
      try {
        const stdout = execFileSync('node', [bin, ...args], { encoding: 'utf8', stdio: 'pipe' });
        return { status: 0, stdout, stderr: '' };
      } catch (err) {
        const e = err as { status: number | null; stdout: string; stderr: string };
        return { status: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    };
    counter.tick();
    const usage = run(['frobnicate', '--json']);
    expect(usage).toEqual({ status: 2, stdout: '', stderr: 'prunus: unknown command "frobnicate" (one of: belsley, train, predict, relevance, select, experiment, cell, demo, shrink, export)\n' });
    counter.tick();
    const bad = run(['belsley', '--samples', RAGGED, '--max-condition', 'NaN']);
    expect(bad).toEqual({ status: 1, stdout: '', stderr: 'prunus belsley: --max-condition: "NaN" is not a number\n' });
  }, 60_000);
});

/**
 * `prunus experiment`: the seed's experiments (docs/methods.md) on one data set — quality as
 * parameters are removed and output noise under input noise for every method, the structure
 * search, the Belsley illustration — written as `DIR/results.json`, a report and its figures.
 *
 * Every run goes through the same files: `DIR/plan.json` (what to run), one cell result per
 * data set × method × seed in `DIR/cells/`, then the collection into `results.json`. So an
 * in-process run, `--plan` + `prunus cell` on a batch engine + `--collect`, and an interrupted
 * run continued with `--resume` all give the same `results.json`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTIVATIONS, parameterCount, type Activation } from '../nn/mlp.js';
import { PRIOR_CRITERIA, type PriorCriterion } from '../nn/prior.js';
import { DENSE_ACTIVE_LIMIT, denseMatrixSize } from '../pruning/dense.js';
import {
  collectResults, DEFAULT_INPUT_NOISE, DEFAULT_LEVELS, EXPERIMENT_METHODS, isDenseExperimentMethod, loadExperimentData, planCells,
  type CellResult, type ExperimentSettings,
} from '../search/experiment.js';
import type { ExperimentResults, ExperimentTiming } from '../search/results.js';
import { runCells } from '../search/workers.js';
import { memoryLine, parseNumberFlag, peakMemory, printJson, toJson, UserError, writeFileAtomic, type Command } from './common.js';
import { FLAT_PRIOR_VARIATIONAL, MAX_EPOCHS, parseHidden } from './train.js';

/** The methods run by default: the seed's four, magnitude, OBS, and Belsley's covariance form. */
export const DEFAULT_EXPERIMENT_METHODS = ['random', 'magnitude', 'obd', 'variational', 'belsley', 'belsley-laplace', 'obs'];

const usage = `Usage: prunus experiment --dataset D [--methods random,obd,variational,belsley] [--seeds K]
                        [--levels 0,10,...,100 | --steps S] [--fine-tune EPOCHS] [--out DIR]
                        [--workers W] [--plan DIR | --collect DIR] [--resume] [--json]

Runs the seed study's experiments on one data set (docs/methods.md): for every method and seed,
the model is pruned step by step (re-scored after every step) and its test quality and output
noise under input noise are recorded at every level — as pruned, and with fine-tuning after each
step; the structure search (prunus select) runs on every seed; the Belsley illustration is added.
Writes DIR/results.json, DIR/report.html with its figures as SVG, and prints a summary table.

Data and network:
  --dataset NAME|PATH     wine, boston, synthetic, friedman, digits, or a CSV file
  --target COLUMN, --task TASK, --drop-missing, --test-fraction F   as in prunus train
  --hidden W[,W...]       hidden layer widths (default 16)
  --activation A          hidden activation (default tanh)
  --alpha A               the MAP fit's prior: auto (default), ${PRIOR_CRITERIA.join(', ')}, or a number
  --prior P               global (default) or layer

Experiment:
  --methods M,M,...       from ${Object.keys(EXPERIMENT_METHODS).join(', ')}
                          (default ${DEFAULT_EXPERIMENT_METHODS.join(',')}; dense methods only where they fit)
  --seeds K               seeds 0..K−1: split, initialization and sampling (default 5)
  --levels L,L,...        percentages of parameters removed (default ${DEFAULT_LEVELS.join(',')})
  --steps S               instead of --levels: S even steps from 0 to 100%
  --fine-tune EPOCHS      Adam epochs after each pruning step for the fine-tuned curves (default 20; 0: none)
  --noise 0,0.1,...       input noise standard deviations of the heat maps (default ${DEFAULT_INPUT_NOISE.join(',')})
  --variational-epochs N  epochs of each full-structure variational fit (default 1500)
  --posterior-epochs N    epochs of each pruned structure's warm-started posterior refit (default 300)
  --max-iterations N      Iterations (L-BFGS, then Newton) of every MAP fit at most (default 5000)
  --weights W             the weights every method prunes: map (the MAP fit, default) or
                          posterior (the variational posterior mean)
  --no-search             skip the structure search

Running:
  --out DIR               where the results go (default results/<dataset>); refuses a DIR with
                          results in it unless --force or --resume
  --workers W             worker threads (default: the number of cores, ${availableParallelism()} here)
  --plan DIR              only write the cells (DIR/cells/*.cell.json) for a batch engine; run each
                          with prunus cell FILE, then merge with --collect DIR
  --collect DIR           merge the finished cells of a plan into results.json and the report
  --resume                keep the finished cells in DIR and run only the rest
  --force                 overwrite earlier results in DIR
  --json                  print results.json on stdout
  --quiet                 no progress on stderr`;

/** What `plan.json` holds: everything needed to run and collect the cells. */
export interface ExperimentPlan {
  readonly format: 'prunus-plan';
  readonly version: 1;
  readonly settings: ExperimentSettings;
  readonly methods: string[];
  readonly seeds: number[];
  readonly search: boolean;
  readonly command: string;
}

/** The `prunus experiment` command. */
export const experimentCommand: Command = {
  name: 'experiment',
  summary: "run the seed's experiments on a data set: every method, seeds, noise, search; results.json and a report",
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        dataset: { type: 'string' },
        target: { type: 'string' },
        task: { type: 'string' },
        'drop-missing': { type: 'boolean', default: false },
        'test-fraction': { type: 'string' },
        hidden: { type: 'string' },
        activation: { type: 'string' },
        alpha: { type: 'string' },
        prior: { type: 'string' },
        methods: { type: 'string' },
        seeds: { type: 'string' },
        levels: { type: 'string' },
        steps: { type: 'string' },
        'fine-tune': { type: 'string' },
        noise: { type: 'string' },
        'variational-epochs': { type: 'string' },
        'posterior-epochs': { type: 'string' },
        'max-iterations': { type: 'string' },
        weights: { type: 'string' },
        'no-search': { type: 'boolean', default: false },
        out: { type: 'string' },
        workers: { type: 'string' },
        plan: { type: 'string' },
        collect: { type: 'string' },
        resume: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const quiet = values.quiet || values.json;
    const log = (text: string): void => {
      if (!quiet) process.stderr.write(`${text}\n`);
    };
    if (values.collect !== undefined) {
      if (values.plan !== undefined) throw new UserError('--plan and --collect are two different runs: give one');
      const dir = values.collect;
      const plan = readPlan(dir);
      const results = await finish(dir, plan, readFinishedCells(dir), { seconds: 0, workers: 0 }, log);
      return report(results, dir, values.json);
    }
    const plan = makePlan(values, args, log);
    if (values.plan !== undefined) {
      const dir = values.plan;
      prepareFolder(dir, values.force, false);
      writePlan(dir, plan);
      const cells = planCells(plan.settings, plan.methods, plan.seeds, plan.search);
      for (const cell of cells) writeFileAtomic(join(dir, 'cells', `${cellName(cell)}.cell.json`), toJson(cell) + '\n');
      const summary = { plan: join(dir, 'plan.json'), cells: cells.length, run: `prunus cell ${join(dir, 'cells', '<name>.cell.json')}`, collect: `prunus experiment --collect ${dir}` };
      if (values.json) printJson(summary);
      else process.stdout.write(`planned ${cells.length} cells in ${join(dir, 'cells')}\nrun each:  prunus cell FILE   (e.g. ls ${join(dir, 'cells')}/*.cell.json | xargs -P ${availableParallelism()} -n 1 npx prunus cell)\nthen:      ${summary.collect}\n`);
      return 0;
    }
    const dir = values.out ?? join('results', datasetFolderName(plan.settings.dataset.name));
    prepareFolder(dir, values.force, values.resume);
    writePlan(dir, plan);
    const workers = values.workers === undefined ? availableParallelism() : parseNumberFlag('workers', values.workers, 1, { integer: true, min: 1, max: 256 });
    const cells = planCells(plan.settings, plan.methods, plan.seeds, plan.search);
    const finished = values.resume ? readFinishedCells(dir) : [];
    const done = new Set(finished.map((c) => cellName(c)));
    const todo = cells.filter((c) => !done.has(cellName(c)));
    if (values.resume) log(`prunus experiment: resuming: ${finished.length} cells finished, ${todo.length} to run`);
    const start = performance.now();
    const results: CellResult[] = [...finished];
    let count = 0;
    log(`prunus experiment: ${plan.settings.dataset.name}, ${plan.methods.length} methods × ${plan.seeds.length} seeds${plan.search ? ' + search' : ''}: ${todo.length} cells on ${workers} workers`);
    // The cells run on worker threads, so this thread stays free for progress and Ctrl-C: the
    // finished cells are on disk already (written whole), and --resume continues from them.
    const interrupted = (): void => {
      process.stderr.write(`\nprunus experiment: interrupted after ${count} of ${todo.length} cells; the finished ones are kept in ${join(dir, 'cells')} — run the same command with --resume to continue\n`);
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    try {
      await runCells(todo, workers, (result) => {
        writeFileAtomic(join(dir, 'cells', `${cellName(result)}.result.json`), toJson(result) + '\n');
        results.push(result);
        count++;
        const elapsed = (performance.now() - start) / 1000;
        const eta = (elapsed / count) * (todo.length - count);
        log(`prunus experiment: cells ${count}/${todo.length} (${result.method}, seed ${result.seed}; ${elapsed.toFixed(0)} s, about ${eta.toFixed(0)} s left)`);
      });
    } finally {
      process.removeListener('SIGINT', interrupted);
    }
    const final = await finish(dir, plan, results, { seconds: (performance.now() - start) / 1000, workers }, log);
    return report(final, dir, values.json);
  },
};

/** Writes results.json, timing.json and the report; returns the results. */
async function finish(dir: string, plan: ExperimentPlan, cells: readonly CellResult[], run: { seconds: number; workers: number }, log: (text: string) => void): Promise<ExperimentResults> {
  const results = collectResults(plan.settings, plan.methods, plan.seeds, cells, plan.command);
  writeFileAtomic(join(dir, 'results.json'), toJson(results) + '\n');
  const timing: ExperimentTiming = { ...run, cells: cells.map((c) => ({ method: c.method, seed: c.seed, seconds: c.seconds })).sort((a, b) => a.seed - b.seed || a.method.localeCompare(b.method)) };
  writeFileAtomic(join(dir, 'timing.json'), toJson(timing) + '\n');
  const { writeReport } = await import('../report/index.js');
  writeReport(dir, results, timing);
  log(`prunus experiment: wrote ${join(dir, 'results.json')} and ${join(dir, 'report.html')}`);
  return results;
}

/** Prints the summary table (or results.json with --json). */
async function report(results: ExperimentResults, dir: string, json: boolean): Promise<number> {
  if (json) {
    // results.json, and this process's peak memory (its worker threads' included).
    printJson({ ...results, memory: peakMemory() });
    return 0;
  }
  const { summaryTable } = await import('../report/index.js');
  process.stdout.write(`report: ${join(dir, 'report.html')}\n\n${summaryTable(results)}\n${memoryLine()}\n`);
  return 0;
}

/** `wine`, or a CSV path's base name without extension. */
function datasetFolderName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[^.]*$/, '') || 'experiment';
}

/** `obd-seed3`: the file name of a cell. */
export function cellName(cell: { method: string; seed: number }): string {
  return `${cell.method}-seed${cell.seed}`;
}

/**
 * The output folder: created if missing; refused when it holds an experiment, unless --resume
 * (keep its cells) or --force (start over: its plan, cells and results are removed first, so no
 * stale cell can be collected later).
 */
function prepareFolder(dir: string, force: boolean, resume: boolean): void {
  if (existsSync(join(dir, 'results.json')) || existsSync(join(dir, 'plan.json'))) {
    if (!force && !resume) throw new UserError(`--out: ${dir} already holds an experiment (--resume to continue it, --force to start over)`);
    if (force && !resume) {
      rmSync(join(dir, 'cells'), { recursive: true, force: true });
      for (const file of ['plan.json', 'results.json', 'timing.json']) rmSync(join(dir, file), { force: true });
    }
  }
  mkdirSync(join(dir, 'cells'), { recursive: true });
}

function writePlan(dir: string, plan: ExperimentPlan): void {
  const path = join(dir, 'plan.json');
  if (existsSync(path)) {
    const previous = readPlan(dir);
    if (toJson(previous.settings) !== toJson(plan.settings) || toJson(previous.methods) !== toJson(plan.methods) || toJson(previous.seeds) !== toJson(plan.seeds)) {
      // A resumed run must be the same experiment; --force starts a new one.
      throw new UserError(`${path}: the experiment in this folder has other settings (--force to start over)`);
    }
  }
  writeFileAtomic(path, toJson(plan) + '\n');
}

/** Reads DIR/plan.json. */
export function readPlan(dir: string): ExperimentPlan {
  const path = join(dir, 'plan.json');
  if (!existsSync(path)) throw new UserError(`${dir}: no plan.json (make one with prunus experiment --plan ${dir})`);
  const plan = JSON.parse(readFileSync(path, 'utf8')) as ExperimentPlan;
  if (plan.format !== 'prunus-plan' || plan.version !== 1) throw new UserError(`${path}: not a prunus experiment plan (format ${String(plan.format)})`);
  return plan;
}

/** The finished cells in DIR/cells (the `.result.json` files). */
function readFinishedCells(dir: string): CellResult[] {
  const folder = join(dir, 'cells');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.result.json'))
    .sort()
    .map((f) => {
      try {
        return JSON.parse(readFileSync(join(folder, f), 'utf8')) as CellResult;
      } catch (err) {
        throw new UserError(`${join(folder, f)}: not a readable cell result (${(err as Error).message}); delete it and run --resume`);
      }
    });
}

type Values = Record<string, string | boolean | undefined>;

/** The plan from the flags; `log` says which default methods were left out (the dense ones, on a large network). */
function makePlan(values: Values, args: readonly string[], log: (text: string) => void): ExperimentPlan {
  const text = (key: string): string | undefined => values[key] as string | undefined;
  const dataset = text('dataset');
  if (dataset === undefined || dataset.trim() === '') throw new UserError('--dataset NAME|PATH is required (wine, boston, synthetic, friedman, digits, or a CSV file)');
  const task = text('task');
  if (task !== undefined && task !== 'classification' && task !== 'regression') throw new UserError(`--task: "${task}" is not a task (classification or regression)`);
  const activation = text('activation') ?? 'tanh';
  if (!ACTIVATIONS.includes(activation as Activation)) throw new UserError(`--activation: "${activation}" is not one of ${ACTIVATIONS.join(', ')}`);
  let methods = text('methods')?.split(',').map((m) => m.trim()).filter((m) => m !== '') ?? DEFAULT_EXPERIMENT_METHODS;
  for (const m of methods) if (!Object.hasOwn(EXPERIMENT_METHODS, m)) throw new UserError(`--methods: "${m}" is not a method (one of ${Object.keys(EXPERIMENT_METHODS).join(', ')})`);
  if (new Set(methods).size !== methods.length) throw new UserError('--methods: a method is listed twice');
  const seedCount = parseNumberFlag('seeds', text('seeds'), 5, { integer: true, min: 1, max: 1000 });
  const levels = parseLevels(text('levels'), text('steps'));
  const alphaText = text('alpha');
  const alpha = alphaText === undefined || alphaText === 'auto' ? undefined : (PRIOR_CRITERIA as readonly string[]).includes(alphaText) ? (alphaText as PriorCriterion) : parseNumberFlag('alpha', alphaText, 1, { min: 0 });
  // Every seed's model gets a variational posterior (the variational method, the search).
  if (alpha === 0) throw new UserError(FLAT_PRIOR_VARIATIONAL);
  const prior = text('prior');
  if (prior !== undefined && prior !== 'global' && prior !== 'layer') throw new UserError(`--prior: "${prior}" is not global or layer`);
  const inputNoise = text('noise') === undefined ? DEFAULT_INPUT_NOISE : parseList('noise', text('noise')!, { min: 0, max: 100 });
  if (inputNoise[0] !== 0) inputNoise.unshift(0);
  const settings: ExperimentSettings = {
    dataset: {
      name: dataset,
      ...(text('target') !== undefined ? { target: text('target')! } : {}),
      ...(task !== undefined ? { task } : {}),
      ...(values['drop-missing'] === true ? { dropMissing: true } : {}),
    },
    levels,
    fineTuneEpochs: parseNumberFlag('fine-tune', text('fine-tune'), 20, { integer: true, min: 0, max: 100000 }),
    hidden: parseHidden(text('hidden')),
    activation: activation as Activation,
    testFraction: parseNumberFlag('test-fraction', text('test-fraction'), 0.25, { min: 0.01, max: 0.99 }),
    inputNoise,
    noiseDraws: 20,
    posteriorEpochs: parseNumberFlag('posterior-epochs', text('posterior-epochs'), 300, { integer: true, min: 1, max: MAX_EPOCHS }),
    ...(text('max-iterations') !== undefined ? { maxIterations: parseNumberFlag('max-iterations', text('max-iterations'), 5000, { integer: true, min: 1, max: MAX_EPOCHS }) } : {}),
    ...(text('weights') !== undefined ? { weights: parseWeights(text('weights')!) } : {}),
    ...(text('variational-epochs') !== undefined ? { variationalEpochs: parseNumberFlag('variational-epochs', text('variational-epochs'), 1500, { integer: true, min: 1, max: 1e6 }) } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(prior !== undefined ? { prior } : {}),
  };
  methods = denseMethodsThatFit(settings, methods, text('methods') !== undefined, log);
  return {
    format: 'prunus-plan',
    version: 1,
    settings,
    methods,
    seeds: Array.from({ length: seedCount }, (_, s) => s),
    search: values['no-search'] !== true,
    command: ['prunus', 'experiment', ...withoutRunFlags(args)].join(' '),
  };
}

/**
 * The methods without the dense ones (Belsley's, OBS) when the network is beyond their limit:
 * left out of the default list with a note, refused when named in --methods — before any cell
 * trains a model only to fail on it. (The data set is read for its size only when a dense
 * method is listed.)
 */
function denseMethodsThatFit(settings: ExperimentSettings, methods: string[], given: boolean, log: (text: string) => void): string[] {
  const dense = methods.filter(isDenseExperimentMethod);
  if (dense.length === 0) return methods;
  const data = loadExperimentData(settings.dataset, 0);
  const sizes = [data.m, ...settings.hidden, data.classes?.length ?? 1];
  const n = parameterCount(sizes);
  if (n <= DENSE_ACTIVE_LIMIT) return methods;
  const why = `a ${sizes.join('-')} network has ${n} parameters, and ${dense.join(', ')} need a dense ${n}×${n} matrix (${denseMatrixSize(n)}); the limit is ${DENSE_ACTIVE_LIMIT}`;
  if (given) throw new UserError(`--methods: ${why} — leave ${dense.length === 1 ? 'it' : 'them'} out`);
  log(`prunus experiment: leaving out ${dense.join(', ')}: ${why}`);
  return methods.filter((m) => !dense.includes(m));
}

/** The arguments without the flags that change where or how a run goes, not what it computes. */
function withoutRunFlags(args: readonly string[]): string[] {
  const valued = new Set(['--out', '--workers', '--plan', '--collect']);
  const plain = new Set(['--resume', '--force', '--json', '--quiet']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const flag = a.split('=')[0]!;
    if (valued.has(flag)) {
      if (!a.includes('=')) i++;
      continue;
    }
    if (plain.has(flag)) continue;
    out.push(a);
  }
  return out;
}

/** `--weights map|posterior`. */
function parseWeights(text: string): 'map' | 'posterior' {
  if (text !== 'map' && text !== 'posterior') throw new UserError(`--weights: "${text}" is not map or posterior`);
  return text;
}

/** `--levels 0,50,100` or `--steps 10`; 0 and 100 are always included, sorted and deduplicated. */
function parseLevels(levels: string | undefined, steps: string | undefined): number[] {
  if (levels !== undefined && steps !== undefined) throw new UserError('--levels and --steps both say which levels: give one');
  let list: number[];
  if (steps !== undefined) {
    const s = parseNumberFlag('steps', steps, 10, { integer: true, min: 1, max: 1000 });
    list = Array.from({ length: s + 1 }, (_, k) => (100 * k) / s);
  } else list = levels === undefined ? [...DEFAULT_LEVELS] : parseList('levels', levels, { min: 0, max: 100 });
  return [...new Set([0, ...list, 100])].sort((a, b) => a - b);
}

function parseList(flag: string, text: string, range: { min: number; max: number }): number[] {
  return text.split(',').map((entry) => parseNumberFlag(flag, entry.trim(), 0, range));
}

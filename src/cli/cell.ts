/**
 * `prunus cell FILE`: runs one cell of a planned experiment (`prunus experiment --plan DIR`) and
 * writes its result beside it (`NAME.cell.json` → `NAME.result.json`), for batch engines that
 * spread a study over machines (docs/cluster.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ACTIVATIONS, type Activation } from '../nn/mlp.js';
import { PRIOR_CRITERIA } from '../nn/prior.js';
import { EXPERIMENT_METHODS, runCell, type CellSpec } from '../search/experiment.js';
import { memoryLine, peakMemory, printJson, toJson, UserError, writeFileAtomic, type Command } from './common.js';
import { checkNetworkSize, MAX_EPOCHS } from './train.js';

const usage = `Usage: prunus cell FILE.cell.json [--force] [--json]

Runs one cell of an experiment planned with prunus experiment --plan DIR (one data set × method
× seed) and writes FILE.result.json beside it. Merge the finished cells with
prunus experiment --collect DIR.

  --force                 run again when the result file exists already
  --json                  print the cell's result on stdout`;

/** The `prunus cell` command. */
export const cellCommand: Command = {
  name: 'cell',
  summary: 'run one planned experiment cell (for batch engines: Slurm, Kubernetes, GNU parallel)',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UserError('give exactly one cell file (DIR/cells/NAME.cell.json)');
    const file = positionals[0]!;
    if (!file.endsWith('.cell.json')) throw new UserError(`${file}: a cell file's name ends in .cell.json`);
    if (!existsSync(file)) throw new UserError(`${file}: no such file`);
    let cell: CellSpec;
    try {
      cell = JSON.parse(readFileSync(file, 'utf8')) as CellSpec;
    } catch (err) {
      throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (cell === null || typeof cell !== 'object' || Array.isArray(cell)) throw new UserError(`${file}: not a prunus cell (the file holds ${Array.isArray(cell) ? 'an array' : JSON.stringify(cell)})`);
    if (cell.format !== 'prunus-cell' || cell.version !== 1) {
      const shown = (v: unknown): string => JSON.stringify(v) ?? 'missing';
      throw new UserError(`${file}: not a prunus cell (format ${shown(cell.format)}, version ${shown(cell.version)})`);
    }
    checkCell(cell, file);
    const out = file.replace(/\.cell\.json$/, '.result.json');
    if (existsSync(out) && !values.force) throw new UserError(`${out} exists already (--force to run the cell again)`);
    const result = runCell(cell);
    writeFileAtomic(out, toJson(result) + '\n');
    if (values.json) printJson({ ...result, memory: peakMemory() });
    else process.stdout.write(`${cell.method}, seed ${cell.seed}: done in ${result.seconds.toFixed(1)} s → ${out}\n${memoryLine()}\n`);
    return 0;
  },
};

/**
 * Checks the fields of a cell file that the experiment code reads, naming the first one that is
 * wrong (`x.cell.json: settings.hidden is "8", expected positive integers`): a hand-edited or
 * truncated cell reached the experiment as `Cannot read properties of null (reading 'dataset')`.
 * @throws {UserError} naming the file and the field.
 */
function checkCell(cell: CellSpec, file: string): void {
  const fail = (field: string, value: unknown, expected: string): never => {
    const shown = JSON.stringify(value) ?? 'missing';
    throw new UserError(`${file}: ${field} is ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}, expected ${expected}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const isInteger = (v: unknown, min: number, max: number): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  const numbers = (v: unknown, min: number, max: number): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && x >= min && x <= max);
  if (typeof cell.method !== 'string' || !(cell.method === 'search' || Object.hasOwn(EXPERIMENT_METHODS, cell.method))) {
    fail('method', cell.method, `search or one of ${Object.keys(EXPERIMENT_METHODS).join(', ')}`);
  }
  if (!isInteger(cell.seed, 0, 2 ** 32 - 1)) fail('seed', cell.seed, 'an integer from 0 to 2^32 − 1');
  const settings: unknown = cell.settings;
  if (!isObject(settings)) return fail('settings', settings, 'an object');
  const dataset = settings['dataset'];
  if (!isObject(dataset) || typeof dataset['name'] !== 'string' || dataset['name'] === '') fail('settings.dataset', dataset, 'an object with a name');
  const spec = dataset as Record<string, unknown>;
  if (spec['target'] !== undefined && typeof spec['target'] !== 'string') fail('settings.dataset.target', spec['target'], 'a column name');
  if (spec['task'] !== undefined && spec['task'] !== 'classification' && spec['task'] !== 'regression') fail('settings.dataset.task', spec['task'], 'classification or regression');
  if (spec['dropMissing'] !== undefined && typeof spec['dropMissing'] !== 'boolean') fail('settings.dataset.dropMissing', spec['dropMissing'], 'true or false');
  if (!numbers(settings['levels'], 0, 100)) fail('settings.levels', settings['levels'], 'percentages from 0 to 100');
  if (!isInteger(settings['fineTuneEpochs'], 0, 100_000)) fail('settings.fineTuneEpochs', settings['fineTuneEpochs'], 'an integer from 0 to 100000');
  const hidden = settings['hidden'];
  if (!Array.isArray(hidden) || hidden.length === 0 || !hidden.every((w) => isInteger(w, 1, Number.MAX_SAFE_INTEGER))) fail('settings.hidden', hidden, 'positive integers');
  checkNetworkSize([1, ...(hidden as number[]), 1]);
  if (!ACTIVATIONS.includes(settings['activation'] as Activation)) fail('settings.activation', settings['activation'], `one of ${ACTIVATIONS.join(', ')}`);
  const testFraction = settings['testFraction'];
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) fail('settings.testFraction', testFraction, 'a number strictly between 0 and 1');
  if (!numbers(settings['inputNoise'], 0, 100)) fail('settings.inputNoise', settings['inputNoise'], 'standard deviations from 0 to 100');
  if (!isInteger(settings['noiseDraws'], 1, 1_000_000)) fail('settings.noiseDraws', settings['noiseDraws'], 'a positive integer');
  if (!isInteger(settings['posteriorEpochs'], 1, MAX_EPOCHS)) fail('settings.posteriorEpochs', settings['posteriorEpochs'], `an integer from 1 to ${MAX_EPOCHS}`);
  const variationalEpochs = settings['variationalEpochs'];
  if (variationalEpochs !== undefined && !isInteger(variationalEpochs, 1, MAX_EPOCHS)) fail('settings.variationalEpochs', variationalEpochs, `an integer from 1 to ${MAX_EPOCHS}`);
  const alpha = settings['alpha'];
  if (alpha !== undefined && alpha !== 'auto' && !(PRIOR_CRITERIA as readonly unknown[]).includes(alpha) && !(typeof alpha === 'number' && alpha >= 0 && Number.isFinite(alpha))) {
    fail('settings.alpha', alpha, `auto, ${PRIOR_CRITERIA.join(', ')} or a number ≥ 0`);
  }
  const prior = settings['prior'];
  if (prior !== undefined && prior !== 'global' && prior !== 'layer') fail('settings.prior', prior, 'global or layer');
}

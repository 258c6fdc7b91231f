/**
 * `prunus cell FILE`: runs one cell of a planned experiment (`prunus experiment --plan DIR`) and
 * writes its result beside it (`NAME.cell.json` → `NAME.result.json`), for batch engines that
 * spread a study over machines (docs/cluster.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCell, type CellSpec } from '../search/experiment.js';
import { printJson, toJson, UserError, writeFileAtomic, type Command } from './common.js';

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
    if (cell.format !== 'prunus-cell' || cell.version !== 1) throw new UserError(`${file}: not a prunus cell (format ${JSON.stringify(cell.format)}, version ${JSON.stringify(cell.version)})`);
    const out = file.replace(/\.cell\.json$/, '.result.json');
    if (existsSync(out) && !values.force) throw new UserError(`${out} exists already (--force to run the cell again)`);
    const result = runCell(cell);
    writeFileAtomic(out, toJson(result) + '\n');
    if (values.json) printJson(result);
    else process.stdout.write(`${cell.method}, seed ${cell.seed}: done in ${result.seconds.toFixed(1)} s → ${out}\n`);
    return 0;
  },
};

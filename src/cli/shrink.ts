/**
 * `prunus shrink`: a masked model rebuilt without its dead hidden units and input features —
 * the same function in a smaller file (see `shrinkModel`).
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelFile, writeModelFile } from '../nn/modelfile.js';
import { shrinkModel, type ModelSize, type ShrinkResult } from '../pruning/shrink.js';
import { checkOutputFile, memoryLine, peakMemory, printJson, UserError, type Command } from './common.js';

const usage = `Usage: prunus shrink --model M --out S [--force] [--json]

Rebuilds a pruned model without what pruning cut off: hidden units with no active path through
them (every incoming or every outgoing weight pruned; a unit left with only its bias emits a
constant, which is folded into the next layer's biases) and input features whose every outgoing
weight is pruned (with their scaling). The result computes the same function (to rounding) and
is a valid prunus-mlp model; it takes only the remaining features. Reports the parameters and
bytes before and after.

Options:
  --model FILE            the model file (prunus-mlp version 1)
  --out FILE              where to save the shrunk model (written atomically)
  --force                 overwrite --out if it exists
  --json                  machine-readable result on stdout
  --quiet                 accepted for symmetry (shrinking is instant)`;

/** The `prunus shrink` command. */
export const shrinkCommand: Command = {
  name: 'shrink',
  summary: 'remove the hidden units and inputs a pruned model no longer uses (same function, smaller file)',
  usage,
  async run(args: string[]): Promise<number> {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.model === undefined || values.model.trim() === '') throw new UserError('--model FILE is required (the pruned model to shrink)');
    if (values.out === undefined || values.out.trim() === '') throw new UserError('--out FILE is required (where to save the shrunk model)');
    checkOutputFile(values.out, values.force);
    const model = readModelFile(values.model);
    const result = shrinkModel(model);
    writeModelFile(values.out, result.model);
    // The input's size as it is on disk (a hand-formatted file may differ from prunus's layout).
    const before: ModelSize = { ...result.before, bytes: statSync(values.model).size };
    if (values.json) {
      printJson({
        model: values.model,
        out: values.out,
        before,
        after: result.after,
        removedUnits: result.removedUnits,
        removedFeatures: result.removedFeatures,
        reactivatedBiases: result.reactivatedBiases,
        memory: peakMemory(),
      });
      return 0;
    }
    process.stdout.write(shrinkLines(result, before).join('\n') + `\nsaved ${values.out}\n${memoryLine()}\n`);
    return 0;
  },
};

/** The human summary of a shrink: sizes, parameters and bytes, what was removed. */
export function shrinkLines(result: ShrinkResult, before: ModelSize = result.before): string[] {
  const { after } = result;
  const units = result.removedUnits.map((u) => u.name);
  return [
    `architecture: ${before.sizes.join('-')} → ${after.sizes.join('-')}`,
    `parameters:   ${before.parameters} → ${after.parameters} (active ${before.active} → ${after.active})`,
    `bytes:        ${before.bytes} → ${after.bytes} (prunus-mlp JSON)`,
    `removed:      ${units.length} hidden unit${units.length === 1 ? '' : 's'}${units.length > 0 ? ` (${units.join(', ')})` : ''}, ` +
      `${result.removedFeatures.length} input feature${result.removedFeatures.length === 1 ? '' : 's'}${result.removedFeatures.length > 0 ? ` (${result.removedFeatures.join(', ')})` : ''}` +
      (result.reactivatedBiases > 0 ? `; ${result.reactivatedBiases} pruned bias${result.reactivatedBiases === 1 ? '' : 'es'} now hold a folded constant` : ''),
  ];
}

/**
 * Writes several files so that either all of them are replaced or none is: each goes to a
 * temporary file in its folder first, and the renames happen only once every write succeeded
 * (a folder that does not exist yet is created).
 * @throws Error `cannot write PATH: reason`, with the temporary files removed.
 */
export function writeFilesAtomic(files: readonly { path: string; contents: string | Uint8Array }[]): void {
  const temporaries = files.map(({ path }) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`));
  let current = files[0]?.path ?? '';
  try {
    files.forEach(({ path, contents }, k) => {
      current = path;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(temporaries[k]!, contents);
    });
    files.forEach(({ path }, k) => {
      current = path;
      renameSync(temporaries[k]!, path);
    });
  } catch (err) {
    for (const temporary of temporaries) rmSync(temporary, { force: true });
    throw new Error(`cannot write ${current}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

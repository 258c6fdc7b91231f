#!/usr/bin/env node
/**
 * The README's table of file sizes: every format prunus writes, for a full model and its
 * pruned version, made with the real commands (`prunus shrink`, `prunus export`).
 *
 *   npm run build   # once (npm ci does it too)
 *   node scripts/export-sizes.mjs FULL.json PRUNED.json [--dataset wine]
 *
 * prints a markdown table on stdout: prunus JSON as saved, shrunk JSON, onnx, onnx int8, tfjs
 * (model.json + weights.bin), js, js int8, in bytes, and the pruned/full ratio. Exports shrink
 * the model first (the commands' default). With --dataset, two more rows: the model's metric
 * on every row of that data set, and the int8 export's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const prunus = fileURLToPath(new URL('../bin/prunus.js', import.meta.url));

function run(args) {
  try {
    return JSON.parse(execFileSync(process.execPath, [prunus, ...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  } catch {
    // prunus has said what is wrong on stderr already.
    process.exit(1);
  }
}

/** Every size (and, with a data set, the metrics) of one model file. */
function measure(model, folder, dataset) {
  mkdirSync(folder);
  const exportBytes = (format, out, extra = []) => run(['export', '--model', model, '--format', format, '--out', join(folder, out), ...extra]);
  const shrunk = run(['shrink', '--model', model, '--out', join(folder, 'shrunk.json')]);
  const int8 = exportBytes('onnx', 'model-int8.onnx', ['--quantize', 'int8', ...(dataset ? ['--dataset', dataset] : [])]);
  return {
    sizes: shrunk.before.sizes.join('-'),
    shrunkSizes: shrunk.after.sizes.join('-'),
    active: shrunk.before.active,
    bytes: {
      'prunus JSON': statSync(model).size,
      'shrunk JSON': shrunk.after.bytes,
      onnx: exportBytes('onnx', 'model.onnx').bytes,
      'onnx int8': int8.bytes,
      'tfjs (model.json + weights.bin)': exportBytes('tfjs', 'tfjs').bytes,
      js: exportBytes('js', 'model.mjs').bytes,
      'js int8': exportBytes('js', 'model-int8.mjs', ['--quantize', 'int8']).bytes,
    },
    evaluation: int8.evaluation,
  };
}

function metric(m) {
  return 'accuracy' in m ? `accuracy ${m.accuracy.toFixed(3)}` : `rmse ${m.rmse.toPrecision(4)}`;
}

const { values, positionals } = parseArgs({ options: { dataset: { type: 'string' } }, allowPositionals: true });
if (positionals.length !== 2) {
  process.stderr.write('usage: node scripts/export-sizes.mjs FULL.json PRUNED.json [--dataset NAME|PATH]\n');
  process.exit(2);
}
const folder = mkdtempSync(join(tmpdir(), 'prunus-sizes-'));
try {
  const [full, pruned] = positionals.map((model, k) => measure(model, join(folder, String(k)), values.dataset));
  const lines = [
    `| format | full ${full.sizes}, ${full.active} active | pruned ${pruned.sizes} → ${pruned.shrunkSizes}, ${pruned.active} active | pruned / full |`,
    '|---|---:|---:|---:|',
    ...Object.keys(full.bytes).map((format) =>
      `| ${format} | ${full.bytes[format].toLocaleString('en')} B | ${pruned.bytes[format].toLocaleString('en')} B | ${(pruned.bytes[format] / full.bytes[format]).toFixed(2)} |`),
  ];
  if (values.dataset) {
    lines.push(`| ${values.dataset}: prunus | ${metric(full.evaluation.prunus)} | ${metric(pruned.evaluation.prunus)} | |`);
    lines.push(`| ${values.dataset}: onnx/js int8 | ${metric(full.evaluation.exported)} | ${metric(pruned.evaluation.exported)} | |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  rmSync(folder, { recursive: true, force: true });
}

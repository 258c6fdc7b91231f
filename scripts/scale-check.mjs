// Scale check (not in CI): every command that takes a model, on a generated 784-H-…-10
// classifier and pixel-like data, through the built CLI, with wall time and peak memory.
//
//   npm run build && node scripts/scale-check.mjs --hidden 256 --rows 1000 [--only predict,obd] [--dir DIR]
//
// Prints one line per command (wall seconds, peak resident MB from /usr/bin/time -v, exit code,
// the error line if any) and writes the table as JSON to DIR/scale.json. `--cli FILE` runs
// another build of the CLI (to compare before and after a change); `--unbounded` leaves out the
// flags that bound the work of train, select, experiment and the variational fit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fitStandardizer, formatMatrixCsv, MLP, Random, writeModelFile } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '256' },
    rows: { type: 'string', default: '1000' },
    only: { type: 'string' },
    dir: { type: 'string' },
    timeout: { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
    cli: { type: 'string', default: 'bin/prunus.js' },
    unbounded: { type: 'boolean', default: false },
  },
});
const hidden = values.hidden.split(',').map(Number);
const rows = Number(values.rows);
const sizes = [784, ...hidden, 10];
const dir = values.dir ?? join(tmpdir(), `prunus-scale-${sizes.join('-')}-${rows}`);
mkdirSync(dir, { recursive: true });
const timeout = Number(values.timeout) * 1000;

/**
 * Pixel-like rows: a 28×28 image whose border is always 0 (constant columns, as in MNIST), the
 * rest 0 half the time and an integer in 1..255 otherwise; the label is the argmax of a fixed
 * random linear map of the pixels, so the data is learnable.
 */
function pixelData(n, seed) {
  const rng = new Random(seed);
  const m = 784;
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < m; p++) {
      const r = Math.floor(p / 28), c = p % 28;
      if (r < 2 || r > 25 || c < 2 || c > 25) continue;
      x[i * m + p] = rng.uniform() < 0.5 ? 0 : 1 + Math.floor(rng.uniform() * 255);
    }
  }
  const teacher = Float64Array.from({ length: m * 10 }, () => rng.normal());
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bestValue = -Infinity;
    for (let k = 0; k < 10; k++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += x[i * m + p] * teacher[p * 10 + k];
      if (s > bestValue) { bestValue = s; best = k; }
    }
    y[i] = best;
  }
  return { x, y, n, m };
}

const features = Array.from({ length: 784 }, (_, p) => `px${p}`);
const csv = join(dir, 'data.csv');
const modelPath = join(dir, 'model.json');
if (!existsSync(csv) || !existsSync(modelPath)) {
  const data = pixelData(rows, 1);
  const table = new Float64Array(rows * 785);
  for (let i = 0; i < rows; i++) {
    table.set(data.x.subarray(i * 784, (i + 1) * 784), i * 785);
    table[i * 785 + 784] = data.y[i];
  }
  writeFileSync(csv, formatMatrixCsv([...features, 'label'], table, rows, 785));
  const network = MLP.initialized(sizes, [...hidden.map(() => 'tanh'), 'identity'], new Random(2));
  writeModelFile(modelPath, {
    network, task: 'classification', features, target: 'label',
    classes: Array.from({ length: 10 }, (_, k) => String(k)),
    inputScaling: fitStandardizer(data.x, rows, 784), targetScaling: null,
  });
}

const out = (name) => join(dir, name);
const bound = (...flags) => (values.unbounded ? [] : flags);
const M = ['--model', modelPath, '--dataset', csv];
const commands = {
  predict: ['predict', ...M, '--json'],
  'predict-human': ['predict', ...M],
  obd: ['relevance', ...M, '--method', 'obd', '--json'],
  'obd-structured': ['relevance', ...M, '--method', 'obd', '--structured', '--json'],
  magnitude: ['relevance', ...M, '--method', 'magnitude', '--json'],
  random: ['relevance', ...M, '--method', 'random', '--json'],
  variational: ['relevance', ...M, '--method', 'variational', ...bound('--variational-epochs', '20'), '--json'],
  'variational-human': ['relevance', ...M, '--method', 'variational', ...bound('--variational-epochs', '20')],
  'obd-human': ['relevance', ...M, '--method', 'obd', '--structured'],
  belsley: ['relevance', ...M, '--method', 'belsley'],
  obs: ['relevance', ...M, '--method', 'obs'],
  shrink: ['shrink', '--model', modelPath, '--out', out('shrunk.json'), '--force', '--json'],
  'export-js': ['export', '--model', modelPath, '--format', 'js', '--out', out('model.mjs'), '--force', '--json'],
  'export-onnx': ['export', '--model', modelPath, '--format', 'onnx', '--out', out('model.onnx'), '--force', '--json'],
  'export-tfjs': ['export', '--model', modelPath, '--format', 'tfjs', '--out', out('tfjs'), '--force', '--json'],
  train: ['train', '--dataset', csv, '--hidden', hidden.join(','), '--alpha', '1', '--epochs', '2', ...bound('--max-iterations', '50'), '--out', out('trained.json'), '--force', '--json'],
  'train-auto': ['train', '--dataset', csv, '--hidden', hidden.join(','), '--epochs', '2', ...bound('--max-iterations', '30', '--variational-epochs', '20'), '--out', out('trained.json'), '--force', '--json'],
  select: ['select', '--dataset', csv, '--hidden', hidden.join(','), '--alpha', '1', '--method', 'magnitude', '--step', '0.5', '--min-kept', '0.1',
    ...bound('--max-iterations', '30', '--variational-epochs', '10', '--posterior-epochs', '5'), '--json'],
  experiment: ['experiment', '--dataset', csv, '--hidden', hidden.join(','), '--alpha', '1', '--methods', 'magnitude,obd', '--seeds', '1', '--levels', '0,50,100', '--fine-tune', '0', '--no-search', '--workers', '1',
    ...bound('--max-iterations', '30', '--variational-epochs', '10', '--posterior-epochs', '5'), '--out', out('experiment'), '--force', '--json'],
};
const only = values.only?.split(',') ?? Object.keys(commands);
const table = [];
for (const name of only) {
  const args = commands[name];
  if (args === undefined) throw new Error(`unknown command ${name} (one of ${Object.keys(commands).join(', ')})`);
  const stdoutFile = out(`${name}.stdout`);
  const start = performance.now();
  const run = spawnSync('/usr/bin/time', ['-v', '-o', out(`${name}.time`), 'sh', '-c', `exec node ${values.cli} "$@" > '${stdoutFile}'`, 'sh', ...args], {
    encoding: 'utf8', timeout, maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - start) / 1000;
  let peak = null;
  try {
    const time = (await import('node:fs')).readFileSync(out(`${name}.time`), 'utf8');
    peak = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(time)?.[1]) / 1024;
  } catch {}
  const stderr = (run.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('Command ')).slice(-1)[0] ?? '';
  const row = { command: name, sizes: sizes.join('-'), rows, seconds: Number(wall.toFixed(1)), peakMB: peak === null ? null : Math.round(peak), code: run.status ?? (run.signal ?? 'timeout'), last: stderr.slice(0, 300) };
  table.push(row);
  console.log(`${name.padEnd(15)} ${row.sizes} ${rows} rows  ${String(row.seconds).padStart(7)} s  ${String(row.peakMB).padStart(6)} MB  exit ${row.code}  ${row.last}`);
}
writeFileSync(out('scale.json'), JSON.stringify(table, null, 2) + '\n');
if (!values.keep) for (const f of ['shrunk.json', 'model.mjs', 'model.onnx', 'trained.json']) rmSync(out(f), { force: true });

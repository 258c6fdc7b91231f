/**
 * The study behind `--alpha auto` (docs/methods.md, "Choosing the prior"): every criterion for
 * α (and s²) on Wine, Boston and the noisy Friedman set, over seeds, against a fixed α = 1 and
 * the linear baselines. Prints a markdown table (mean ± standard error of test quality over
 * seeds, and the chosen α and s²) and writes the raw numbers as JSON.
 *
 *     npm run study -- prior [--seeds 5] [--out docs/studies/prior.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDataset, type Dataset } from '../src/data/index.js';
import { prepareData, trainOnDataset, type TrainOptions } from '../src/nn/fit.js';
import { spdSolve } from '../src/linalg/index.js';
import { meanAndError, markdownTable } from './study-helpers.js';

interface Candidate {
  readonly name: string;
  readonly options: TrainOptions;
}

const CANDIDATES: Candidate[] = [
  { name: 'α = 1 (fixed)', options: { alpha: 1 } },
  { name: 'laplace (fixed point from α = 1)', options: { alpha: 'laplace' } },
  { name: 'laplace, per layer', options: { alpha: 'laplace', prior: 'layer' } },
  { name: 'laplace-max (evidence over α)', options: { alpha: 'laplace-max' } },
  { name: 'elbo', options: { alpha: 'elbo' } },
  { name: 'elbo, per layer', options: { alpha: 'elbo', prior: 'layer' } },
];

/** Test RMSE of ordinary least squares with an intercept (raw units). */
function leastSquaresRmse(dataset: Dataset, seed: number): number {
  const data = prepareData(dataset, { seed });
  const p = dataset.m + 1;
  const design = (x: Float64Array, i: number, c: number): number => (c === dataset.m ? 1 : x[i * dataset.m + c]!);
  const gram = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const train = data.train;
  for (let i = 0; i < train.rows; i++) {
    for (let a = 0; a < p; a++) {
      xty[a]! += design(train.x.data, i, a) * train.y[i]!;
      for (let b = 0; b < p; b++) gram[a * p + b]! += design(train.x.data, i, a) * design(train.x.data, i, b);
    }
  }
  const beta = spdSolve(gram, xty, p, 1);
  const scale = data.targetScaling!.std;
  let sum = 0;
  for (let i = 0; i < data.test.rows; i++) {
    let f = 0;
    for (let a = 0; a < p; a++) f += design(data.test.x.data, i, a) * beta[a]!;
    sum += ((f - data.test.y[i]!) * scale) ** 2;
  }
  return Math.sqrt(sum / data.test.rows);
}

function metricOf(test: { accuracy: number } | { rmse: number; r2: number }): number {
  return 'accuracy' in test ? test.accuracy : test.rmse;
}

function main(): void {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, out: { type: 'string' }, datasets: { type: 'string', default: 'wine,boston,friedman' } } });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, s) => s);
  const raw: Record<string, Record<string, { metric: number[]; alpha: number[][]; noiseVariance: number[]; seconds: number[] }>> = {};
  const rows: string[][] = [];
  for (const name of values.datasets.split(',')) {
    raw[name] = {};
    const metricName = name === 'wine' ? 'accuracy' : 'RMSE';
    const record = (label: string, metric: number, alpha: number[], noiseVariance: number, seconds: number): void => {
      const entry = (raw[name]![label] ??= { metric: [], alpha: [], noiseVariance: [], seconds: [] });
      entry.metric.push(metric);
      entry.alpha.push(alpha);
      entry.noiseVariance.push(noiseVariance);
      entry.seconds.push(seconds);
    };
    for (const seed of seeds) {
      const dataset = loadDataset(name, { seed });
      for (const candidate of CANDIDATES) {
        const start = performance.now();
        const result = trainOnDataset(dataset, { ...candidate.options, seed });
        record(candidate.name, metricOf(result.test), result.prior.alpha, result.prior.noiseVariance, (performance.now() - start) / 1000);
        process.stderr.write(`${name} seed ${seed} ${candidate.name}: ${metricName} ${metricOf(result.test).toFixed(4)} α ${result.prior.alpha.map((a) => a.toPrecision(3)).join('/')} s² ${result.prior.noiseVariance.toPrecision(3)}\n`);
      }
      const linear = trainOnDataset(dataset, { hidden: [], alpha: 'laplace', seed });
      record('linear model (no hidden layer, laplace α)', metricOf(linear.test), linear.prior.alpha, linear.prior.noiseVariance, 0);
      if (dataset.task === 'regression') record('least squares', leastSquaresRmse(dataset, seed), [0], Number.NaN, 0);
    }
    for (const [label, entry] of Object.entries(raw[name]!)) {
      const metric = meanAndError(entry.metric);
      const alpha = meanAndError(entry.alpha.map((a) => a[0]!));
      const noise = meanAndError(entry.noiseVariance);
      rows.push([
        name,
        label,
        `${metric.mean.toFixed(name === 'wine' ? 3 : 2)} ± ${metric.error.toFixed(name === 'wine' ? 3 : 2)}`,
        `${Math.min(...entry.metric).toFixed(name === 'wine' ? 3 : 2)}–${Math.max(...entry.metric).toFixed(name === 'wine' ? 3 : 2)}`,
        label === 'least squares' ? '0' : alpha.mean.toPrecision(3),
        Number.isNaN(noise.mean) || name === 'wine' ? '—' : noise.mean.toPrecision(3),
        entry.seconds.some((s) => s > 0) ? meanAndError(entry.seconds).mean.toFixed(2) : '—',
      ]);
    }
  }
  process.stdout.write(
    markdownTable(['data set', 'criterion', 'test quality, mean ± s.e.', 'range over seeds', 'α (first layer), mean', 's², mean', 'seconds'], rows) + '\n',
  );
  process.stdout.write(`\nseeds ${seeds.join(', ')}; quality: accuracy for wine, RMSE (raw units) for boston and friedman; one 75/25 split per seed.\n`);
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(raw, null, 1) + '\n');
}

main();

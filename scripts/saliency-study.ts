/**
 * The study behind OBD's default `--saliency` (docs/methods.md, "Which OBD saliency"), in two
 * parts. (1) At the MAP fit: how well each saliency predicts the true change of the negative
 * log-likelihood when one parameter is zeroed (all others kept), on the rows the model was fitted
 * on — Spearman's rank correlation with the true ΔNLL, and the overlap of the bottom 10% (the
 * parameters a pruning step would remove) with the true bottom 10%. (2) In use: the test quality
 * of iterative pruning by OBD with each saliency, as pruned (the model leaves the MAP fit after the
 * first step) and with fine-tuning after every step.
 *
 *     npm run study -- saliency [--seeds 5] [--out docs/studies/saliency.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/index.js';
import { lossAndGradient } from '../src/nn/curvature.js';
import { trainOnDataset } from '../src/nn/fit.js';
import { frequencyRanking } from '../src/nn/metrics.js';
import { pruneLoop, scoreRelevance, SALIENCIES, type Saliency } from '../src/pruning/index.js';
import { Random } from '../src/random/random.js';
import { markdownTable, meanAndError } from './study-helpers.js';

const SETUPS = [
  { label: 'Wine 13-16-3', dataset: 'wine', hidden: [16] },
  { label: 'Boston 13-16-1', dataset: 'boston', hidden: [16] },
  { label: 'Wine 13-8-6-3 (two hidden layers)', dataset: 'wine', hidden: [8, 6] },
] as const;

/** Ranks with ties averaged (1-based). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's correlation of the ranks. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  ra.forEach((x, i) => {
    ab += (x - mean) * (rb[i]! - mean);
    aa += (x - mean) ** 2;
    bb += (rb[i]! - mean) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** Share of the `fraction` smallest of `truth` that are also among the smallest of `estimate`. */
function bottomOverlap(estimate: readonly number[], truth: readonly number[], fraction: number): number {
  const count = Math.max(1, Math.round(fraction * truth.length));
  const smallest = (v: readonly number[]): Set<number> => new Set(v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]).slice(0, count).map(([, i]) => i));
  const a = smallest(estimate);
  let shared = 0;
  for (const i of smallest(truth)) if (a.has(i)) shared++;
  return shared / count;
}

function main(): void {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, out: { type: 'string' } } });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, s) => s);
  const raw: Record<string, Record<Saliency, { spearman: number[]; overlap: number[] }>> = {};
  for (const setup of SETUPS) {
    const perSaliency = Object.fromEntries(SALIENCIES.map((s) => [s, { spearman: [] as number[], overlap: [] as number[] }])) as Record<Saliency, { spearman: number[]; overlap: number[] }>;
    raw[setup.label] = perSaliency;
    for (const seed of seeds) {
      const trained = trainOnDataset(loadDataset(setup.dataset), { hidden: setup.hidden, seed });
      const { model, data, prior } = trained;
      const network = model.network;
      const noiseVariance = model.task === 'regression' ? prior.noiseVariance : 1;
      const options = { noiseVariance };
      const base = lossAndGradient(network, data.train, model.task, options).loss;
      const active = Array.from(network.activeIndices());
      const truth = active.map((j) => {
        const zeroed = network.clone();
        zeroed.params[j] = 0;
        return lossAndGradient(zeroed, data.train, model.task, options).loss - base;
      });
      const context = { network, task: model.task, batch: data.train, alpha: prior.alpha, noiseVariance, rng: new Random(seed) };
      for (const saliency of SALIENCIES) {
        const result = scoreRelevance('obd', context, { saliency });
        const scores = active.map((j) => result.scores[j]!);
        perSaliency[saliency].spearman.push(spearman(scores, truth));
        perSaliency[saliency].overlap.push(bottomOverlap(scores, truth, 0.1));
      }
      process.stderr.write(`${setup.label} seed ${seed}: ${SALIENCIES.map((s) => `${s} ρ ${perSaliency[s].spearman.at(-1)!.toFixed(4)}`).join(', ')}\n`);
    }
  }
  const rows: string[][] = [];
  for (const [label, perSaliency] of Object.entries(raw)) {
    for (const saliency of SALIENCIES) {
      const rho = meanAndError(perSaliency[saliency].spearman);
      const overlap = meanAndError(perSaliency[saliency].overlap);
      rows.push([label, saliency, `${rho.mean.toFixed(4)} ± ${rho.error.toFixed(4)}`, `${(100 * overlap.mean).toFixed(0)}% ± ${(100 * overlap.error).toFixed(0)}`]);
    }
  }
  process.stdout.write(markdownTable(['network', 'saliency', 'Spearman ρ with true ΔNLL', 'bottom-10% overlap'], rows) + '\n');
  process.stdout.write(`\nseeds ${seeds.join(', ')}; models trained with the defaults (prior by --alpha auto); curvature, gradient and ΔNLL over the training rows.\n\n`);
  const loops = pruningStudy(seeds);
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify({ atTheFit: raw, pruning: loops }, null, 1) + '\n');
}

/** Part (2): test quality of iterative OBD pruning with each saliency, as pruned and fine-tuned. */
function pruningStudy(seeds: readonly number[]): Record<string, Record<string, number[][]>> {
  const levels = [0.5, 0.8, 0.9];
  const out: Record<string, Record<string, number[][]>> = {};
  const rows: string[][] = [];
  for (const dataset of ['wine', 'boston']) {
    out[dataset] = {};
    const trained = seeds.map((seed) => trainOnDataset(loadDataset(dataset), { seed }));
    for (const saliency of SALIENCIES) {
      for (const fineTuneEpochs of [0, 20]) {
        const key = `${saliency}${fineTuneEpochs > 0 ? ', fine-tuned' : ''}`;
        const perSeed = trained.map(({ model, data, prior }, s) => {
          const preference = model.task === 'classification' ? frequencyRanking(data.train.labels, model.classes!.length) : undefined;
          const loop = pruneLoop(
            { model, train: data.train, test: data.test, alpha: prior.alpha, noiseVariance: prior.noiseVariance, ...(preference ? { preference } : {}) },
            { method: 'obd', methodOptions: { saliency }, schedule: levels, fineTuneEpochs, rng: new Random(seeds[s]!) },
          );
          return loop.steps.slice(1).map((step) => {
            const m = fineTuneEpochs > 0 ? step.testFineTuned! : step.test;
            return 'accuracy' in m ? 100 * m.accuracy : m.rmse;
          });
        });
        out[dataset]![key] = perSeed;
        rows.push([dataset, key, ...levels.map((_, l) => {
          const { mean, error } = meanAndError(perSeed.map((v) => v[l]!));
          return `${mean.toFixed(dataset === 'wine' ? 1 : 2)} ± ${error.toFixed(dataset === 'wine' ? 1 : 2)}`;
        })]);
      }
    }
  }
  process.stdout.write(markdownTable(['data set', 'saliency', ...levels.map((l) => `${100 * l}% removed`)], rows) + '\n');
  process.stdout.write('\ntest accuracy (%) on wine, RMSE on boston; iterative OBD pruning of the default model, re-scored after every step; fine-tuned: 20 Adam epochs after every step.\n');
  return out;
}

main();

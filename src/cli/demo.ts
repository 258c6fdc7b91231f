/**
 * `prunus demo` (what `npm start` runs until the experiment command exists): trains a 13-16-3
 * tanh network on Wine, shows each relevance method's least relevant parameters side by side,
 * then Belsley's diagnostics on the illustration of docs/methods.md §5 item 3.
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../data/index.js';
import { trainOnDataset } from '../nn/fit.js';
import { belsleyIllustration } from '../pruning/belsley-illustration.js';
import { belsleyDiagnostics, belsleyPrune, covarianceOfSamples, groupScores, scoreRelevance, type MethodName, type MethodOptions } from '../pruning/index.js';
import { Random } from '../random/random.js';
import { formatNumber, parseNumberFlag, printJson, type Command } from './common.js';
import { createProgress } from './progress.js';

const usage = `Usage: prunus demo [--seed S] [--top K] [--quiet] [--json]

Trains a 13-16-3 tanh MLP on Wine (MAP fit to convergence, then the variational posterior),
lists each relevance method's least relevant parameters, and runs Belsley's diagnostics on the
illustration of docs/methods.md §5 item 3.`;

/** The methods shown, with the options that make each one what the demo means. */
const LINEUP: { name: MethodName; options: MethodOptions }[] = [
  { name: 'random', options: {} },
  { name: 'magnitude', options: {} },
  { name: 'obd', options: {} },
  { name: 'variational', options: {} },
  { name: 'belsley', options: { matrix: 'information' } },
  { name: 'belsley', options: { matrix: 'laplace' } },
  { name: 'obs', options: {} },
];

/** The `prunus demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'train on Wine, compare the relevance methods, run the Belsley illustration',
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { seed: { type: 'string' }, top: { type: 'string' }, quiet: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    const seed = parseNumberFlag('seed', values.seed, 0, { integer: true, min: 0 });
    const top = parseNumberFlag('top', values.top, 5, { integer: true, min: 1 });
    const progress = createProgress('prunus demo', { quiet: values.quiet });
    const wine = loadDataset('wine');
    let trained;
    try {
      trained = trainOnDataset(wine, { seed, variational: true, onProgress: (phase, step, total) => progress.update(step, total, phase) });
    } finally {
      progress.done();
    }
    const { model, map, variational } = trained;
    const network = model.network;
    const context = {
      network,
      task: model.task,
      batch: trained.data.train,
      alpha: map.alpha,
      rng: new Random(seed),
      ...(variational ? { posterior: variational.posterior } : {}),
    };
    const methods = LINEUP.map(({ name, options }) => {
      const started = performance.now();
      const result = scoreRelevance(name, context, options);
      return { result, milliseconds: performance.now() - started };
    });
    const units = groupScores(network, methods.find((m) => m.result.method === 'obd')!.result);
    const illustration = belsleyIllustration();
    const covariance = covarianceOfSamples(illustration.samples, illustration.rows, illustration.cols);
    const diagnostics = belsleyDiagnostics(covariance, illustration.cols);
    const pruning = belsleyPrune(covariance, illustration.cols, { names: illustration.names });

    if (values.json) {
      printJson({
        dataset: 'wine',
        seed,
        architecture: network.sizes,
        parameters: network.parameterCount,
        map: { converged: map.converged, gradientNorm: map.gradientNorm, iterations: map.iterations, alpha: map.alpha },
        variational: variational ? { prior: variational.prior, alpha: variational.alpha, elbo: variational.final.elbo, elboStandardError: variational.final.standardError } : null,
        test: trained.test,
        methods: methods.map(({ result, milliseconds }) => ({
          method: result.method,
          label: result.label,
          milliseconds,
          leastRelevant: Array.from(result.order.subarray(0, top), (j) => ({ index: j, name: network.parameterName(j), score: result.scores[j] })),
        })),
        structured: units.slice(0, top).map((u) => ({ unit: u.group.name, score: u.score })),
        illustration: {
          columns: illustration.names,
          conditionIndices: Array.from(diagnostics.conditionIndices),
          removed: pruning.removedNames,
          kept: pruning.keptNames,
        },
      });
      return 0;
    }
    const out: string[] = [];
    const accuracy = 'accuracy' in trained.test ? trained.test.accuracy : NaN;
    out.push(`prunus demo — Wine (178 rows, 3 classes), ${network.sizes.join('-')} tanh MLP, ${network.parameterCount} parameters, seed ${seed}`);
    out.push(
      `MAP fit: ${map.converged ? 'converged' : 'NOT converged'} after ${map.iterations} iterations (${map.optimizer}; max |gradient| ${map.gradientNorm.toExponential(1)}, α = ${map.alpha})`,
    );
    if (variational) {
      out.push(`variational posterior: ELBO ${variational.final.elbo.toFixed(1)} ± ${variational.final.standardError.toFixed(1)} (64 samples), empirical-Bayes α = ${variational.alpha[0]!.toFixed(3)}`);
    }
    out.push(`test accuracy: ${(100 * accuracy).toFixed(1)}% on ${trained.data.test.rows} held-out rows`);
    out.push('');
    out.push(`The ${top} least relevant parameters by each method (all score the same MAP weights):`);
    for (const { result, milliseconds } of methods) {
      out.push('');
      out.push(`  ${result.label}   [${milliseconds.toFixed(0)} ms]`);
      Array.from(result.order.subarray(0, top)).forEach((j, rank) => {
        out.push(`    ${rank + 1}. ${network.parameterName(j).padEnd(10)} score ${formatNumber(result.scores[j]!).padStart(11)}   w = ${formatNumber(network.params[j]!)}`);
      });
    }
    out.push('');
    out.push(`Hidden units by OBD (sum of saliencies of incoming, bias and outgoing weights): ${units.slice(0, top).map((u) => `${u.group.name} ${formatNumber(u.score)}`).join(', ')}`);
    out.push('');
    out.push('Belsley illustration (docs/methods.md §5 item 3): samples of (sin x, cos x, 2 + cos x, 2 + sin x, cos x + sin x, x)');
    out.push(`  condition indices: ${Array.from(diagnostics.conditionIndices, formatNumber).join(', ')}`);
    out.push(`  pruning while max η > 1000 removes: ${pruning.removedNames.join(', ')}`);
    out.push(`  and keeps: ${pruning.keptNames.join(', ')}`);
    out.push('');
    out.push('Next: prunus train --dataset wine --out model.json; prunus relevance --model model.json --dataset wine --method obd');
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};


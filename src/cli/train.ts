/**
 * `prunus train`: fits an MLP to a data set — the MAP weights to convergence, optionally the
 * variational posterior — reports its quality and saves it as a `prunus-mlp` v1 model file.
 */
import { parseArgs } from 'node:util';
import type { Dataset } from '../data/index.js';
import { trainOnDataset, type TrainResult } from '../nn/fit.js';
import { ACTIVATIONS, parameterCount, type Activation } from '../nn/mlp.js';
import { AUTO_CRITERION, PRIOR_CRITERIA, type PriorChoice, type PriorCriterion, type PriorScope } from '../nn/prior.js';
import { writeModelFile } from '../nn/modelfile.js';
import { checkOutputFile, formatMetrics, formatNumber, parseNumberFlag, peakMemory, printJson, UserError, type Command } from './common.js';
import { DATA_OPTIONS, DATA_USAGE, loadData, parseDataFlags, reportInference, type DataFlags } from './data-flags.js';
import { createProgress } from './progress.js';

const usage = `Usage: prunus train --dataset D --out model.json [--hidden 16[,16]] [--activation tanh] [--epochs E]
                   [--batch-size B] [--learning-rate R] [--alpha auto|laplace|laplace-max|elbo|A]
                   [--prior global|layer] [--variational] [--json]

Trains a multilayer perceptron: features (and a regression target) standardized with the
training rows' statistics, the MAP weights fitted by L-BFGS to a gradient-norm tolerance (after
optional Adam warm-up epochs) at a prior precision α (and, for regression, a noise variance s²)
chosen by a Bayesian criterion, optionally the mean-field variational posterior; then reports
train and test quality and saves the model (prunus-mlp version 1, docs/cli.md).

Data:
${DATA_USAGE}

Network and fit:
  --hidden W[,W...]       hidden layer widths (default 16; at most 10000000 parameters in all)
  --activation A          hidden activation: ${ACTIVATIONS.join(', ')} (default tanh)
  --alpha A               the prior precision α of the MAP fit (and s² for regression):
                          auto (default: ${AUTO_CRITERION}, the criterion docs/methods.md found best),
                          laplace (MacKay's evidence fixed point), laplace-max (the Laplace
                          evidence maximized over α), elbo (the variational type-II maximum),
                          or a number (a fixed prior)
  --prior P               global (one α, default) or layer (one α per layer)
  --noise-variance S      regression with a numeric --alpha: the noise variance of the fit, in
                          standardized target units (default 1)
  --epochs E              Adam warm-up epochs before L-BFGS (default 0, at most 1000000)
  --batch-size B          warm-up mini-batch size (default 32)
  --learning-rate R       warm-up learning rate (default 0.01)
  --max-iterations N      Iterations (L-BFGS, then Newton) of every MAP fit at most, the criterion's refits
                          included (default 5000): bounds the work on a large network (the
                          result says when the fit did not converge)
  --variational           also fit the variational posterior (saved as per-layer sigma)
  --variational-epochs N  epochs of every variational fit: the posterior's and the elbo
                          criterion's (default 1500, at most 1000000)

Output:
  --out FILE              where to save the model (required; written atomically)
  --force                 overwrite --out if it exists
  --json                  machine-readable result on stdout
  --quiet                 no progress on stderr`;

/**
 * Most epochs `--epochs` and `--variational-epochs` accept (as `prunus experiment
 * --variational-epochs`): far more than any fit needs, while a slip such as `1e9` would
 * otherwise run for days.
 */
export const MAX_EPOCHS = 1_000_000;

/**
 * Most parameters a network may have: ten million, some 80 MB a vector, and the fit keeps a
 * few dozen vectors. `--hidden 99999999999` passed as a positive integer and failed allocating
 * (or, a little smaller, exhausted memory while training).
 */
export const MAX_PARAMETERS = 10_000_000;

/**
 * Refuses a network of more than {@link MAX_PARAMETERS} parameters.
 * @param sizes `[inputs, hidden..., outputs]`
 * @throws {UserError} naming the architecture and its parameter count.
 */
export function checkNetworkSize(sizes: readonly number[]): void {
  const count = parameterCount(sizes);
  if (count > MAX_PARAMETERS) {
    throw new UserError(`--hidden: a ${sizes.join('-')} network has ${count} parameters; the limit is ${MAX_PARAMETERS}`);
  }
}

/** The `prunus train` command. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train an MLP on a data set and save it as a model file',
  usage,
  async run(args: string[]): Promise<number> {
    const flags = parseFlags(args);
    checkOutputFile(flags.out, flags.force);
    const loaded = loadData(flags.data);
    const dataset = loaded.dataset;
    checkNetworkSize([dataset.m, ...flags.hidden, dataset.classes?.length ?? 1]);

    const progress = createProgress('prunus train', { quiet: flags.quiet });
    let result: TrainResult;
    try {
      result = trainOnDataset(dataset, {
        hidden: flags.hidden,
        activation: flags.activation,
        seed: flags.data.seed,
        testFraction: flags.data.testFraction,
        alpha: flags.alpha,
        prior: flags.prior,
        ...(flags.noiseVariance !== undefined ? { noiseVariance: flags.noiseVariance } : {}),
        ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
        ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
        ...(flags.learningRate !== undefined ? { learningRate: flags.learningRate } : {}),
        ...(flags.maxIterations !== undefined ? { maxIterations: flags.maxIterations } : {}),
        variational: flags.variational,
        ...(flags.variationalEpochs !== undefined ? { variationalFit: { epochs: flags.variationalEpochs } } : {}),
        onProgress: (phase, step, total) => progress.update(step, total, phase),
      });
    } finally {
      progress.done();
    }
    writeModelFile(flags.out, result.model);
    const memory = peakMemory();
    // Said once the model is saved: a run that fails (a split with an empty side, a diverged fit)
    // prints its one error line and nothing else.
    reportInference('train', loaded, flags.json);

    const { map } = result;
    if (!map.converged) {
      process.stderr.write(
        `prunus train: warning: the MAP fit did not converge (${map.reason}: largest |gradient| ${formatNumber(map.gradientNorm)} after ${map.iterations} iterations); ` +
          `curvature-based relevance assumes a minimum — try more --epochs or a larger --alpha\n`,
      );
    }
    if (flags.json) {
      printJson({ ...resultJson(flags, dataset, loaded.inference !== null, result), memory });
      return 0;
    }
    process.stdout.write([...summary(flags, dataset, result), `peak memory: ${memory.peakRssMB} MB`].join('\n') + '\n');
    return 0;
  },
};

interface Flags {
  readonly data: DataFlags;
  readonly hidden: number[];
  readonly activation: Activation;
  readonly alpha: number | 'auto' | PriorCriterion;
  readonly prior: PriorScope;
  readonly noiseVariance?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly maxIterations?: number;
  readonly variational: boolean;
  readonly variationalEpochs?: number;
  readonly out: string;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly force: boolean;
}

function parseFlags(args: string[]): Flags {
  // Unknown or malformed flags throw; main() reports any error as one line with exit 1.
  const { values } = parseArgs({
    args,
    options: {
      ...DATA_OPTIONS,
      hidden: { type: 'string' },
      activation: { type: 'string' },
      alpha: { type: 'string' },
      prior: { type: 'string' },
      'noise-variance': { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      'max-iterations': { type: 'string' },
      variational: { type: 'boolean', default: false },
      'variational-epochs': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const data = parseDataFlags(values);
  if (values.out === undefined || values.out.trim() === '') throw new UserError('--out FILE is required (where to save the trained model)');
  const activation = values.activation ?? 'tanh';
  if (!ACTIVATIONS.includes(activation as Activation)) {
    throw new UserError(`--activation: "${activation}" is not an activation (one of: ${ACTIVATIONS.join(', ')})`);
  }
  const optional = (flag: string, text: string | undefined, range: Parameters<typeof parseNumberFlag>[3]): number | undefined =>
    text === undefined ? undefined : parseNumberFlag(flag, text, 0, range);
  const alpha = parseAlpha(values.alpha);
  const prior = values.prior ?? 'global';
  if (prior !== 'global' && prior !== 'layer') throw new UserError(`--prior: "${prior}" is not global or layer`);
  if (prior === 'layer' && alpha === 'laplace-max') throw new UserError('--prior layer: laplace-max maximizes over one global α; use --alpha laplace or elbo for a per-layer prior');
  const noiseVariance = optional('noise-variance', values['noise-variance'], { min: Number.MIN_VALUE });
  if (noiseVariance !== undefined && typeof alpha !== 'number') throw new UserError('--noise-variance goes with a numeric --alpha (the criteria choose s² themselves)');
  const epochs = optional('epochs', values.epochs, { min: 0, integer: true, max: MAX_EPOCHS });
  const batchSize = optional('batch-size', values['batch-size'], { min: 1, integer: true });
  const learningRate = optional('learning-rate', values['learning-rate'], { min: Number.MIN_VALUE });
  const maxIterations = optional('max-iterations', values['max-iterations'], { min: 1, integer: true, max: MAX_EPOCHS });
  if (alpha === 0 && values.variational) throw new UserError(FLAT_PRIOR_VARIATIONAL);
  const variationalEpochs = optional('variational-epochs', values['variational-epochs'], { min: 1, integer: true, max: MAX_EPOCHS });
  if (variationalEpochs !== undefined && !values.variational && alpha !== 'auto' && alpha !== 'elbo') {
    throw new UserError('--variational-epochs needs --variational or the elbo criterion (--alpha auto or elbo)');
  }
  return {
    data,
    hidden: parseHidden(values.hidden),
    activation: activation as Activation,
    alpha,
    prior,
    ...(noiseVariance !== undefined ? { noiseVariance } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(learningRate !== undefined ? { learningRate } : {}),
    ...(maxIterations !== undefined ? { maxIterations } : {}),
    variational: values.variational,
    ...(variationalEpochs !== undefined ? { variationalEpochs } : {}),
    out: values.out,
    json: values.json,
    quiet: values.quiet,
    force: values.force,
  };
}

/**
 * Why `--alpha 0` and a variational posterior do not go together, and what to do instead (train,
 * select and experiment say it alike).
 */
export const FLAT_PRIOR_VARIATIONAL =
  '--alpha 0 is a flat (improper) prior: a variational posterior\'s KL divergence from it is infinite, so its ELBO is −∞. ' +
  'Give a positive --alpha, or let the evidence choose it (--alpha auto or elbo)';

/** `--alpha`: `auto` (default), a criterion, or a non-negative number. */
function parseAlpha(text: string | undefined): number | 'auto' | PriorCriterion {
  if (text === undefined || text === 'auto') return 'auto';
  if ((PRIOR_CRITERIA as readonly string[]).includes(text)) return text as PriorCriterion;
  if (/^[a-z-]+$/i.test(text.trim())) throw new UserError(`--alpha: "${text}" is not auto, ${PRIOR_CRITERIA.join(', ')} or a number`);
  return parseNumberFlag('alpha', text, 1, { min: 0 });
}

/**
 * `--hidden 16,8` → [16, 8]: comma-separated positive integers, one per hidden layer.
 * @throws {UserError} naming the entry that is not one.
 */
export function parseHidden(text: string | undefined): number[] {
  if (text === undefined) return [16];
  const entries = text.split(',');
  const hidden = entries.map((entry, k) => {
    const t = entry.trim();
    const width = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(width) || width < 1) {
      const which = entries.length > 1 ? `entry ${k + 1} ` : '';
      throw new UserError(`--hidden: ${which}"${entry}" is not a positive integer (widths of the hidden layers, e.g. --hidden 16,8)`);
    }
    return width;
  });
  // One input and one output at least: a lower bound on the network's size, checked before any
  // data is read (the command checks the real size once it knows the features and outputs).
  checkNetworkSize([1, ...hidden, 1]);
  return hidden;
}

function architecture(result: TrainResult): number[] {
  return [...result.model.network.sizes];
}

function resultJson(flags: Flags, dataset: Dataset, taskInferred: boolean, result: TrainResult): Record<string, unknown> {
  const { map, variational, model } = result;
  return {
    dataset: flags.data.dataset,
    task: dataset.task,
    taskInferred,
    target: dataset.target,
    classes: dataset.classes,
    rows: { train: result.data.trainRows.length, test: result.data.testRows.length, dropped: dataset.droppedRows },
    architecture: architecture(result),
    activation: flags.activation,
    parameters: model.network.parameterCount,
    seed: flags.data.seed,
    testFraction: flags.data.testFraction,
    map: {
      converged: map.converged,
      gradientNorm: map.gradientNorm,
      iterations: map.iterations,
      optimizer: map.optimizer,
      curvatureProducts: map.products,
      reason: map.reason,
      objective: map.objective,
      alpha: map.alpha,
    },
    prior: priorJson(result.prior, dataset.task),
    variational:
      variational === null
        ? null
        : {
            prior: variational.prior,
            alpha: variational.alpha,
            epochs: variational.history.length,
            elbo: variational.final.elbo,
            elboStandardError: variational.final.standardError,
            kl: variational.final.kl,
            ...(dataset.task === 'regression' ? { noiseVariance: variational.noiseVariance } : {}),
          },
    ...(dataset.task === 'regression' ? { noiseVariance: model.noiseVariance ?? null } : {}),
    train: result.train,
    test: result.test,
    out: flags.out,
  };
}

/** The prior block of `--json`: α (per layer where it is), s², the criterion, γ and the log evidence where they apply. */
function priorJson(prior: PriorChoice, task: Dataset['task']): Record<string, unknown> {
  const { history, noiseVariance, ...rest } = prior;
  return {
    ...rest,
    alpha: prior.scope === 'global' ? prior.alpha[0] : prior.alpha,
    ...(task === 'regression' ? { noiseVariance } : {}),
    steps: history.length,
  };
}

/** `α = 16.2 (elbo, chosen by auto)` or `α = 1 (fixed)`, with s² for regression. */
function priorLine(prior: PriorChoice, task: Dataset['task']): string {
  const alpha = prior.scope === 'global' ? formatNumber(prior.alpha[0]!) : `[${prior.alpha.map(formatNumber).join(', ')}] per layer`;
  const how = prior.criterion === 'fixed' ? 'fixed' : prior.requested === 'auto' ? `${prior.criterion}, chosen by auto` : prior.criterion;
  const noise = task === 'regression' ? `, noise variance s² = ${formatNumber(prior.noiseVariance)} (standardized units)` : '';
  const evidence = prior.logEvidence !== undefined ? `, log evidence ${formatNumber(prior.logEvidence)}, γ = ${formatNumber(prior.gamma!)}` : '';
  const elbo = prior.elbo !== undefined ? `, ELBO ${formatNumber(prior.elbo.value)} ± ${formatNumber(prior.elbo.standardError)}` : '';
  return `prior: α = ${alpha} (${how})${noise}${evidence}${elbo}`;
}

function summary(flags: Flags, dataset: Dataset, result: TrainResult): string[] {
  const { map, variational, model } = result;
  const kind = dataset.task === 'classification' ? `classification (${dataset.classes!.length} classes)` : 'regression';
  const dropped = dataset.droppedRows > 0 ? `, ${dataset.droppedRows} rows with missing values dropped` : '';
  const lines = [
    `data: ${flags.data.dataset}, ${dataset.n} rows × ${dataset.m} features, target "${dataset.target}", ${kind}${dropped}`,
    `split: ${result.data.trainRows.length} train / ${result.data.testRows.length} test rows (seed ${flags.data.seed})`,
    `network: ${architecture(result).join('-')}, ${flags.activation}, ${model.network.parameterCount} parameters`,
    priorLine(result.prior, dataset.task),
    `MAP fit: ${map.converged ? 'converged' : 'NOT converged'} (${map.reason}) after ${map.iterations} iterations (${map.optimizer === 'lbfgs+newton' ? 'L-BFGS, then Newton' : map.optimizer === 'newton' ? 'Newton' : 'L-BFGS'}), largest |gradient| ${formatNumber(map.gradientNorm)}`,
  ];
  if (variational !== null) {
    const alpha = [...new Set(variational.alpha)].map(formatNumber).join(', ');
    lines.push(`variational fit: ${variational.history.length} epochs, ${variational.prior} prior α = ${alpha}, ELBO ${formatNumber(variational.final.elbo)} ± ${formatNumber(variational.final.standardError)}`);
  }
  lines.push(`train: ${formatMetrics(result.train)}`);
  lines.push(`test:  ${formatMetrics(result.test)}`);
  lines.push(`saved to ${flags.out}`);
  return lines;
}


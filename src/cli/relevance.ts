/**
 * `prunus relevance`: per-parameter relevance scores of a trained model by one method
 * (docs/cli.md), with every intermediate in `--json`.
 */
import { parseArgs } from 'node:util';
import { readCsvFile, toFeatureTable } from '../data/csv.js';
import { ROW_SELECTIONS, rowsForModel, trainingDataOf, type RowSelection } from '../nn/fit.js';
import type { PriorPrecision } from '../nn/losses.js';
import { modelAlpha, type Model } from '../nn/model.js';
import { posteriorGradientNorm } from '../nn/train.js';
import { readModelFile } from '../nn/modelfile.js';
import { fitVariational } from '../nn/variational.js';
import {
  BELSLEY_MATRICES, groupScores, isMethodName, RELEVANCE_METHODS, SALIENCIES, scoreRelevance,
  type BelsleyMatrix, type MethodOptions, type RelevanceResult, type Saliency,
} from '../pruning/index.js';
import { checkDenseActiveSize } from '../pruning/dense.js';
import { Random } from '../random/random.js';
import { formatNumber, memoryLine, parseNumberFlag, peakMemory, printJson, UserError, type Command } from './common.js';
import { DATA_OPTIONS, loadData, parseDataFlags } from './data-flags.js';
import { createProgress } from './progress.js';
import { MAX_EPOCHS } from './train.js';

const CURVATURES = ['exact', 'gauss-newton', 'becker-lecun'] as const;

const usage = `Usage: prunus relevance --model M --dataset D --method METHOD [options] [--json]

Scores every active parameter of a trained model (docs/methods.md); the least relevant first.
Curvature and gradients are those of the negative log-likelihood summed over the scored rows
(classification: cross-entropy; regression: ½ Σ (y_std − f)² / s², with the model's noise
variance s²), at the model's weights. By default the rows are the model's own training rows
(rebuilt from the split its file records), where ŵ is a minimum; --rows says otherwise.

Methods:
${Object.values(RELEVANCE_METHODS).map((m) => `  ${m.name.padEnd(12)} ${m.summary}`).join('\n')}

Options:
  --model M               a prunus-mlp model file
  --dataset NAME|PATH     wine, boston, digits, synthetic, friedman, or a CSV file with a header row
  --rows R                train (default when the model records its split and the data matches it),
                          test, or all (the default otherwise, with a note)
  --target COLUMN         the target column (default: the model's target)
  --drop-missing          drop rows with missing values instead of failing
  --seed S                seed of the random method and of sampling (default 0); the generated
                          sets (synthetic, friedman) use the model's training seed unless given
  --method METHOD         one of ${Object.keys(RELEVANCE_METHODS).join(', ')}
  --saliency S            obd: ${SALIENCIES.join(', ')} (default ${SALIENCIES[0]}; see docs/methods.md)
  --curvature C           obd: exact (default), gauss-newton or becker-lecun (approximations, labelled);
                          belsley/obs: gauss-newton (default) or exact
  --matrix M              belsley: ${BELSLEY_MATRICES.join(', ')} (default information)
  --samples FILE.csv      belsley --matrix samples: rows are samples of the parameter vector
  --scale                 belsley: scale the matrix to unit diagonal first
  --alpha A               prior precision for H + αI and the posterior saliency (default: the model's, else 1)
  --structured            also score hidden units (sum of their parameters' scores)
  --variational-epochs N  variational, when the model has no posterior: epochs of the fit made
                          on the spot (default: the fit's own, 1500 on up to 1024 rows); bounds
                          the work on a large model
  --top K                 rows shown in the table (default 10)
  --quiet                 no progress on stderr
  --json                  machine-readable result on stdout`;

/** The `prunus relevance` command. */
export const relevanceCommand: Command = {
  name: 'relevance',
  summary: 'per-parameter relevance scores of a trained model (random, obd, variational, belsley, magnitude, obs)',
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        dataset: DATA_OPTIONS.dataset,
        target: DATA_OPTIONS.target,
        seed: DATA_OPTIONS.seed,
        'drop-missing': DATA_OPTIONS['drop-missing'],
        model: { type: 'string' },
        rows: { type: 'string' },
        saliency: { type: 'string' },
        method: { type: 'string' },
        curvature: { type: 'string' },
        matrix: { type: 'string' },
        samples: { type: 'string' },
        scale: { type: 'boolean', default: false },
        alpha: { type: 'string' },
        structured: { type: 'boolean', default: false },
        'variational-epochs': { type: 'string' },
        top: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.model === undefined) throw new UserError('--model M is required (a prunus-mlp model file)');
    const method = values.method;
    if (method === undefined || !isMethodName(method)) {
      throw new UserError(`--method: ${method === undefined ? 'required' : `"${method}" is not a method`} (one of ${Object.keys(RELEVANCE_METHODS).join(', ')})`);
    }
    const model = readModelFile(values.model);
    // Refused before the data is read: these need nothing but the model to know.
    if (model.network.activeCount === 0) {
      throw new UserError(`${values.model}: every parameter is pruned, so there is nothing to score (the model predicts the same for every row)`);
    }
    if (method === 'belsley' || method === 'obs') {
      try {
        checkDenseActiveSize(method === 'obs' ? 'obs' : `belsley (${values.matrix ?? 'information'})`, model.network.activeCount);
      } catch (err) {
        throw new UserError(`${values.model}: ${(err as Error).message}`);
      }
    }
    const variationalEpochs = values['variational-epochs'] === undefined ? undefined : parseNumberFlag('variational-epochs', values['variational-epochs'], 1, { min: 1, integer: true, max: MAX_EPOCHS });
    if (variationalEpochs !== undefined && method !== 'variational') throw new UserError(`--variational-epochs applies to variational, not ${method}`);
    if (variationalEpochs !== undefined && model.posterior !== undefined) {
      throw new UserError(`--variational-epochs: ${values.model} has a variational posterior, which variational scores as it is (no fit to bound)`);
    }
    const recorded = trainingDataOf(model);
    let seed = values.seed;
    if (seed === undefined && recorded !== null && recorded.dataset === values.dataset) {
      // The model's own seed: one it records wrongly is the file's problem, not a --seed the user never gave.
      if (recorded.seed > 2 ** 32 - 1) throw new UserError(`${values.model}: training.data.seed is ${recorded.seed}, not a seed (an integer from 0 to 2^32 − 1); give --seed`);
      seed = String(recorded.seed);
    }
    const flags = parseDataFlags({ ...values, seed, target: values.target ?? model.target, task: model.task });
    const { dataset } = loadData(flags);
    const selection = parseRows(values.rows);
    const rows = rowsForModel(model, dataset, selection);
    if (rows.note !== null && !values.json && !values.quiet) process.stderr.write(`prunus relevance: note: ${rows.note}\n`);
    const batch = rows.batch;
    const options = methodOptions(method, values, model);
    const alpha: PriorPrecision = values.alpha === undefined ? modelAlpha(model) : parseNumberFlag('alpha', values.alpha, 1, { min: 0 });
    const noiseVariance = model.task === 'regression' ? (model.noiseVariance ?? 1) : 1;
    const top = parseNumberFlag('top', values.top, 10, { min: 1, integer: true });
    const progress = createProgress('prunus relevance', { quiet: values.quiet || values.json });
    const rng = new Random(flags.seed);
    // First the gradient: where the model's outputs or gradients on these rows overflow (weights
    // near the double range) no score means anything, and JSON would print the norm as null.
    const gradientNorm = posteriorGradientNorm(model.network, batch, model.task, alpha, noiseVariance);
    if (!Number.isFinite(gradientNorm)) {
      throw new UserError(`${values.model}: the model's gradient on these rows is not a finite number (its weights are too large to score)`);
    }
    let posterior = model.posterior;
    let posteriorNote: string | null = null;
    try {
      if (method === 'variational' && posterior === undefined) {
        const fit = fitVariational(model.network, batch, model.task, {
          rng: rng.fork(),
          ...(model.task === 'regression' && model.noiseVariance !== undefined ? { noiseVariance: model.noiseVariance } : {}),
          ...(variationalEpochs !== undefined ? { epochs: variationalEpochs } : {}),
          onEpoch: (e, total) => progress.update(e, total, 'variational fit'),
        });
        posterior = fit.posterior;
        posteriorNote = `the model has no variational posterior: fitted one now on the given data (${fit.history.length} epochs, μ from the model's weights, prior ${fit.prior})`;
      }
    } finally {
      progress.done();
    }
    const tooLarge = (name: string): UserError =>
      new UserError(`${values.model}: the ${method} score of ${name} is not a finite number (the model's weights are too large for ${method})`);
    let result: RelevanceResult;
    try {
      result = scoreRelevance(
        method,
        { network: model.network, task: model.task, batch, alpha, noiseVariance, rng, ...(posterior ? { posterior } : {}) },
        options,
      );
    } catch (err) {
      // Huge weights overflow inside a method (w², JᵀJ beyond 1.8e308), and its own checks or the
      // linear algebra's refuse the NaN or infinite entry in their terms ("obd: the score of
      // parameter W1[1,0] is NaN", "cholesky: a has a non-finite entry"): said in the user's.
      const message = err instanceof Error ? err.message : '';
      const nan = / the score of parameter (\S+) is NaN$/.exec(message);
      if (nan !== null) throw tooLarge(nan[1]!);
      if (/\bNaN\b|non-finite|Infinity/.test(message)) {
        throw new UserError(`${values.model}: ${method} cannot score this model: its curvature overflows a double (the model's weights are too large for ${method})`);
      }
      throw err;
    }
    // An active parameter's score that overflowed would print as null, which means pruned.
    const overflowed = Array.from(model.network.activeIndices()).find((j) => !Number.isFinite(result.scores[j]!));
    if (overflowed !== undefined) throw tooLarge(model.network.parameterName(overflowed));
    // Said once there is a result, so that a failed run prints its one error line alone.
    if (posteriorNote !== null && !values.json) process.stderr.write(`note: ${posteriorNote}\n`);
    const groups = values.structured ? groupScores(model.network, result) : null;
    const scored = { selection: rows.selection, count: batch.rows, gradientNorm, alpha, noiseVariance };
    if (values.json) {
      printJson({ ...resultJson(model, result, groups, posteriorNote, scored), memory: peakMemory() });
      return 0;
    }
    process.stdout.write(`${humanReport(model, result, groups, top, scored)}\n${memoryLine()}\n`);
    return 0;
  },
};

/** `--rows`: one of {@link ROW_SELECTIONS}, or undefined for the default. */
function parseRows(text: string | undefined): RowSelection | undefined {
  if (text === undefined) return undefined;
  if (!(ROW_SELECTIONS as readonly string[]).includes(text)) throw new UserError(`--rows: "${text}" is not one of ${ROW_SELECTIONS.join(', ')}`);
  return text as RowSelection;
}

/** How the rows were chosen and what the fit's assumptions look like on them. */
interface Scored {
  readonly selection: RowSelection;
  readonly count: number;
  readonly gradientNorm: number;
  readonly alpha: PriorPrecision;
  readonly noiseVariance: number;
}

/** The method's options from the flags, rejecting flags that do not apply. */
function methodOptions(
  method: string,
  values: { curvature?: string | undefined; matrix?: string | undefined; samples?: string | undefined; scale?: boolean | undefined; saliency?: string | undefined },
  model: Model,
): MethodOptions {
  const curvature = values.curvature;
  if (curvature !== undefined && !(CURVATURES as readonly string[]).includes(curvature)) {
    throw new UserError(`--curvature: "${curvature}" is not one of ${CURVATURES.join(', ')}`);
  }
  if (curvature !== undefined && !['obd', 'obs', 'belsley'].includes(method)) throw new UserError(`--curvature applies to obd, obs and belsley, not ${method}`);
  if (curvature === 'becker-lecun' && method !== 'obd') throw new UserError('--curvature becker-lecun is a diagonal: it applies to obd only');
  const matrix = values.matrix;
  if (matrix !== undefined && method !== 'belsley') throw new UserError(`--matrix applies to belsley, not ${method}`);
  if (matrix !== undefined && !(BELSLEY_MATRICES as readonly string[]).includes(matrix)) {
    throw new UserError(`--matrix: "${matrix}" is not one of ${BELSLEY_MATRICES.join(', ')}`);
  }
  const saliency = values.saliency;
  if (saliency !== undefined && method !== 'obd') throw new UserError(`--saliency applies to obd, not ${method}`);
  if (saliency !== undefined && !(SALIENCIES as readonly string[]).includes(saliency)) throw new UserError(`--saliency: "${saliency}" is not one of ${SALIENCIES.join(', ')}`);
  const options: { -readonly [K in keyof MethodOptions]: MethodOptions[K] } = {};
  if (saliency !== undefined) options.saliency = saliency as Saliency;
  if (curvature !== undefined) options.curvature = curvature as (typeof CURVATURES)[number];
  if (matrix !== undefined) options.matrix = matrix as BelsleyMatrix;
  if (values.scale === true) options.scale = true;
  if (matrix === 'samples') {
    if (values.samples === undefined) throw new UserError('--matrix samples needs --samples FILE.csv (rows are samples of the parameter vector)');
    const table = toFeatureTable(readCsvFile(values.samples), { target: null });
    const n = model.network.parameterCount;
    if (table.m !== n) throw new UserError(`${values.samples}: ${table.m} columns, but the model has ${n} parameters (one column each, canonical order)`);
    options.samples = { rows: table.n, data: table.x };
  } else if (values.samples !== undefined) {
    throw new UserError('--samples applies to --method belsley --matrix samples');
  }
  return options;
}

/** The `--json` document: the result's fields, with OBD's Hessian diagonal and the saliency at the top level. */
function resultJson(model: Model, result: RelevanceResult, groups: ReturnType<typeof groupScores> | null, note: string | null, scored: Scored): Record<string, unknown> {
  return {
    method: result.method,
    label: result.label,
    parameters: result.parameters,
    active: model.network.activeCount,
    rows: scored.count,
    rowSelection: scored.selection,
    gradientNorm: scored.gradientNorm,
    alpha: scored.alpha,
    ...(model.task === 'regression' ? { noiseVariance: scored.noiseVariance } : {}),
    direction: result.direction,
    scores: Array.from(result.scores, (s) => (Number.isNaN(s) ? null : s)),
    order: Array.from(result.order),
    leastRelevant: result.leastRelevant,
    leastRelevantName: model.network.parameterName(result.leastRelevant),
    ...methodFields(result),
    ...(groups !== null
      ? { structured: groups.map((g) => ({ unit: g.group.name, layer: g.group.layer, index: g.group.unit, score: g.score, activeParameters: g.active })) }
      : {}),
    ...(note !== null ? { note } : {}),
  };
}

/** Each method's own fields of `--json`: OBD's `hessianDiag` and saliency on top, the rest under `details`. */
function methodFields(result: RelevanceResult): Record<string, unknown> {
  switch (result.method) {
    case 'obd': {
      const { hessianDiag, saliency, ...details } = result.details;
      return { hessianDiag, saliency, details };
    }
    case 'obs': {
      const { saliency, ...details } = result.details;
      return { saliency, details };
    }
    case 'belsley': {
      const details = result.details;
      // Proportions as rows per parameter, one value per component, as `prunus belsley` prints them.
      if (details.decomposition === 'full' && details.proportions !== undefined) {
        const flat = details.proportions;
        const k = details.active.length;
        return { details: { ...details, proportions: Array.from({ length: k }, (_, j) => Array.from(flat.subarray(j * k, (j + 1) * k))) } };
      }
      return { details };
    }
    default:
      return { details: result.details };
  }
}

function humanReport(model: Model, result: RelevanceResult, groups: ReturnType<typeof groupScores> | null, top: number, scored: Scored): string {
  const net = model.network;
  const lines: string[] = [];
  lines.push(`${result.label}`);
  lines.push(`${net.sizes.join('-')} network, ${net.activeCount} of ${net.parameterCount} parameters active, curvature over ${scored.count} rows (${scored.selection})`);
  lines.push(`largest |∂/∂w| of the negative log-posterior on these rows: ${formatNumber(scored.gradientNorm)}${scored.gradientNorm > 1e-3 ? ' — not a stationary point here: second-order scores assume one' : ''}`);
  if (result.method === 'obd') {
    const { negativePosteriorDiagonalEntries: belowPrior, negativeDiagonalEntries: negative } = result.details;
    if (belowPrior > 0) lines.push(`warning: ${belowPrior} diagonal entries of H + αI are negative: the model is not at a minimum (not converged)`);
    else if (negative > 0) lines.push(`note: ${negative} negative entries of the likelihood's Hessian diagonal (allowed down to −α at a MAP minimum)`);
  }
  if (result.method === 'belsley') {
    const d = result.details;
    lines.push(
      d.decomposition === 'full'
        ? `condition indices: largest ${formatNumber(d.largestConditionIndex)}, ${d.exactDependencies} exact dependencies`
        : `condition indices: largest ${formatNumber(d.largestConditionIndex)} (${d.decompositionNote})`,
    );
  }
  lines.push('');
  const extra = result.method === 'obd' ? 'h_jj' : result.method === 'variational' ? 'μ / σ' : '';
  lines.push(`rank  parameter        index  ${'score'.padStart(12)}  ${'weight'.padStart(10)}  ${extra}`);
  Array.from(result.order.subarray(0, top)).forEach((j, rank) => {
    let more = '';
    if (result.method === 'obd') more = formatNumber(result.details.hessianDiag[j]!);
    if (result.method === 'variational') more = `${formatNumber(result.details.mean[j]!)} / ${formatNumber(result.details.sigma[j]!)}`;
    lines.push(
      `${String(rank + 1).padStart(4)}  ${net.parameterName(j).padEnd(15)}  ${String(j).padStart(5)}  ${formatNumber(result.scores[j]!).padStart(12)}  ${formatNumber(net.params[j]!).padStart(10)}  ${more}`,
    );
  });
  if (result.order.length > top) lines.push(`  … ${result.order.length - top} more (--top K, or --json for all)`);
  if (groups !== null) {
    lines.push('');
    lines.push('hidden units, least relevant first (sum of their parameters’ scores):');
    for (const g of groups.slice(0, top)) lines.push(`  ${g.group.name.padEnd(8)} ${formatNumber(g.score).padStart(12)}  (${g.active} active parameters)`);
  }
  return lines.join('\n');
}

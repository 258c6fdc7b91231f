/**
 * `prunus select`: the structure search (docs/methods.md, "Finding the optimal structure") —
 * prune step by step, refit the posterior on every structure, choose by the ELBO rule, and
 * save the chosen model.
 */
import { parseArgs } from 'node:util';
import { ACTIVATIONS, parameterCount, type Activation } from '../nn/mlp.js';
import { writeModelFile } from '../nn/modelfile.js';
import { PRIOR_CRITERIA, type PriorCriterion } from '../nn/prior.js';
import { isMethodName, RELEVANCE_METHODS, SALIENCIES, type MethodOptions, type Saliency } from '../pruning/index.js';
import { checkDenseActiveSize } from '../pruning/dense.js';
import { shrinkModel, type ModelSize } from '../pruning/shrink.js';
import type { SearchResult } from '../search/results.js';
import { selectStructure } from '../search/select.js';
import { checkOutputFile, formatNumber, memoryLine, parseNumberFlag, peakMemory, printJson, UserError, type Command } from './common.js';
import { DATA_OPTIONS, DATA_USAGE, loadData, parseDataFlags, reportInference } from './data-flags.js';
import { createProgress } from './progress.js';
import { checkNetworkSize, FLAT_PRIOR_VARIATIONAL, MAX_EPOCHS, parseHidden } from './train.js';

const usage = `Usage: prunus select --dataset D [--method M] [--criterion evidence|validation] [--structured]
                    [--out model.json] [--json]

Finds the optimal structure by pruning (docs/methods.md): trains the network (a fifth of the
training rows held out for validation), then removes a share of the remaining parameters per
step by the method's relevance, refitting the variational posterior on every structure. The
returned structure is the one with the highest ELBO, where a structure beats the one chosen so
far only by more than the standard error of the difference (common random numbers); beside it,
the validation-best structure and the sparsest within --tolerance of the best are reported.
The chosen structure's MAP weights are refitted on it; --out saves the model.

Data:
${DATA_USAGE}

Search:
  --method M              relevance method of the steps: ${Object.keys(RELEVANCE_METHODS).join(', ')} (default variational)
  --saliency S            obd: ${SALIENCIES.join(', ')}
  --criterion C           evidence (the ELBO rule, default) or validation (the validation-best step)
  --structured            remove whole hidden units
  --step F                share of the remaining parameters removed per step (default 0.15)
  --min-kept F            stop at this share of the parameters left (default 0.01)
  --fine-tune EPOCHS      Adam epochs after each step (default 0)
  --tolerance T           of the sparsest-within-tolerance structure, in the metric's units
                          (default 0.01 accuracy, or 5% of the best validation RMSE)
  --hidden W[,W...], --activation A, --alpha A, --prior P   as in prunus train
  --variational-epochs N  epochs of the full network's variational fit (default 1500 on up to
                          1024 rows, as in prunus train)
  --posterior-epochs N    epochs of each pruned structure's warm-started posterior refit (default 300)
  --max-iterations N      Iterations (L-BFGS, then Newton) of every MAP fit at most (default 5000)
  (the last three bound the work on a large network)

Output:
  --out FILE              save the chosen model (prunus-mlp); refuses to overwrite without --force
  --save-full FILE        also save the full network the search pruned (to compare, or export both)
  --force                 overwrite --out
  --json                  machine-readable result on stdout
  --quiet                 no progress on stderr`;

/** The `prunus select` command. */
export const selectCommand: Command = {
  name: 'select',
  summary: 'find the optimal structure by pruning and the ELBO, and save the chosen model',
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        ...DATA_OPTIONS,
        method: { type: 'string' },
        saliency: { type: 'string' },
        criterion: { type: 'string' },
        structured: { type: 'boolean', default: false },
        step: { type: 'string' },
        'min-kept': { type: 'string' },
        'fine-tune': { type: 'string' },
        tolerance: { type: 'string' },
        hidden: { type: 'string' },
        activation: { type: 'string' },
        alpha: { type: 'string' },
        prior: { type: 'string' },
        'variational-epochs': { type: 'string' },
        'posterior-epochs': { type: 'string' },
        'max-iterations': { type: 'string' },
        out: { type: 'string' },
        'save-full': { type: 'string' },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const data = parseDataFlags(values);
    const method = values.method ?? 'variational';
    if (!isMethodName(method)) throw new UserError(`--method: "${method}" is not a method (one of ${Object.keys(RELEVANCE_METHODS).join(', ')})`);
    const criterion = values.criterion ?? 'evidence';
    if (criterion !== 'evidence' && criterion !== 'validation') throw new UserError(`--criterion: "${criterion}" is not evidence or validation`);
    const methodOptions: MethodOptions = {};
    if (values.saliency !== undefined) {
      if (method !== 'obd') throw new UserError(`--saliency applies to obd, not ${method}`);
      if (!(SALIENCIES as readonly string[]).includes(values.saliency)) throw new UserError(`--saliency: "${values.saliency}" is not one of ${SALIENCIES.join(', ')}`);
      (methodOptions as { saliency?: Saliency }).saliency = values.saliency as Saliency;
    }
    const activation = values.activation ?? 'tanh';
    if (!ACTIVATIONS.includes(activation as Activation)) throw new UserError(`--activation: "${activation}" is not one of ${ACTIVATIONS.join(', ')}`);
    const alphaText = values.alpha;
    const alpha = alphaText === undefined || alphaText === 'auto' ? 'auto' : (PRIOR_CRITERIA as readonly string[]).includes(alphaText) ? (alphaText as PriorCriterion) : parseNumberFlag('alpha', alphaText, 1, { min: 0 });
    if (alpha === 0) throw new UserError(FLAT_PRIOR_VARIATIONAL);
    const prior = values.prior ?? 'global';
    if (prior !== 'global' && prior !== 'layer') throw new UserError(`--prior: "${prior}" is not global or layer`);
    const epochsFlag = (flag: 'variational-epochs' | 'posterior-epochs' | 'max-iterations'): number | undefined =>
      values[flag] === undefined ? undefined : parseNumberFlag(flag, values[flag], 1, { integer: true, min: 1, max: MAX_EPOCHS });
    const variationalEpochs = epochsFlag('variational-epochs');
    const posteriorEpochs = epochsFlag('posterior-epochs');
    const maxIterations = epochsFlag('max-iterations');
    if (values.out !== undefined) checkOutputFile(values.out, values.force);
    if (values['save-full'] !== undefined) checkOutputFile(values['save-full'], values.force);
    const step = parseNumberFlag('step', values.step, 0.15, { min: 1e-6, max: 0.999 });
    const minKept = parseNumberFlag('min-kept', values['min-kept'], 0.01, { min: 1e-6, max: 0.999 });
    const fineTuneEpochs = parseNumberFlag('fine-tune', values['fine-tune'], 0, { integer: true, min: 0, max: 100000 });
    const tolerance = values.tolerance === undefined ? undefined : parseNumberFlag('tolerance', values.tolerance, 0, { min: 0 });

    const hidden = parseHidden(values.hidden);
    const loaded = loadData(data);
    const sizes = [loaded.dataset.m, ...hidden, loaded.dataset.classes?.length ?? 1];
    checkNetworkSize(sizes);
    // Refused before any training: the first pruning step scores the full network.
    if (method === 'belsley' || method === 'obs') {
      try {
        checkDenseActiveSize(method, parameterCount(sizes));
      } catch (err) {
        throw new UserError(`--method: a ${sizes.join('-')} network: ${(err as Error).message}`);
      }
    }
    const progress = createProgress('prunus select', { quiet: values.quiet || values.json });
    let outcome;
    try {
      outcome = selectStructure(loaded.dataset, {
        method,
        methodOptions,
        criterion,
        structured: values.structured,
        step,
        minKept,
        fineTuneEpochs,
        ...(tolerance !== undefined ? { tolerance } : {}),
        ...(posteriorEpochs !== undefined ? { posteriorEpochs } : {}),
        train: {
          hidden, activation: activation as Activation, seed: data.seed, testFraction: data.testFraction, alpha, prior,
          ...(variationalEpochs !== undefined ? { variationalFit: { epochs: variationalEpochs } } : {}),
          ...(maxIterations !== undefined ? { maxIterations } : {}),
        },
        onProgress: (phase, done, total) => progress.update(done, total, phase),
      });
    } finally {
      progress.done();
    }
    // Saved physically shrunk: hidden units and inputs with no active path are gone.
    const shrunk = shrinkModel(outcome.model);
    if (values.out !== undefined) writeModelFile(values.out, shrunk.model);
    if (values['save-full'] !== undefined) writeModelFile(values['save-full'], outcome.trained.model);
    // Said once there is a result, so that a failed search prints its one error line alone.
    reportInference('select', loaded, values.json);
    const saved = { before: shrunk.before, after: shrunk.after, removedUnits: shrunk.removedUnits.map((u) => u.name), removedFeatures: shrunk.removedFeatures };
    if (values.json) {
      printJson({ ...outcome.result, model: saved, ...(values.out !== undefined ? { out: values.out } : {}), memory: peakMemory() });
      return 0;
    }
    process.stdout.write([...humanReport(outcome.result, values.out, saved), memoryLine()].join('\n') + '\n');
    return 0;
  },
};

function humanReport(result: SearchResult, out: string | undefined, saved: { before: ModelSize; after: ModelSize; removedUnits: string[]; removedFeatures: readonly string[] }): string[] {
  const value = (v: number): string => (result.metric === 'accuracy' ? v.toFixed(3) : formatNumber(v));
  const lines = [
    `structure search by ${result.method}${result.structured ? ' (hidden units)' : ''}, ${result.parameters} parameters, ${result.steps.length - 1} steps`,
    '',
    ` step  removed  active        ELBO ± s.e.    Δ vs chosen ± s.e.   valid.    test`,
  ];
  result.steps.forEach((s, k) => {
    const marks = [k === result.evidenceStep ? 'ELBO' : '', k === result.validationBestStep ? 'valid.-best' : '', k === result.sparsestWithinToleranceStep ? 'sparsest within tol.' : ''].filter((m) => m !== '');
    lines.push(
      `${String(k).padStart(5)}  ${`${(100 * s.removedShare).toFixed(1)}%`.padStart(7)}  ${String(s.active).padStart(6)}  ${`${s.elbo.toFixed(2)} ± ${s.elboStandardError.toFixed(2)}`.padStart(16)}  ${`${s.elboDifference.toFixed(2)} ± ${s.elboDifferenceStandardError.toFixed(2)}`.padStart(19)}  ${value(s.validation).padStart(7)}  ${value(s.test).padStart(7)}${marks.length > 0 ? `  ← ${marks.join(', ')}` : ''}`,
    );
  });
  const metric = result.metric;
  lines.push('');
  lines.push(`chosen (${result.criterion}): step ${result.chosenStep}, ${result.kept} of ${result.parameters} parameters kept (${(100 * (1 - result.kept / result.parameters)).toFixed(1)}% removed)`);
  lines.push(`why: ${result.reason}`);
  lines.push(`test ${metric}: ${value(result.test[metric]!)} after refitting the chosen structure; the full network: ${value(result.full[metric]!)}`);
  const size = (m: ModelSize): string => `${m.sizes.join('-')}, ${m.active} active of ${m.parameters} stored parameters, ${m.bytes} bytes`;
  lines.push(`model: ${size(saved.before)} → shrunk ${size(saved.after)}${saved.removedUnits.length > 0 ? ` (units ${saved.removedUnits.join(', ')} gone)` : ''}${saved.removedFeatures.length > 0 ? `, inputs ${saved.removedFeatures.join(', ')} unused` : ''}`);
  if (out !== undefined) lines.push(`saved to ${out}`);
  return lines;
}

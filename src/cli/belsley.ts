/**
 * `prunus belsley`: Belsley–Kuh–Welsch collinearity diagnostics of the columns of a sample
 * matrix (docs/cli.md), optionally pruning the columns until no dependency is left.
 */
import { parseArgs } from 'node:util';
import { columnName, readCsvFile, toFeatureTable } from '../data/csv.js';
import { belsleyIllustration, type NamedSamples } from '../pruning/belsley-illustration.js';
import {
  belsleyDiagnostics,
  belsleyPrune,
  covarianceOfSamples,
  type BelsleyDiagnostics,
  type BelsleyStep,
} from '../pruning/belsley.js';
import { formatNumber, memoryLine, parseNumberFlag, peakMemory, printJson, UserError, type Command } from './common.js';

const EXAMPLES = ['illustration'] as const;

/**
 * Most columns a sample matrix may have: the dense relevance methods' limit (DENSE_ACTIVE_LIMIT
 * in pruning/dense.ts, not imported: that module would load the training code this command
 * does without). Each diagnosis is an O(n³) decomposition, minutes at 3000.
 */
const MAX_COLUMNS = 3000;

const usage = `Usage: prunus belsley (--samples FILE.csv | --example illustration) [--prune] [--max-condition 1000] [--scale] [--json]

Belsley collinearity diagnostics of the columns of a sample matrix: the eigendecomposition of
their empirical covariance M = U Λ Uᵀ, condition indices η_k = λ_max / λ_k (∞ for an exact
linear dependency) and variance-decomposition proportions (the share of each column's variance
due to each component).

Options:
  --samples FILE.csv      rows are samples, the header names the columns; every cell a number
  --example illustration  the illustration of docs/methods.md §5 item 3 instead of a file:
                          (sin x, cos x, 2 + cos x, 2 + sin x, cos x + sin x, x), x = 0, 0.02, …, 20
  --prune                 remove the column carrying the largest share of the strongest
                          dependency and recompute, while the largest η exceeds --max-condition
                          (removing a column deletes its row and column of the covariance)
  --max-condition C       threshold on η (default 1000, the λ-form of BKW's 30 on singular values)
  --scale                 scale the covariance to unit diagonal first (a correlation matrix)
  --json                  machine-readable result on stdout`;

/** The `prunus belsley` command. */
export const belsleyCommand: Command = {
  name: 'belsley',
  summary: 'Belsley collinearity diagnostics (and pruning) of the columns of a sample matrix',
  usage,
  async run(args: string[]): Promise<number> {
    const flags = parseFlags(args);
    const data = flags.example !== undefined ? belsleyIllustration() : readSamples(flags.samples!);
    if (data.rows < 2) {
      throw new UserError(`${flags.source}: ${data.rows} data row; a covariance needs at least 2 samples`);
    }
    const covariance = covarianceOfSamples(data.samples, data.rows, data.cols);
    const cols = data.cols;
    const names = data.names;
    checkCovariance(covariance, cols, names, flags.source);
    const analysed = flags.scale ? balancedForScaling(covariance, cols) : covariance;
    const diagnostics = belsleyDiagnostics(analysed, cols, { scale: flags.scale });
    const pruning = flags.prune
      ? belsleyPrune(analysed, cols, { matrix: 'samples', maxCondition: flags.maxCondition, names, scale: flags.scale, onStep: progress(cols) })
      : undefined;

    if (flags.json) {
      printJson({
        matrix: 'samples',
        source: flags.source,
        rows: data.rows,
        columns: names,
        scaled: flags.scale,
        ...diagnosticsJson(diagnostics, names),
        ...(pruning === undefined
          ? {}
          : {
              maxCondition: pruning.maxCondition,
              // Samples: a removal drops the column, i.e. deletes its row and column of the
              // covariance (belsleyPrune's `delete`, not the `condition` of a posterior covariance).
              operation: pruning.operation,
              removed: pruning.removedNames,
              kept: pruning.keptNames,
              steps: pruning.steps.map((step) => {
                const active = step.active.map((j) => names[j]!);
                return {
                  active,
                  maxConditionIndex: step.maxConditionIndex,
                  ...diagnosticsJson(step.diagnostics, active),
                  removed: step.removed === null ? null : names[step.removed]!,
                  operation: step.operation,
                };
              }),
            }),
        memory: peakMemory(),
      });
      return 0;
    }

    const out: string[] = [];
    const scaling = flags.scale ? ', scaled to unit diagonal' : '';
    out.push(`Belsley diagnostics of ${cols} columns: covariance of ${data.rows} samples from ${flags.source}${scaling}`);
    out.push('');
    out.push(...diagnosticsTable(diagnostics, names, flags.maxCondition));
    if (pruning !== undefined) {
      out.push('');
      out.push(`Pruning while the largest condition index exceeds ${formatNumber(pruning.maxCondition)}`);
      out.push('(each removal drops the column from the samples: its row and column of the covariance are deleted):');
      pruning.steps.forEach((step, s) => {
        if (step.removed === null) return;
        const d = step.diagnostics;
        const position = d.leastRelevant;
        const why = d.exactDependencies > 0 ? 'share of the null space' : 'share of the most degenerate component';
        out.push(
          `  ${s + 1}. removed ${names[step.removed]!}  (max η ${formatNumber(step.maxConditionIndex)}, ${why} ${d.degenerateShare[position]!.toFixed(3)})`,
        );
      });
      if (pruning.removed.length === 0) out.push('  nothing removed');
      const last = pruning.steps[pruning.steps.length - 1];
      const finalIndex = last !== undefined && last.removed === null ? `  (max η ${formatNumber(last.maxConditionIndex)})` : '';
      out.push(`removed: ${pruning.removedNames.join(', ') || '(none)'}`);
      out.push(`kept: ${pruning.keptNames.join(', ') || '(none)'}${finalIndex}`);
    }
    out.push(memoryLine());
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};

interface Flags {
  readonly samples?: string;
  readonly example?: (typeof EXAMPLES)[number];
  readonly source: string;
  readonly prune: boolean;
  readonly maxCondition: number;
  readonly scale: boolean;
  readonly json: boolean;
}

function parseFlags(args: string[]): Flags {
  // Unknown or malformed flags throw; main() reports any error as one line with exit 1.
  const { values } = parseArgs({
    args,
    options: {
      samples: { type: 'string' },
      example: { type: 'string' },
      prune: { type: 'boolean', default: false },
      'max-condition': { type: 'string' },
      scale: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const maxCondition = parseNumberFlag('max-condition', values['max-condition'], 1000, { min: 1 });
  const common = { prune: values.prune, maxCondition, scale: values.scale, json: values.json };
  if (values.samples !== undefined && values.example !== undefined) {
    throw new UserError('give either --samples FILE.csv or --example illustration, not both');
  }
  if (values.example !== undefined) {
    const example = EXAMPLES.find((e) => e === values.example);
    if (example === undefined) throw new UserError(`--example: unknown example "${values.example}" (one of: ${EXAMPLES.join(', ')})`);
    return { ...common, example, source: 'the illustration (docs/methods.md §5 item 3)' };
  }
  if (values.samples === undefined) throw new UserError('--samples FILE.csv is required (or --example illustration)');
  return { ...common, samples: values.samples, source: values.samples };
}

/** A progress reporter for the pruning rounds: a line on stderr at most once a second, after the first second. */
function progress(total: number): (step: BelsleyStep) => void {
  const start = Date.now();
  let last = start;
  return (step) => {
    const now = Date.now();
    if (now - last < 1000 || step.removed === null) return;
    last = now;
    process.stderr.write(`prunus belsley: pruning, ${step.active.length - 1} of ${total} columns left (${((now - start) / 1000).toFixed(0)} s)\n`);
  };
}

/** Reads a sample matrix: every column numeric, no target column. */
function readSamples(path: string): NamedSamples {
  // The data layer's errors already name file, line and column; they become one-line messages.
  const table = toFeatureTable(readCsvFile(path), { target: null });
  // The covariance is cols × cols and every diagnosis an O(cols³) decomposition (each pruning
  // round another): a wide file would exhaust memory or run for hours.
  if (table.m > MAX_COLUMNS) {
    throw new UserError(`${path}: ${table.m} columns need a ${table.m}×${table.m} covariance and O(n³) decompositions; the limit is ${MAX_COLUMNS} columns`);
  }
  return { samples: table.x, rows: table.n, cols: table.m, names: table.features };
}

/**
 * Refuses a covariance that overflowed (values whose spread squared passes 1.8e308), naming
 * the column, rather than letting the diagnostics fail on an infinite entry.
 * @throws {UserError} naming the first column whose variance (or covariance) is not finite.
 */
function checkCovariance(covariance: Float64Array, cols: number, names: readonly string[], source: string): void {
  const k = covariance.findIndex((v) => !Number.isFinite(v));
  if (k < 0) return;
  let j = 0;
  while (j < cols && Number.isFinite(covariance[j * cols + j]!)) j++;
  const which = j < cols ? `column ${columnName(names[j]!)}` : `columns ${columnName(names[Math.floor(k / cols)]!)} and ${columnName(names[k % cols]!)}`;
  throw new UserError(`${source}, ${which}: the values are too large: their covariance overflows a double (beyond ±${Number.MAX_VALUE.toPrecision(3)}); rescale the columns`);
}

/**
 * For `--scale`: the covariance with row and column j multiplied by a power of two that brings
 * its diagonal into [1, 4). The scaled analysis works on D^-1/2 M D^-1/2, which this leaves
 * exactly as it is (powers of two, no rounding); without it the factor 1/√(M_ii M_jj) overflowed
 * for variances near 1e-323 (values near 1e-162: "symmetricEigen: a has a non-finite entry") and
 * kept only a few bits for variances near 1e308.
 */
function balancedForScaling(covariance: Float64Array, cols: number): Float64Array {
  const factor = Float64Array.from({ length: cols }, (_, j) => {
    const d = covariance[j * cols + j]!;
    return d > 0 ? 2 ** -Math.floor(Math.log2(d) / 2) : 1;
  });
  // Left to right: |M_ij| ≤ √(M_ii M_jj), so no partial product overflows.
  return covariance.map((v, k) => v * factor[Math.floor(k / cols)]! * factor[k % cols]!);
}

/** The diagnostics as JSON fields, per-column arrays keyed by `names`. */
function diagnosticsJson(d: BelsleyDiagnostics, names: readonly string[]): Record<string, unknown> {
  const n = d.n;
  return {
    eigenvalues: Array.from(d.eigenvalues),
    conditionIndices: Array.from(d.conditionIndices),
    proportions: Array.from({ length: n }, (_, j) => Array.from(d.proportions.subarray(j * n, (j + 1) * n))),
    exactDependencies: d.exactDependencies,
    nullSpaceShare: Array.from(d.nullSpaceShare),
    tolerance: d.tolerance,
    mostDegenerate: d.mostDegenerate,
    leastRelevant: names[d.leastRelevant]!,
  };
}

/**
 * The classic `colldiag` layout: one line per component (η ascending), one proportion column
 * per sample column. A `*` marks proportions above 0.5 on components whose η exceeds the
 * threshold: two or more of them on one line are BKW's sign of a harmful dependency.
 */
function diagnosticsTable(d: BelsleyDiagnostics, names: readonly string[], maxCondition: number): string[] {
  const n = d.n;
  const width = names.map((name) => Math.max(name.length, 6));
  const lines: string[] = [];
  const head = ['component'.padEnd(10), 'eigenvalue'.padStart(11), 'cond. index'.padStart(12), ' '];
  lines.push(head.join(' ') + names.map((name, j) => name.padStart(width[j]!) + ' ').join(' '));
  for (let k = 0; k < n; k++) {
    const eta = d.conditionIndices[k]!;
    const high = eta > maxCondition;
    const cells = names.map((_, j) => {
      const q = d.proportions[j * n + k]!;
      return q.toFixed(3).padStart(width[j]!) + (high && q > 0.5 ? '*' : ' ');
    });
    const row = [String(k + 1).padEnd(10), formatNumber(d.eigenvalues[k]!).padStart(11), formatNumber(eta).padStart(12), ''];
    lines.push(row.join(' ') + cells.join(' '));
  }
  lines.push('');
  if (d.exactDependencies > 0) {
    lines.push(`exact dependencies: ${d.exactDependencies} (eigenvalue ≤ ${formatNumber(d.tolerance)} = λ_max·max(n, 10)·ε, η = ∞)`);
    if (d.exactDependencies > 1) {
      const first = n - d.exactDependencies + 1;
      lines.push(
        `(inside the ${d.exactDependencies}-dimensional null space the split among components ${first}–${n} is an arbitrary basis; the share below is not)`,
      );
    }
    lines.push(`share of the null space: ${names.map((name, j) => `${name} ${d.nullSpaceShare[j]!.toFixed(3)}`).join(', ')}`);
  } else {
    lines.push(`largest condition index: ${formatNumber(d.conditionIndices[n - 1]!)} (component ${d.mostDegenerate + 1})`);
  }
  lines.push(`least relevant column: ${names[d.leastRelevant]!}`);
  return lines.map((line) => line.trimEnd());
}


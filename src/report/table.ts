/**
 * The experiment's compact terminal summary: per method, the mean test quality at a few
 * levels, as pruned and after fine-tuning, how far it keeps the full model's quality, and
 * what the structure search chose. Plain text, at most about 80 columns apart from the
 * search's reasons.
 */
import type { ExperimentResults, SeriesSummary } from '../search/results.js';
import { formatLevel, formatShare, meanOf, methodFindings, metricView, searchRows, type MethodFinding, type MetricView } from './findings.js';
import { formatPrecision, formatValue, isFiniteNumber } from './svg.js';

/** The levels the table shows: the study's levels nearest to these (within 2.5 points). */
export const TABLE_LEVELS = [0, 50, 80, 90, 95, 100];

/** Indices of the levels to show: for each target the nearest level within 2.5 points, each level once. */
export function tableLevelIndices(levels: readonly number[], targets: readonly number[] = TABLE_LEVELS): number[] {
  const chosen: number[] = [];
  for (const t of targets) {
    let best = -1;
    levels.forEach((l, i) => {
      if (!isFiniteNumber(l) || Math.abs(l - t) > 2.5) return;
      if (best < 0 || Math.abs(l - t) < Math.abs(levels[best]! - t)) best = i;
    });
    if (best >= 0 && !chosen.includes(best)) chosen.push(best);
  }
  // Levels that match none of the targets (a custom grid): show up to six, evenly spread.
  if (chosen.length < 2 && levels.length > 0) {
    const n = Math.min(6, levels.length);
    return [...new Set(Array.from({ length: n }, (_, k) => Math.round((k * (levels.length - 1)) / Math.max(1, n - 1))))];
  }
  return chosen.sort((a, b) => levels[a]! - levels[b]!);
}

/** The summary table printed by `prunus experiment`. */
export function summaryTable(results: ExperimentResults): string {
  const view = metricView(results.metric);
  const findings = methodFindings(results);
  const indices = tableLevelIndices(results.levels);
  const lines: string[] = [];
  const seeds = `${results.seeds} seed${results.seeds === 1 ? '' : 's'}`;
  lines.push(`${results.dataset} (${results.task}): ${results.architecture.join('-')} ${results.activation}, ${results.parameters} parameters, ${seeds}`);
  const spread = results.seeds > 1 ? ` ± ${view.formatStd(results.full.std)}` : '';
  lines.push(`full model ${view.format(results.full.mean)}${spread}, trivial predictor ${view.format(results.trivial)}`);
  lines.push(`kept to: the largest share removed at which the mean is ${view.toleranceText}`);
  const unit = view.name === 'accuracy' ? 'test accuracy (%), higher is better' : 'test RMSE, lower is better';
  lines.push('');
  lines.push(`As pruned: ${unit}, mean over ${seeds}`);
  lines.push(...block(results, view, findings, indices, (m) => m.quality, (f) => f.kept));
  const tuned = findings.filter((f) => f.fineTunedKept !== undefined);
  if (tuned.length > 0) {
    lines.push('');
    lines.push(`Fine-tuned (${results.fineTuneEpochs} epochs per step): ${unit}`);
    lines.push(
      ...block(
        results,
        view,
        [...tuned].sort((a, b) => (b.fineTunedKept?.level ?? -1) - (a.fineTunedKept?.level ?? -1) || (b.fineTunedRetained ?? 0) - (a.fineTunedRetained ?? 0)),
        indices,
        (m) => m.fineTuned,
        (f) => f.fineTunedKept ?? null,
      ),
    );
  }
  const rows = searchRows(results);
  if (rows.length > 0) {
    const first = rows[0]!.result;
    const shares = rows.map((r) => r.chosenShare).filter(isFiniteNumber);
    lines.push('');
    lines.push(
      `Structure search (${first.method}${first.structured ? ', structured' : ''}, criterion ${first.criterion}): ${formatShare(meanOf(shares))} removed` +
        (rows.length > 1 ? ` on average (${formatShare(Math.min(...shares))}–${formatShare(Math.max(...shares))})` : '') +
        `, test ${view.format(meanOf(rows.map((r) => r.test)))} vs full ${view.format(meanOf(rows.map((r) => r.full)))}`,
    );
    for (const r of rows) {
      const res = r.result;
      const kept = res.steps[res.chosenStep]?.active ?? res.kept;
      lines.push(
        `  seed ${r.seed}: step ${res.chosenStep}, ${formatShare(r.chosenShare)} removed (${formatValue(kept, 6)} of ${res.parameters}), ELBO ${formatValue(r.chosenElbo, 4)} ± ${formatValue(r.chosenElboSE, 2)}, ` +
          `test ${view.format(r.test)} (full ${view.format(r.full)}); validation-best at ${formatShare(r.validationBestShare)} removed, sparsest within tolerance at ${formatShare(r.sparsestShare)} removed; ${res.reason}`,
      );
    }
  }
  // No final newline: the caller prints it (as with any one value).
  return lines.join('\n');
}

/** One table: a header row of levels, one row per method, and the "kept to" column. */
function block(
  results: ExperimentResults,
  view: MetricView,
  findings: readonly MethodFinding[],
  indices: readonly number[],
  pick: (m: ExperimentResults['methods'][string]) => SeriesSummary | undefined,
  kept: (f: MethodFinding) => { level: number } | null,
): string[] {
  const cell = (v: number | undefined): string => (!isFiniteNumber(v) ? '–' : view.name === 'accuracy' ? (v * 100).toFixed(1) : formatPrecision(v, 3));
  const header = ['method', ...indices.map((i) => formatLevel(results.levels[i])), 'kept to'];
  const rows = findings.map((f) => {
    const s = pick(results.methods[f.key]!);
    const k = kept(f);
    return [f.key, ...indices.map((i) => cell(s?.mean[i])), k === null ? 'never' : formatLevel(k.level)];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const format = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd();
  return [format(header), ...rows.map(format)];
}

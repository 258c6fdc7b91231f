/**
 * What the report concludes from an experiment's numbers, shared by the HTML page and the
 * terminal table: how a metric is shown, how long each method keeps the full model's quality,
 * which method is best, and what the structure search chose.
 */
import type { ExperimentResults, MethodSummary, MetricName, SearchResult, SeriesSummary } from '../search/results.js';
import { formatPrecision, formatValue, isFiniteNumber } from './svg.js';

/** How a metric is shown and judged. */
export interface MetricView {
  readonly name: MetricName;
  readonly higherIsBetter: boolean;
  /** Axis title, with the unit and the good direction. */
  readonly axisLabel: string;
  /** Short name for tables: `accuracy (%)`, `RMSE`. */
  readonly shortLabel: string;
  /** Stored value → displayed number (accuracy as a percentage). */
  display(value: number): number;
  /** Stored value → text, e.g. `97.8%` or `3.41`. */
  format(value: number | null | undefined): string;
  /** A standard deviation → text in display units, e.g. `1.2` (accuracy points) or `0.31`. */
  formatStd(std: number | null | undefined): string;
  /** The tolerance of the findings, in words. */
  readonly toleranceText: string;
  /** Whether `value` is within the tolerance of the full model's `full`. */
  withinTolerance(value: number, full: number): boolean;
  /** The natural bounds of the stored value (bands are clipped to them). */
  readonly bounds: readonly [number, number];
}

/** Tolerances of the findings: 1 accuracy point, or 5% of the full model's RMSE. */
export const ACCURACY_TOLERANCE = 0.01;
export const RMSE_RELATIVE_TOLERANCE = 0.05;

/** The view of `metric`. */
export function metricView(metric: MetricName): MetricView {
  if (metric === 'accuracy')
    return {
      name: metric,
      higherIsBetter: true,
      axisLabel: 'Test accuracy, %  (higher is better ↑)',
      shortLabel: 'accuracy (%)',
      display: (v) => v * 100,
      format: (v) => (isFiniteNumber(v) ? `${(v * 100).toFixed(1)}%` : '–'),
      formatStd: (v) => (isFiniteNumber(v) ? (v * 100).toFixed(1) : '–'),
      toleranceText: 'within 1 accuracy point of the full model',
      withinTolerance: (v, full) => isFiniteNumber(v) && v >= full - ACCURACY_TOLERANCE - 1e-12,
      bounds: [0, 1],
    };
  return {
    name: metric,
    higherIsBetter: false,
    axisLabel: 'Test RMSE, target units  (lower is better ↓)',
    shortLabel: 'RMSE',
    display: (v) => v,
    format: (v) => formatPrecision(v, 3),
    formatStd: (v) => formatValue(v, 2),
    toleranceText: 'within 5% of the full model’s RMSE',
    withinTolerance: (v, full) => isFiniteNumber(v) && v <= full * (1 + RMSE_RELATIVE_TOLERANCE) + 1e-12,
    bounds: [0, Infinity],
  };
}

/** Level indices in increasing level order (the levels are meant to be sorted; this does not rely on it). */
export function levelOrder(levels: readonly number[]): number[] {
  return levels.map((_, i) => i).sort((a, b) => levels[a]! - levels[b]!);
}

/**
 * The largest level at which the mean is within tolerance — past it the mean never comes back
 * — with the index of that level; `null` when no level is. Not "within at every level up to
 * it": on a small test set one misclassified row is several accuracy points (Wine: 36 rows),
 * so early dips of a single row would hide how far a method really goes.
 */
export function keptUpTo(levels: readonly number[], series: SeriesSummary | undefined, full: number, view: MetricView): { level: number; index: number } | null {
  if (series === undefined || !isFiniteNumber(full)) return null;
  let kept: { level: number; index: number } | null = null;
  for (const i of levelOrder(levels)) {
    const v = series.mean[i];
    if (isFiniteNumber(v) && view.withinTolerance(v, full)) kept = { level: levels[i]!, index: i };
  }
  return kept;
}

/**
 * Mean over levels of the share of the full model's advantage over the trivial predictor that
 * the pruned model keeps, clipped to [0, 1]: a scale-free area under the curve, the tie-break
 * between methods that keep quality equally long.
 */
export function retainedShare(series: SeriesSummary | undefined, full: number, trivial: number): number {
  if (series === undefined || !isFiniteNumber(full) || !isFiniteNumber(trivial) || full === trivial) return Number.NaN;
  const values = series.mean.filter(isFiniteNumber).map((v) => Math.min(1, Math.max(0, (v - trivial) / (full - trivial))));
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** One method's line in the findings. */
export interface MethodFinding {
  readonly key: string;
  readonly label: string;
  /** As pruned: the largest level (%) kept within tolerance, and the mean quality there. */
  readonly kept: { readonly level: number; readonly quality: number } | null;
  readonly retained: number;
  /** After fine-tuning (absent without fine-tuning). */
  readonly fineTunedKept?: { readonly level: number; readonly quality: number } | null;
  readonly fineTunedRetained?: number;
}

function finding(levels: readonly number[], key: string, m: MethodSummary, full: number, trivial: number, view: MetricView): MethodFinding {
  const at = (s: SeriesSummary | undefined): { level: number; quality: number } | null => {
    const k = keptUpTo(levels, s, full, view);
    return k === null || s === undefined ? null : { level: k.level, quality: s.mean[k.index]! };
  };
  const base = { key, label: m.label, kept: at(m.quality), retained: retainedShare(m.quality, full, trivial) };
  return m.fineTuned === undefined ? base : { ...base, fineTunedKept: at(m.fineTuned), fineTunedRetained: retainedShare(m.fineTuned, full, trivial) };
}

/** Orders findings best first: kept longest, then most of the full model's quality retained overall. */
export function compareFindings(a: { kept: { level: number } | null; retained: number }, b: { kept: { level: number } | null; retained: number }): number {
  const la = a.kept?.level ?? -1;
  const lb = b.kept?.level ?? -1;
  if (la !== lb) return lb - la;
  const ra = Number.isNaN(a.retained) ? -1 : a.retained;
  const rb = Number.isNaN(b.retained) ? -1 : b.retained;
  return rb - ra;
}

/** Every method's finding, best first (as pruned). */
export function methodFindings(results: ExperimentResults): MethodFinding[] {
  const view = metricView(results.metric);
  return Object.entries(results.methods)
    .map(([key, m]) => finding(results.levels, key, m, results.full.mean, results.trivial, view))
    .sort(compareFindings);
}

/** The best method after fine-tuning, when there was fine-tuning. */
export function bestFineTuned(findings: readonly MethodFinding[]): MethodFinding | undefined {
  const tuned = findings.filter((f) => f.fineTunedKept !== undefined);
  return tuned.sort((a, b) => compareFindings({ kept: a.fineTunedKept!, retained: a.fineTunedRetained! }, { kept: b.fineTunedKept!, retained: b.fineTunedRetained! }))[0];
}

/** True for the Belsley variants (`belsley`, `belsley-laplace`, …). */
export function isBelsley(key: string): boolean {
  return key === 'belsley' || key.startsWith('belsley-') || key.startsWith('belsley_') || key.startsWith('belsley/');
}

/** One structure-search run, ready to print. */
export interface SearchRow {
  /** The seed of the run (from `seedList`, by position), or its position when unknown. */
  readonly seed: string;
  readonly result: SearchResult;
  readonly chosenShare: number;
  readonly chosenElbo: number;
  readonly chosenElboSE: number;
  readonly test: number | undefined;
  readonly full: number | undefined;
  readonly validationBestShare: number;
  readonly sparsestShare: number;
}

/** The search runs with their chosen, validation-best and sparsest steps read off. */
export function searchRows(results: ExperimentResults): SearchRow[] {
  return (results.search ?? []).map((r, i) => {
    const share = (step: number): number => r.steps[step]?.removedShare ?? r.removedShare[step] ?? Number.NaN;
    const chosen = r.steps[r.chosenStep];
    return {
      seed: results.seedList[i] !== undefined ? String(results.seedList[i]) : `run ${i + 1}`,
      result: r,
      chosenShare: share(r.chosenStep),
      chosenElbo: chosen?.elbo ?? r.elbo[r.chosenStep] ?? Number.NaN,
      chosenElboSE: chosen?.elboStandardError ?? Number.NaN,
      test: r.test[r.metric],
      full: r.full[r.metric],
      validationBestShare: share(r.validationBestStep),
      sparsestShare: share(r.sparsestWithinToleranceStep),
    };
  });
}

/** Mean of the finite entries (NaN when there are none). */
export function meanOf(values: readonly (number | undefined)[]): number {
  const finite = values.filter(isFiniteNumber);
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/** The search's tolerance in words: `1 accuracy point`, `0.171 RMSE`. */
export function formatSearchTolerance(r: Pick<SearchResult, 'tolerance' | 'metric'>): string {
  if (!isFiniteNumber(r.tolerance)) return 'tolerance unknown';
  if (r.metric !== 'accuracy') return `${formatValue(r.tolerance, 3)} RMSE`;
  const points = formatValue(r.tolerance * 100, 3);
  return `${points} accuracy point${points === '1' ? '' : 's'}`;
}

/** A share in [0, 1] as a percentage with sensible decimals: `87%`, `99.2%`. */
export function formatShare(share: number | null | undefined): string {
  return isFiniteNumber(share) ? formatLevel(share * 100) : '–';
}

/** A level (already in %) as text: `90%`, `99.5%`. */
export function formatLevel(level: number | null | undefined): string {
  if (!isFiniteNumber(level)) return '–';
  const rounded = Math.abs(level - Math.round(level)) < 0.05 ? String(Math.round(level)) : level.toFixed(1);
  return `${rounded}%`;
}

/** Seconds as `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  if (!isFiniteNumber(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

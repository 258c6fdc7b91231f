/**
 * What the figure modules share: the figure type, the page-wide sizes and reference colours,
 * the per-results context, and the helpers that turn a method's series into a drawn line.
 */
import type { ExperimentResults, SeriesSummary } from '../search/results.js';
import type { LegendItem, LineSeries, SeriesPoint } from './charts.js';
import { formatLevel, type MetricView } from './findings.js';
import type { MethodStyle } from './styles.js';
import { formatTick, formatValue, isFiniteNumber, niceDomain, svgDocument } from './svg.js';

/** One figure of the report. */
export interface Figure {
  /** File name without `.svg`, and the HTML anchor. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences on how to read it. */
  readonly caption: string;
  readonly svg: string;
  /** Spans the page's whole width in the HTML grid. */
  readonly wide: boolean;
}

/** Width of every figure (viewBox units; the page scales it). */
export const WIDTH = 980;
/** The full model's reference line: dark grey, so no method colour is mistaken for it. */
export const FULL_COLOR = '#3a3a3a';
/** The trivial predictor's reference line: light grey and dotted. */
export const TRIVIAL_COLOR = '#8a8a8a';
/** Where the "high-removal" zoom starts (%): the methods part there. */
export const ZOOM_FROM = 80;

/** Everything figures share for one results object. */
export interface Context {
  readonly results: ExperimentResults;
  readonly view: MetricView;
  readonly styles: Map<string, MethodStyle>;
  readonly keys: string[];
}

/** Tick labels of a percentage axis (the axis title carries the %). */
export const percent = (v: number): string => `${formatTick(v, 1)}`;

/** Levels in [lo, hi] to label, thinned so neighbours are at least `minGap` percent apart. */
export function thinnedLevels(levels: readonly number[], lo: number, hi: number, minGap: number): number[] {
  const out: number[] = [];
  for (const l of [...levels].filter((v) => isFiniteNumber(v) && v >= lo && v <= hi).sort((a, b) => a - b)) {
    if (out.length === 0 || l - out[out.length - 1]! >= minGap) out.push(l);
  }
  const last = Math.max(...levels.filter((v) => v <= hi));
  if (out.length > 0 && out[out.length - 1] !== last && last - out[out.length - 2]! >= minGap) out[out.length - 1] = last;
  return out;
}

/** A method's series as points in display units, bands clipped to the metric's bounds. */
export function seriesPoints(ctx: Context, key: string, s: SeriesSummary, display: (v: number) => number, bounds: readonly [number, number], name: string): SeriesPoint[] {
  const n = ctx.results.seeds;
  return ctx.results.levels.map((level, i) => {
    const mean = s.mean[i];
    const std = isFiniteNumber(s.std[i]) ? s.std[i]! : 0;
    if (!isFiniteNumber(mean) || !isFiniteNumber(level)) return { x: level, y: Number.NaN };
    const lo = Math.max(bounds[0], mean - std);
    const hi = Math.min(bounds[1], mean + std);
    return {
      x: level,
      y: display(mean),
      lo: display(lo),
      hi: display(hi),
      title: `${key}: ${formatLevel(level)} removed — ${name} ${formatValue(display(mean), 4)} ± ${formatValue(display(mean + std) - display(mean), 2)} (${n} seed${n === 1 ? '' : 's'})`,
    };
  });
}

/** A method's line in its style (colour, dash, marker). */
export function lineFor(ctx: Context, key: string, points: SeriesPoint[]): LineSeries {
  const style = ctx.styles.get(key)!;
  return { key, color: style.color, points, marker: style.marker, ...(style.dash === undefined ? {} : { dash: style.dash }) };
}

/** Legend entries of methods, in their styles, with the full label as tooltip. */
export function methodLegend(ctx: Context, keys: readonly string[], suffix: (key: string) => string = () => ''): LegendItem[] {
  return keys.map((key) => {
    const style = ctx.styles.get(key)!;
    return { label: key + suffix(key), color: style.color, kind: 'line', marker: style.marker, title: ctx.results.methods[key]!.label, ...(style.dash === undefined ? {} : { dash: style.dash }) };
  });
}

/**
 * A y range that keeps the bulk of the values readable: a few extreme values (an ELBO that
 * collapses at the last step) are cut off rather than squashing every other point.
 */
export function robustDomain(values: readonly number[]): [number, number] {
  const v = values.filter(isFiniteNumber).sort((a, b) => a - b);
  if (v.length === 0) return [0, 1];
  const q = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))]!;
  const iqr = q(0.75) - q(0.25);
  const lo = iqr > 0 ? Math.max(v[0]!, q(0.25) - 4 * iqr) : v[0]!;
  const hi = iqr > 0 ? Math.min(v[v.length - 1]!, q(0.75) + 4 * iqr) : v[v.length - 1]!;
  return niceDomain(lo, hi, 6);
}

/** A figure from its parts, as a standalone SVG document. */
export function figure(id: string, title: string, caption: string, body: string, height: number, wide: boolean): Figure {
  return { id, title, caption, svg: svgDocument(WIDTH, Math.ceil(height), title, body), wide };
}

/**
 * The report's figures, each a standalone SVG built from one `ExperimentResults`: quality
 * against the share removed (as pruned, fine-tuned, R²), output-noise heat maps, the structure
 * search's ELBO, the methods' own ELBO, the Belsley illustration and the Belsley matrices
 * compared. A figure whose data is absent is left out, never drawn empty.
 */
import type { ExperimentResults, MethodSummary, NoiseMap, SearchResult, SeriesSummary } from '../search/results.js';
import {
  HEAT_MARGIN,
  colorBar,
  heatMapPanel,
  legend,
  linePanel,
  logBarPanel,
  matrixPanel,
  type LegendItem,
  type LineSeries,
  type MarkerShape,
  type PointMark,
  type ReferenceLine,
  type SeriesPoint,
} from './charts.js';
import { ACCURACY_TOLERANCE, RMSE_RELATIVE_TOLERANCE, bestFineTuned, formatLevel, formatSearchTolerance, formatShare, isBelsley, metricView, methodFindings, type MetricView } from './findings.js';
import { INK, el, formatTick, formatValue, isFiniteNumber, niceDomain, svgDocument, textWidth, viridis } from './svg.js';

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

/** How one method is drawn everywhere: colour, dash pattern, marker. */
export interface MethodStyle {
  readonly color: string;
  readonly dash?: string;
  readonly marker: MarkerShape;
}

/**
 * Okabe–Ito colours (colour-blind safe), with the yellow darkened to be visible as a line on
 * white, and two of Paul Tol's for the ninth and tenth method. Known methods keep their
 * style in every report, so figures of different data sets compare at a glance.
 */
const KNOWN: Record<string, MethodStyle> = {
  obd: { color: '#0072B2', marker: 'circle' },
  'obd-seed': { color: '#0072B2', dash: '5 2', marker: 'square' },
  variational: { color: '#009E73', marker: 'square' },
  belsley: { color: '#D55E00', marker: 'diamond' },
  magnitude: { color: '#E69F00', dash: '7 3', marker: 'triangle' },
  obs: { color: '#56B4E9', dash: '7 3', marker: 'triangle-down' },
  random: { color: '#000000', dash: '2 3', marker: 'cross' },
  'belsley-laplace': { color: '#CC79A7', dash: '8 3 2 3', marker: 'diamond' },
  'belsley-trajectory': { color: '#A08C00', dash: '4 2', marker: 'star' },
  'belsley-exact': { color: '#882255', dash: '1 2', marker: 'plus' },
  'belsley-information': { color: '#D55E00', marker: 'diamond' },
};
const FALLBACK: MethodStyle[] = [
  { color: '#0072B2', dash: '4 2', marker: 'square' },
  { color: '#009E73', dash: '4 2', marker: 'triangle' },
  { color: '#D55E00', dash: '4 2', marker: 'circle' },
  { color: '#CC79A7', marker: 'triangle-down' },
  { color: '#44AA99', marker: 'circle' },
  { color: '#332288', dash: '6 2', marker: 'square' },
  { color: '#E69F00', marker: 'plus' },
  { color: '#56B4E9', marker: 'star' },
];

/** The style of every method key: the known ones fixed, the others from a fallback cycle avoiding styles in use. */
export function methodStyles(keys: readonly string[]): Map<string, MethodStyle> {
  const styles = new Map<string, MethodStyle>();
  const used = new Set<string>();
  const id = (s: MethodStyle): string => `${s.color}|${s.dash ?? ''}|${s.marker}`;
  for (const key of keys) {
    const known = KNOWN[key];
    if (known !== undefined && !used.has(id(known))) {
      styles.set(key, known);
      used.add(id(known));
    }
  }
  let next = 0;
  for (const key of keys) {
    if (styles.has(key)) continue;
    let style = FALLBACK[next % FALLBACK.length]!;
    for (let tries = 0; tries < FALLBACK.length && used.has(id(style)); tries++) style = FALLBACK[++next % FALLBACK.length]!;
    next++;
    styles.set(key, style);
    used.add(id(style));
  }
  return styles;
}

const WIDTH = 980;
const FULL_COLOR = '#3a3a3a';
const TRIVIAL_COLOR = '#8a8a8a';
/** Where the "high-removal" zoom starts (%): the methods part there. */
const ZOOM_FROM = 80;

/** Everything figures share for one results object. */
interface Context {
  readonly results: ExperimentResults;
  readonly view: MetricView;
  readonly styles: Map<string, MethodStyle>;
  readonly keys: string[];
}

/** All figures that the results have data for, in reading order. */
export function buildFigures(results: ExperimentResults): Figure[] {
  const keys = Object.keys(results.methods);
  const ctx: Context = { results, view: metricView(results.metric), styles: methodStyles(keys), keys };
  const anyFineTuned = keys.some((k) => results.methods[k]!.fineTuned !== undefined);
  const figures = [
    qualityFigure(ctx, 'quality', (m) => m.quality, 'Test quality as pruned'),
    anyFineTuned ? qualityFigure(ctx, 'quality-fine-tuned', (m) => m.fineTuned, `Test quality after fine-tuning (${results.fineTuneEpochs} epochs per step)`) : undefined,
    r2Figure(ctx),
    noiseFigure(ctx, 'noise', (m) => m.noise, 'Output noise under input noise, as pruned'),
    noiseFigure(ctx, 'noise-fine-tuned', (m) => m.fineTunedNoise, 'Output noise under input noise, fine-tuned'),
    searchFigure(ctx),
    methodElboFigure(ctx),
    belsleyFigure(ctx),
    illustrationFigure(ctx),
  ];
  return figures.filter((f): f is Figure => f !== undefined);
}

/** `x%` tick labels. */
const percent = (v: number): string => `${formatTick(v, 1)}`;

/** Levels in [lo, hi] to label, thinned so neighbours are at least `minGap` percent apart. */
function thinnedLevels(levels: readonly number[], lo: number, hi: number, minGap: number): number[] {
  const out: number[] = [];
  for (const l of [...levels].filter((v) => isFiniteNumber(v) && v >= lo && v <= hi).sort((a, b) => a - b)) {
    if (out.length === 0 || l - out[out.length - 1]! >= minGap) out.push(l);
  }
  const last = Math.max(...levels.filter((v) => v <= hi));
  if (out.length > 0 && out[out.length - 1] !== last && last - out[out.length - 2]! >= minGap) out[out.length - 1] = last;
  return out;
}

/**
 * The heat maps' column labels: the roundest levels first (multiples of 20, then of 10), each
 * at least about 20 px (a label's width) from the others given the cell width, and the last level always.
 */
export function heatMapLabels(levels: readonly number[], cellWidth: number): Set<number> {
  const minCells = Math.max(1, Math.ceil(20 / Math.max(1, cellWidth)));
  const chosen: number[] = [];
  const fits = (i: number): boolean => chosen.every((j) => Math.abs(i - j) >= minCells);
  const last = levels.length - 1;
  if (last >= 0) chosen.push(last);
  for (const step of [20, 10])
    levels.forEach((l, i) => {
      if (isFiniteNumber(l) && l % step === 0 && !chosen.includes(i) && fits(i)) chosen.push(i);
    });
  return new Set(chosen.map((i) => levels[i]!));
}

/** A method's series as points in display units, bands clipped to the metric's bounds. */
function seriesPoints(ctx: Context, key: string, s: SeriesSummary, display: (v: number) => number, bounds: readonly [number, number], name: string): SeriesPoint[] {
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

function lineFor(ctx: Context, key: string, points: SeriesPoint[]): LineSeries {
  const style = ctx.styles.get(key)!;
  return { key, color: style.color, points, marker: style.marker, ...(style.dash === undefined ? {} : { dash: style.dash }) };
}

function methodLegend(ctx: Context, keys: readonly string[], suffix: (key: string) => string = () => ''): LegendItem[] {
  return keys.map((key) => {
    const style = ctx.styles.get(key)!;
    return { label: key + suffix(key), color: style.color, kind: 'line', marker: style.marker, title: ctx.results.methods[key]!.label, ...(style.dash === undefined ? {} : { dash: style.dash }) };
  });
}

/** The full model's and the trivial predictor's lines, in display units. */
function qualityReferences(ctx: Context): ReferenceLine[] {
  const { results, view } = ctx;
  const refs: ReferenceLine[] = [];
  // Labelled in the legend: inside the plot the labels would sit where the curves converge.
  if (isFiniteNumber(results.full.mean)) refs.push({ y: view.display(results.full.mean), label: 'full model', color: FULL_COLOR, dash: '9 4', labelAt: 'none' });
  if (isFiniteNumber(results.trivial)) refs.push({ y: view.display(results.trivial), label: 'trivial predictor', color: TRIVIAL_COLOR, dash: '2 3', labelAt: 'none' });
  return refs;
}

/** The findings' tolerance as a shaded strip beside the full model's line (display units). */
function toleranceStrip(ctx: Context): { from: number; to: number; color: string; opacity: number }[] {
  const full = ctx.results.full.mean;
  if (!isFiniteNumber(full)) return [];
  const edge = ctx.view.name === 'accuracy' ? full - ACCURACY_TOLERANCE : full * (1 + RMSE_RELATIVE_TOLERANCE);
  return [{ from: ctx.view.display(full), to: ctx.view.display(edge), color: FULL_COLOR, opacity: 0.1 }];
}

/**
 * The y range of quality panels: the data in the x range and the references; accuracy never
 * above 100%; an RMSE far beyond the trivial predictor's (a collapsed model) is cut off so the
 * interesting range stays readable, and the off-scale points get arrows.
 */
function qualityDomain(ctx: Context, series: readonly LineSeries[], refs: readonly ReferenceLine[], xDomain: readonly [number, number]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const p of s.points) {
      if (!isFiniteNumber(p.x) || p.x < xDomain[0] || p.x > xDomain[1]) continue;
      for (const v of [p.y, p.lo, p.hi]) if (isFiniteNumber(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
    }
  const refValues = refs.map((r) => r.y).filter(isFiniteNumber);
  for (const v of refValues) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  if (!(lo <= hi)) return [0, 1];
  if (ctx.view.name === 'accuracy') {
    const [a, b] = niceDomain(lo, hi, 8);
    return [Math.max(0, a), Math.min(100, b)];
  }
  if (refValues.length > 0) {
    const top = Math.max(...refValues);
    const spread = top - Math.min(...refValues);
    hi = Math.min(hi, top + Math.max(0.6 * spread, 0.25 * Math.abs(top)));
  }
  const [a, b] = niceDomain(lo, hi, 6);
  return [Math.max(0, a), b];
}

/** A share-removed x axis: full range or the zoom. */
function shareAxis(levels: readonly number[], zoom: boolean): { domain: [number, number]; ticks: number[]; minor: number[] } {
  if (!zoom) return { domain: [0, 100], ticks: [0, 20, 40, 60, 80, 100], minor: [...levels] };
  return { domain: [ZOOM_FROM, 100], ticks: thinnedLevels([...levels, 100], ZOOM_FROM, 100, 1.9), minor: levels.filter((l) => l >= ZOOM_FROM) };
}

function hasZoom(levels: readonly number[]): boolean {
  return levels.filter((l) => l >= ZOOM_FROM).length >= 3 && levels.some((l) => l < ZOOM_FROM);
}

/** Quality against share removed: all levels, and the ≥80% zoom when the levels reach there. */
function qualityFigure(ctx: Context, id: string, pick: (m: MethodSummary) => SeriesSummary | undefined, title: string): Figure | undefined {
  const { results, view } = ctx;
  const keys = ctx.keys.filter((k) => pick(results.methods[k]!) !== undefined);
  if (keys.length === 0) return undefined;
  const series = keys.map((k) => lineFor(ctx, k, seriesPoints(ctx, k, pick(results.methods[k]!)!, view.display, view.bounds, view.shortLabel)));
  const refs = qualityReferences(ctx);
  const zoom = hasZoom(results.levels);
  const height = 400;
  const panels: string[] = [];
  const mainWidth = zoom ? 590 : WIDTH;
  const full = shareAxis(results.levels, false);
  panels.push(
    linePanel({
      id: `${id}-all`,
      box: { x: 0, y: 8, width: mainWidth, height },
      title: 'All levels',
      xDomain: full.domain,
      xTicks: full.ticks,
      xMinorTicks: full.minor,
      xFormat: percent,
      xLabel: 'Parameters removed, %',
      yDomain: qualityDomain(ctx, series, refs, full.domain),
      yLabel: view.axisLabel,
      series,
      references: refs,
      strips: toleranceStrip(ctx),
    }),
  );
  if (zoom) {
    const z = shareAxis(results.levels, true);
    panels.push(
      linePanel({
        id: `${id}-zoom`,
        box: { x: mainWidth, y: 8, width: WIDTH - mainWidth, height },
        title: `Zoom: ${ZOOM_FROM}–100% removed`,
        xDomain: z.domain,
        xTicks: z.ticks,
        xMinorTicks: z.minor,
        xFormat: percent,
        xLabel: 'Parameters removed, %',
        yDomain: qualityDomain(ctx, series, refs, z.domain),
        yLabel: '',
        series,
        references: refs,
        strips: toleranceStrip(ctx),
      }),
    );
  }
  const items = [...methodLegend(ctx, keys), ...referenceLegend(ctx)];
  const leg = legend(items, 62, height + 20, WIDTH - 70);
  const caption =
    `Mean over ${results.seeds} seed${results.seeds === 1 ? '' : 's'} (lines) and ±1 standard deviation (bands), on the test set; ` +
    `${view.higherIsBetter ? 'higher' : 'lower'} is better. Arrows at a panel's edge mark means beyond its range.`;
  return figure(id, title, caption, panels.join('') + leg.svg, height + 24 + leg.height, true);
}

function referenceLegend(ctx: Context): LegendItem[] {
  const { results, view } = ctx;
  return [
    { label: `full model (${view.format(results.full.mean)})`, color: FULL_COLOR, kind: 'line', dash: '9 4' },
    { label: `findings’ tolerance (${view.name === 'accuracy' ? '−1 accuracy point' : '+5% RMSE'})`, color: '#b9bdc4', kind: 'box' },
    { label: `trivial predictor (${view.format(results.trivial)})`, color: TRIVIAL_COLOR, kind: 'line', dash: '2 3' },
    // One seed has no spread, and draws no band.
    ...(ctx.results.seeds > 1 ? [{ label: `±1 std over ${ctx.results.seeds} seeds`, color: '#7f7f7f', kind: 'box' as const }] : []),
  ];
}

/** Regression R² as pruned, and fine-tuned when present. */
function r2Figure(ctx: Context): Figure | undefined {
  const { results } = ctx;
  const parts: { pick: (m: MethodSummary) => SeriesSummary | undefined; title: string }[] = [
    { pick: (m: MethodSummary) => m.r2, title: 'As pruned' },
    { pick: (m: MethodSummary) => m.fineTunedR2, title: 'Fine-tuned' },
  ].filter((p) => ctx.keys.some((k) => p.pick(results.methods[k]!) !== undefined));
  if (parts.length === 0) return undefined;
  const height = 360;
  const width = WIDTH / parts.length;
  const shown = new Set<string>();
  const panels = parts.map((part, i) => {
    const keys = ctx.keys.filter((k) => part.pick(results.methods[k]!) !== undefined);
    keys.forEach((k) => shown.add(k));
    const series = keys.map((k) => lineFor(ctx, k, seriesPoints(ctx, k, part.pick(results.methods[k]!)!, (v) => v, [-Infinity, 1], 'R²')));
    let lo = 0;
    for (const s of series) for (const p of s.points) if (isFiniteNumber(p.y)) lo = Math.min(lo, p.y);
    const [a] = niceDomain(Math.max(lo, -1), 1, 6);
    return linePanel({
      id: `r2-${i}`,
      box: { x: i * width, y: 8, width, height },
      title: part.title,
      xDomain: [0, 100],
      xTicks: [0, 20, 40, 60, 80, 100],
      xMinorTicks: results.levels,
      xFormat: percent,
      xLabel: 'Parameters removed, %',
      yDomain: [Math.max(-1, a), 1],
      yLabel: 'Test R²  (higher is better ↑)',
      series,
      references: [{ y: 0, label: 'R² = 0', color: TRIVIAL_COLOR, dash: '2 3', labelAt: 'none' }],
    });
  });
  const zero: LegendItem = { label: 'R² = 0 (predicting the mean)', color: TRIVIAL_COLOR, kind: 'line', dash: '2 3' };
  const leg = legend([...methodLegend(ctx, ctx.keys.filter((k) => shown.has(k))), zero], 62, height + 20, WIDTH - 70);
  return figure('r2', 'Test R² against share removed', `Coefficient of determination on the test set, mean ± 1 std over ${results.seeds} seeds; values below −1 are cut off (arrows).`, panels.join('') + leg.svg, height + 24 + leg.height, true);
}

/** One small heat map per method with a shared colour scale (shared with the fine-tuned maps too, so both compare). */
function noiseFigure(ctx: Context, id: string, pick: (m: MethodSummary) => NoiseMap | undefined, title: string): Figure | undefined {
  const { results } = ctx;
  const keys = ctx.keys.filter((k) => pick(results.methods[k]!) !== undefined);
  if (keys.length === 0) return undefined;
  let max = 0;
  for (const k of ctx.keys)
    for (const map of [results.methods[k]!.noise, results.methods[k]!.fineTunedNoise])
      for (const row of map?.outputStd ?? []) for (const v of row) if (isFiniteNumber(v)) max = Math.max(max, v);
  const domain: [number, number] = [0, max > 0 ? niceDomain(0, max, 5)[1] : 1];
  const color = (v: number): string => viridis(v / domain[1]);
  const columns = Math.min(4, keys.length);
  const barSpace = 92;
  const panelWidth = (WIDTH - barSpace) / columns;
  const panelHeight = 178;
  const rows = Math.ceil(keys.length / columns);
  const levels = results.levels;
  const labelled = heatMapLabels(levels, (panelWidth - 8 - HEAT_MARGIN.left - HEAT_MARGIN.right) / Math.max(1, levels.length));
  let body = '';
  keys.forEach((key, i) => {
    const map = pick(results.methods[key]!)!;
    const col = i % columns;
    const row = Math.floor(i / columns);
    const box = { x: col * panelWidth, y: 6 + row * panelHeight, width: panelWidth - 8, height: panelHeight };
    const style = ctx.styles.get(key)!;
    const inputStd = map.inputStd.map((s) => (isFiniteNumber(s) ? s : Number.NaN));
    body += heatMapPanel({
      box,
      title: key,
      titleIndent: 24,
      xLabels: levels.map((l) => (labelled.has(l) ? percent(l) : null)),
      yLabels: inputStd.map((s) => formatValue(s, 2)),
      values: map.outputStd.map((r) => levels.map((_, j) => (isFiniteNumber(r[j]) ? r[j]! : Number.NaN))),
      color,
      ...(row === rows - 1 || i + columns >= keys.length ? { xTitle: 'removed, % (one cell per level)' } : {}),
      ...(col === 0 ? { yTitle: 'input noise std' } : {}),
      cellTitle: (r, c) => `${key}: ${formatLevel(levels[c])} removed, input noise std ${formatValue(inputStd[r], 3)} → output std ${formatValue(map.outputStd[r]?.[c], 3)}`,
    });
    // A short sample of the method's line ties the panel to the other figures.
    body += el('line', { x1: box.x + HEAT_MARGIN.left, x2: box.x + HEAT_MARGIN.left + 18, y1: box.y + 9, y2: box.y + 9, stroke: style.color, 'stroke-width': 2.4, 'stroke-dasharray': style.dash });
  });
  const unit = results.task === 'classification' ? 'output std, probability' : 'output std, target units';
  // The bar is at least as tall as its rotated title.
  const barHeight = Math.min(260, Math.max(textWidth(unit, 12) + 24, rows * panelHeight - 60));
  const height = Math.max(rows * panelHeight + 14, barHeight + 60);
  body += colorBar({ x: WIDTH - barSpace + 12, y: 26, width: 14, height: barHeight }, domain, color, unit);
  const caption =
    `Standard deviation of the model's outputs over draws of Gaussian noise added to the standardized test inputs (rows), for each share of parameters removed (columns), ` +
    `averaged over test rows, outputs and seeds. One colour scale for every map${ctx.keys.some((k) => results.methods[k]!.fineTunedNoise !== undefined) ? ', as pruned and fine-tuned' : ''}; hover a cell for its value.`;
  return figure(id, title, caption, body, height, true);
}

/**
 * The search's x axis: the share removed, placed on a log scale of the share kept, where the
 * search's geometric steps (a fixed fraction of what remains) are evenly spaced.
 */
export function keptLogAxis(maxShare: number, parameters: number): { t: (share: number) => number; domain: [number, number]; ticks: number[]; format: (t: number) => string } {
  // The share kept never reaches 0 on a log scale: half a parameter is the floor.
  const floor = 1 / (2 * Math.max(1, parameters));
  const t = (share: number): number => Math.max(0, -Math.log10(Math.max(floor, 1 - share)));
  const end = t(Math.max(isFiniteNumber(maxShare) ? maxShare : 0, 0.5));
  const ticks = [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999].map(t).filter((v) => v <= end + 1e-9);
  const format = (v: number): string => formatLevel(100 * (1 - 10 ** -v)).replace('%', '');
  return { t, domain: [0, end + 0.04], ticks, format };
}

/** ELBO along the structure search, one curve per seed, with the chosen, validation-best and sparsest steps marked. */
function searchFigure(ctx: Context): Figure | undefined {
  const runs = ctx.results.search ?? [];
  if (runs.length === 0) return undefined;
  const { view } = ctx;
  const seedName = (i: number): string => `seed ${ctx.results.seedList[i] ?? i + 1}`;
  const colorOf = (r: SearchResult): string => ctx.styles.get(r.method)?.color ?? INK;
  const stepsOf = (r: SearchResult): { elbo: number; elboStandardError: number; removedShare: number; validation: number; active: number }[] =>
    r.steps.length > 0 ? r.steps : r.elbo.map((e, k) => ({ elbo: e, elboStandardError: Number.NaN, removedShare: r.removedShare[k] ?? Number.NaN, validation: Number.NaN, active: Number.NaN }));
  const maxShare = Math.max(0, ...runs.flatMap((r) => stepsOf(r).map((s) => s.removedShare)).filter(isFiniteNumber));
  const axis = keptLogAxis(maxShare, Math.max(...runs.map((r) => r.parameters).filter(isFiniteNumber), ctx.results.parameters));
  const elboSeries: LineSeries[] = [];
  const validationSeries: LineSeries[] = [];
  const elboMarks: PointMark[] = [];
  const validationMarks: PointMark[] = [];
  // The ELBO range up to each seed's maximum, plus room below: the collapse after the maximum
  // would otherwise squash the rise and the peak that the choice depends on.
  let lo = Infinity;
  let hi = -Infinity;
  runs.forEach((r, i) => {
    const steps = stepsOf(r);
    const x = (k: number): number => axis.t(steps[k]?.removedShare ?? Number.NaN);
    steps.forEach((s, k) => {
      if (!isFiniteNumber(s.elbo)) return;
      const se = isFiniteNumber(s.elboStandardError) ? s.elboStandardError : 0;
      hi = Math.max(hi, s.elbo + se);
      if (k <= Math.max(r.evidenceStep, r.chosenStep)) lo = Math.min(lo, s.elbo - se);
    });
    const line = { key: seedName(i), color: colorOf(r), width: 1.4, opacity: 0.85, marker: 'circle' as const, markerSize: 2 };
    elboSeries.push({
      ...line,
      points: steps.map((s, k) => ({ x: x(k), y: s.elbo, err: s.elboStandardError, title: `${seedName(i)}, step ${k}: ${formatShare(s.removedShare)} removed, ELBO ${formatValue(s.elbo, 4)} ± ${formatValue(s.elboStandardError, 2)}` })),
    });
    validationSeries.push({
      ...line,
      points: steps.map((s, k) => ({ x: x(k), y: isFiniteNumber(s.validation) ? view.display(s.validation) : Number.NaN, title: `${seedName(i)}, step ${k}: ${formatShare(s.removedShare)} removed, validation ${view.format(s.validation)}` })),
    });
    const mark = (step: number, shape: MarkerShape, color: string, size: number, what: string): void => {
      const s = steps[step];
      if (s === undefined) return;
      const title = `${seedName(i)}: ${what} — step ${step}, ${formatShare(s.removedShare)} removed`;
      elboMarks.push({ x: x(step), y: s.elbo, shape, color, size, title });
      if (isFiniteNumber(s.validation)) validationMarks.push({ x: x(step), y: view.display(s.validation), shape, color, size, title });
    };
    // Largest first: marks of the same step nest (diamond behind triangle behind star) instead of hiding each other.
    mark(r.sparsestWithinToleranceStep, 'diamond', '#ffffff', 8, 'sparsest within tolerance');
    mark(r.validationBestStep, 'triangle', '#56B4E9', 6.2, 'validation-best');
    mark(r.evidenceStep, 'star', '#F0E442', 5.4, 'evidence (ELBO maximum)');
    mark(r.chosenStep, 'ring', INK, 11, `returned (criterion: ${r.criterion})`);
  });
  const elboDomain: [number, number] = lo <= hi ? niceDomain(lo - 0.35 * Math.max(hi - lo, 1), hi + 0.04 * Math.max(hi - lo, 1), 6) : [0, 1];
  const validationValues = validationSeries.flatMap((s) => s.points.map((p) => p.y));
  const height = 380;
  const leftWidth = 590;
  const xLabel = 'Parameters removed, %  (log scale of the share kept)';
  const panels =
    linePanel({
      id: 'elbo-search',
      box: { x: 0, y: 8, width: leftWidth, height },
      title: 'ELBO of each structure (training data)',
      xDomain: axis.domain,
      xTicks: axis.ticks,
      xFormat: axis.format,
      xLabel,
      yDomain: elboDomain,
      yLabel: 'ELBO, nats  (higher is better ↑)',
      series: elboSeries,
      marks: elboMarks,
      bands: false,
    }) +
    linePanel({
      id: 'elbo-validation',
      box: { x: leftWidth, y: 8, width: WIDTH - leftWidth, height },
      title: 'Validation quality of the same steps',
      xDomain: axis.domain,
      xTicks: axis.ticks,
      xFormat: axis.format,
      xLabel,
      ...(view.name === 'accuracy' ? {} : { yDomain: robustDomain(validationValues) }),
      yLabel: `Validation ${view.name === 'accuracy' ? 'accuracy, %' : 'RMSE'}  (${view.higherIsBetter ? 'higher ↑' : 'lower ↓'})`,
      series: validationSeries,
      marks: validationMarks,
      bands: false,
    });
  const methods = [...new Set(runs.map((r) => r.method))];
  const items: LegendItem[] = [
    ...methods.map((m): LegendItem => ({ label: `one line per seed (${m}${runs[0]!.structured ? ', structured' : ''})`, color: ctx.styles.get(m)?.color ?? INK, kind: 'line', marker: 'circle' })),
    { label: 'evidence step: ELBO maximum', color: '#F0E442', kind: 'mark', marker: 'star' },
    { label: 'validation-best step', color: '#56B4E9', kind: 'mark', marker: 'triangle' },
    { label: `sparsest within tolerance (${formatSearchTolerance(runs[0]!)})`, color: '#ffffff', kind: 'mark', marker: 'diamond' },
    { label: `returned structure (criterion: ${[...new Set(runs.map((r) => r.criterion))].join(', ')})`, color: INK, kind: 'mark', marker: 'ring' },
  ];
  const leg = legend(items, 62, height + 20, WIDTH - 70);
  const caption =
    'Each step removes a share of the remaining parameters and refits the posterior; error bars are ±1 Monte Carlo standard error of the ELBO. ' +
    'The ELBO rule needs no validation data; the right panel shows what validation would have picked. Arrows at the bottom edge: ELBO below the range shown.';
  return figure('elbo', 'Structure search: evidence against share removed', caption, panels + leg.svg, height + 24 + leg.height, true);
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

/** The methods' own ELBO per level (methods that refit a posterior per structure). */
function methodElboFigure(ctx: Context): Figure | undefined {
  const keys = ctx.keys.filter((k) => ctx.results.methods[k]!.elbo !== undefined);
  if (keys.length === 0) return undefined;
  const series = keys.map((k) => lineFor(ctx, k, seriesPoints(ctx, k, ctx.results.methods[k]!.elbo!, (v) => v, [-Infinity, Infinity], 'ELBO')));
  const height = 340;
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? Number.NaN, p.hi ?? Number.NaN]));
  const panel = linePanel({
    id: 'method-elbo',
    box: { x: 0, y: 8, width: WIDTH, height },
    xDomain: [0, 100],
    xTicks: [0, 20, 40, 60, 80, 100],
    xMinorTicks: ctx.results.levels,
    xFormat: percent,
    xLabel: 'Parameters removed, %',
    yDomain: robustDomain(values),
    yLabel: 'ELBO, nats  (higher is better ↑)',
    series,
  });
  const leg = legend(methodLegend(ctx, keys), 62, height + 18, WIDTH - 70);
  return figure('method-elbo', 'ELBO of the pruned structures, per method', `ELBO with a posterior refitted at each level, mean ± 1 std over ${ctx.results.seeds} seeds.`, panel + leg.svg, height + 22 + leg.height, true);
}

/** The Belsley variants' quality curves beside the best non-Belsley method. */
function belsleyFigure(ctx: Context): Figure | undefined {
  const { results, view } = ctx;
  const variants = ctx.keys.filter(isBelsley);
  if (variants.length === 0) return undefined;
  const findings = methodFindings(results).filter((f) => !isBelsley(f.key));
  const reference = findings[0]?.key;
  const tunedReference = bestFineTuned(findings)?.key;
  const parts: { pick: (m: MethodSummary) => SeriesSummary | undefined; title: string; reference: string | undefined }[] = [
    { pick: (m: MethodSummary) => m.quality, title: 'As pruned', reference },
    { pick: (m: MethodSummary) => m.fineTuned, title: 'Fine-tuned', reference: tunedReference },
  ].filter((p) => variants.some((k) => p.pick(results.methods[k]!) !== undefined));
  const height = 380;
  const width = WIDTH / parts.length;
  const refs = qualityReferences(ctx);
  const shown = new Set<string>();
  const panels = parts.map((part, i) => {
    const keys = [...variants, ...(part.reference === undefined ? [] : [part.reference])].filter((k) => part.pick(results.methods[k]!) !== undefined);
    keys.forEach((k) => shown.add(k));
    const series = keys.map((k) => lineFor(ctx, k, seriesPoints(ctx, k, part.pick(results.methods[k]!)!, view.display, view.bounds, view.shortLabel)));
    const title = part.reference === undefined ? part.title : `${part.title} (reference: ${part.reference})`;
    return linePanel({
      id: `belsley-${i}`,
      box: { x: i * width, y: 8, width, height },
      title,
      xDomain: [0, 100],
      xTicks: [0, 20, 40, 60, 80, 100],
      xMinorTicks: results.levels,
      xFormat: percent,
      xLabel: 'Parameters removed, %',
      yDomain: qualityDomain(ctx, series, refs, [0, 100]),
      yLabel: view.axisLabel,
      series,
      references: refs,
      strips: toleranceStrip(ctx),
    });
  });
  const refKeys = new Set([reference, tunedReference].filter((k): k is string => k !== undefined));
  const ordered = [...variants, ...[...refKeys]].filter((k) => shown.has(k));
  const leg = legend([...methodLegend(ctx, ordered, (k) => (refKeys.has(k) ? ' (best non-Belsley)' : '')), ...referenceLegend(ctx)], 62, height + 20, WIDTH - 70);
  const caption = `Which matrix Belsley's diagnostics read: ${variants.map((k) => `${k} = ${results.methods[k]!.label}`).join('; ')}. The best non-Belsley method (kept quality longest) is drawn for reference.`;
  return figure('belsley-matrices', "Belsley's matrices compared", caption, panels.join('') + leg.svg, height + 24 + leg.height, true);
}

/** Condition indices (log scale, ∞ on top) and the variance-decomposition proportions of the illustration. */
function illustrationFigure(ctx: Context): Figure | undefined {
  const ill = ctx.results.illustration;
  if (ill === undefined || ill.columns.length === 0) return undefined;
  const indices = ill.conditionIndices.map((v) => (v === null ? Infinity : v));
  const removedOrder = new Map(ill.removed.map((name, i) => [name, i]));
  const kept = new Set(ill.kept);
  const rowTags = ill.columns.map((c) =>
    removedOrder.has(c) ? { text: `removed #${removedOrder.get(c)! + 1}`, color: '#D55E00' } : kept.has(c) ? { text: 'kept', color: '#009E73' } : null,
  );
  const labelWidth = Math.max(...ill.columns.map((c) => textWidth(c, 12))) + 100;
  const barWidth = 360;
  const height = 330;
  const blues = (v: number): string => blend('#f4f8fc', '#08519c', Math.min(1, Math.max(0, v)));
  const body =
    logBarPanel({
      box: { x: 0, y: 6, width: barWidth, height },
      title: 'Condition indices η = λmax / λk',
      labels: indices.map((_, k) => String(k + 1)),
      values: indices,
      xLabel: 'component k (ascending η)',
      yLabel: 'condition index η (log scale)',
      threshold: { value: 1000, label: 'η = 10³ threshold' },
      color: '#0072B2',
      infinityColor: '#D55E00',
    }) +
    matrixPanel({
      box: { x: barWidth + 20, y: 6, width: WIDTH - barWidth - 24, height },
      title: 'Variance-decomposition proportions (each row sums to 1)',
      rowLabels: ill.columns,
      columnLabels: indices.map((v) => `η ${formatValue(v, 3)}`),
      values: ill.proportions.map((row) => row.map((v) => (isFiniteNumber(v) ? v : null))),
      color: blues,
      format: (v) => (v < 0.005 ? '0' : v.toFixed(2)),
      rowTags,
      xTitle: 'component (column), by its condition index',
      labelWidth,
    });
  const caption =
    `Belsley–Kuh–Welsch diagnostics of the illustration's samples (METHODS §5.3). ∞ marks an exact dependency. ` +
    `Pruning removed ${ill.removed.length === 0 ? 'nothing' : ill.removed.join(', then ')}; kept: ${ill.kept.join(', ') || 'nothing'}.`;
  return figure('illustration', 'The Belsley illustration', caption, body, height + 12, true);
}

/** Linear blend of two hex colours. */
function blend(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => Number.parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => Number.parseInt(b.slice(i, i + 2), 16));
  return `#${pa.map((c, i) => Math.round(c + (pb[i]! - c) * t).toString(16).padStart(2, '0')).join('')}`;
}

function figure(id: string, title: string, caption: string, body: string, height: number, wide: boolean): Figure {
  return { id, title, caption, svg: svgDocument(WIDTH, Math.ceil(height), title, body), wide };
}

/**
 * The line-chart figures: quality against the share removed (as pruned, fine-tuned), R², the
 * methods' own ELBO, and Belsley's matrices compared.
 */
import type { MethodSummary, SeriesSummary } from '../search/results.js';
import { legend, linePanel, type LegendItem, type LineSeries, type ReferenceLine } from './charts.js';
import { FULL_COLOR, TRIVIAL_COLOR, WIDTH, ZOOM_FROM, figure, lineFor, methodLegend, percent, robustDomain, seriesPoints, thinnedLevels, type Context, type Figure } from './figure-kit.js';
import { ACCURACY_TOLERANCE, RMSE_RELATIVE_TOLERANCE, bestFineTuned, isBelsley, methodFindings } from './findings.js';
import { isFiniteNumber, niceDomain } from './svg.js';

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
export function qualityFigure(ctx: Context, id: string, pick: (m: MethodSummary) => SeriesSummary | undefined, title: string): Figure | undefined {
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
export function r2Figure(ctx: Context): Figure | undefined {
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

/** The methods' own ELBO per level (methods that refit a posterior per structure). */
export function methodElboFigure(ctx: Context): Figure | undefined {
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
export function belsleyFigure(ctx: Context): Figure | undefined {
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


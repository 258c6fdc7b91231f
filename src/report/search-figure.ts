/** The structure search's figure: ELBO and validation quality along the search, per seed. */
import type { SearchResult } from '../search/results.js';
import { legend, linePanel, type LegendItem, type LineSeries, type MarkerShape, type PointMark } from './charts.js';
import { WIDTH, figure, robustDomain, type Context, type Figure } from './figure-kit.js';
import { formatLevel, formatSearchTolerance, formatShare } from './findings.js';
import { INK, formatValue, isFiniteNumber, niceDomain } from './svg.js';

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
export function searchFigure(ctx: Context): Figure | undefined {
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



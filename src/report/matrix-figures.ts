/** The grid figures: output-noise heat maps per method, and the Belsley illustration. */
import type { MethodSummary, NoiseMap } from '../search/results.js';
import { HEAT_MARGIN, colorBar, heatMapPanel, logBarPanel, matrixPanel } from './charts.js';
import { WIDTH, figure, percent, type Context, type Figure } from './figure-kit.js';
import { formatLevel } from './findings.js';
import { el, formatValue, isFiniteNumber, niceDomain, textWidth, viridis } from './svg.js';

/**
 * The heat maps' column labels: the roundest levels first (multiples of 20, then of 10), each
 * at least about 20 px (a label's width) from the others, and the last level always.
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

/** One small heat map per method with a shared colour scale (shared with the fine-tuned maps too, so both compare). */
export function noiseFigure(ctx: Context, id: string, pick: (m: MethodSummary) => NoiseMap | undefined, title: string): Figure | undefined {
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

/** Condition indices (log scale, ∞ on top) and the variance-decomposition proportions of the illustration. */
export function illustrationFigure(ctx: Context): Figure | undefined {
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
    `Belsley–Kuh–Welsch diagnostics of the illustration's samples (docs/methods.md §5 item 3). ∞ marks an exact dependency. ` +
    `Pruning removed ${ill.removed.length === 0 ? 'nothing' : ill.removed.join(', then ')}; kept: ${ill.kept.join(', ') || 'nothing'}.`;
  return figure('illustration', 'The Belsley illustration', caption, body, height + 12, true);
}

/** Linear blend of two hex colours. */
function blend(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => Number.parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => Number.parseInt(b.slice(i, i + 2), 16));
  return `#${pa.map((c, i) => Math.round(c + (pb[i]! - c) * t).toString(16).padStart(2, '0')).join('')}`;
}


/**
 * Chart panels drawn into a box of a larger SVG: a line chart with spread bands, error bars and
 * marked points; a legend that wraps into columns; a heat map with a colour bar; a bar chart on
 * a log scale that can show ∞; a labelled matrix heat map. Figures compose these (figures.ts).
 *
 * Data may contain NaN, ±Infinity or JSON's `null`: lines break there, bands and markers skip
 * the point, and nothing non-finite reaches an attribute.
 */
import {
  GRID,
  HALO,
  INK,
  MUTED,
  axisBottom,
  axisLeft,
  axisTitleLeft,
  bandScale,
  coord,
  el,
  escapeXml,
  formatTick,
  isFiniteNumber,
  linearScale,
  logScale,
  niceDomain,
  niceStep,
  niceTicks,
  pathThrough,
  text,
  textOn,
  textWidth,
  type Scale,
} from './svg.js';

/** A rectangle of the figure that one panel owns. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Point markers; each method has its own, so lines differ in more than colour. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'triangle-down' | 'cross' | 'plus' | 'star' | 'ring';

/** One marker centred at `(x, y)` with half-size `r`. */
export function marker(shape: MarkerShape, x: number, y: number, r: number, fill: string, stroke = '#ffffff', strokeWidth = 0.8): string {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return '';
  const paint = { fill, stroke, 'stroke-width': strokeWidth };
  const poly = (pts: [number, number][]): string => el('polygon', { points: pts.map(([a, b]) => `${coord(x + a)},${coord(y + b)}`).join(' '), ...paint });
  switch (shape) {
    case 'circle':
      return el('circle', { cx: x, cy: y, r, ...paint });
    case 'ring':
      return el('circle', { cx: x, cy: y, r, fill: 'none', stroke: fill, 'stroke-width': 1.8 });
    case 'square':
      return el('rect', { x: x - r * 0.88, y: y - r * 0.88, width: r * 1.76, height: r * 1.76, ...paint });
    case 'triangle':
      return poly([[0, -r * 1.15], [r * 1.05, r * 0.75], [-r * 1.05, r * 0.75]]);
    case 'triangle-down':
      return poly([[0, r * 1.15], [r * 1.05, -r * 0.75], [-r * 1.05, -r * 0.75]]);
    case 'diamond':
      return poly([[0, -r * 1.25], [r * 1.0, 0], [0, r * 1.25], [-r * 1.0, 0]]);
    case 'star': {
      const pts: [number, number][] = [];
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const rr = i % 2 === 0 ? r * 1.45 : r * 0.62;
        pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
      }
      return poly(pts);
    }
    case 'cross':
    case 'plus': {
      const d = shape === 'cross' ? r * 0.9 : r * 1.2;
      const lines =
        shape === 'cross'
          ? `M${coord(x - d)},${coord(y - d)}L${coord(x + d)},${coord(y + d)}M${coord(x - d)},${coord(y + d)}L${coord(x + d)},${coord(y - d)}`
          : `M${coord(x - d)},${coord(y)}L${coord(x + d)},${coord(y)}M${coord(x)},${coord(y - d)}L${coord(x)},${coord(y + d)}`;
      return el('path', { d: lines, stroke: fill, 'stroke-width': 2, fill: 'none' });
    }
  }
}

/** One point of a line; `lo`/`hi` bound its band (mean ± std), `err` draws an error bar. */
export interface SeriesPoint {
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly err?: number;
  /** Tooltip of the point's marker. */
  readonly title?: string;
}

/** One line of a line chart. */
export interface LineSeries {
  readonly key: string;
  readonly color: string;
  readonly points: readonly SeriesPoint[];
  readonly dash?: string;
  readonly marker?: MarkerShape;
  readonly markerSize?: number;
  readonly width?: number;
  readonly opacity?: number;
}

/** A horizontal reference (the full model, the trivial predictor). */
export interface ReferenceLine {
  readonly y: number;
  readonly label: string;
  readonly color: string;
  readonly dash: string;
  /** Where the label goes: inside the plot at its right or left end, or nowhere (then the legend names the line). */
  readonly labelAt?: 'right' | 'left' | 'none';
}

/** A highlighted point drawn above the lines (e.g. the step the search chose). */
export interface PointMark {
  readonly x: number;
  readonly y: number;
  readonly shape: MarkerShape;
  readonly color: string;
  readonly size: number;
  readonly title: string;
  readonly stroke?: string;
}

/** Everything one line-chart panel needs. */
export interface LinePanelSpec {
  /** Unique in the page (inline SVGs share one id space): names the clip path. */
  readonly id: string;
  readonly box: Box;
  readonly title?: string;
  readonly xDomain: readonly [number, number];
  readonly xTicks: readonly number[];
  readonly xMinorTicks?: readonly number[];
  readonly xFormat: (v: number) => string;
  readonly xLabel: string;
  /** Fixed y range; otherwise the data's (in the x range), widened to nice ticks. */
  readonly yDomain?: readonly [number, number];
  /** The y axis title; empty for a panel that shares its neighbour's. */
  readonly yLabel: string;
  /** Tick labels; default: as many decimals as the tick step needs. */
  readonly yFormat?: (v: number, step: number) => string;
  readonly series: readonly LineSeries[];
  readonly references?: readonly ReferenceLine[];
  /** Horizontal shaded ranges under the data (e.g. the findings' tolerance around the full model). */
  readonly strips?: readonly { readonly from: number; readonly to: number; readonly color: string; readonly opacity: number }[];
  readonly marks?: readonly PointMark[];
  /** Draw the ±std bands (default true). */
  readonly bands?: boolean;
}

/** Where a line panel's plot area ends up inside its box (tests use it to check pixels). */
export interface PlotArea {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly x: Scale;
  readonly y: Scale;
}

const MARGIN = { left: 62, right: 14, top: 24, bottom: 40 };
/** Left margin of a panel without a y title (tick labels only). */
const BARE_LEFT = 44;

/** The y range of the data inside the x range (values, band edges, references), widened to nice ticks. */
export function dataYDomain(spec: Pick<LinePanelSpec, 'series' | 'references' | 'xDomain'>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (v: number | undefined): void => {
    if (isFiniteNumber(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  };
  for (const s of spec.series)
    for (const p of s.points) {
      if (!isFiniteNumber(p.x) || p.x < spec.xDomain[0] - 1e-9 || p.x > spec.xDomain[1] + 1e-9) continue;
      take(p.y);
      take(p.lo);
      take(p.hi);
      if (isFiniteNumber(p.err) && isFiniteNumber(p.y)) {
        take(p.y - p.err);
        take(p.y + p.err);
      }
    }
  for (const r of spec.references ?? []) take(r.y);
  return lo <= hi ? niceDomain(lo, hi, 6) : [0, 1];
}

/** The scales and plot rectangle of a panel. */
export function plotArea(spec: LinePanelSpec): PlotArea {
  const { box } = spec;
  const left = box.x + (spec.yLabel === '' ? BARE_LEFT : MARGIN.left);
  const right = box.x + box.width - MARGIN.right;
  const top = box.y + (spec.title === undefined ? 8 : MARGIN.top);
  const bottom = box.y + box.height - MARGIN.bottom;
  const yDomain = spec.yDomain ?? dataYDomain(spec);
  return { left, right, top, bottom, x: linearScale(spec.xDomain, [left, right]), y: linearScale(yDomain, [bottom, top]) };
}

/** One line-chart panel: grid, axes, bands, lines, markers, references, off-scale arrows, marks. */
export function linePanel(spec: LinePanelSpec): string {
  const area = plotArea(spec);
  const { left, right, top, bottom, x, y } = area;
  const [y0, y1] = y.domain;
  const yTicks = ticksEndingOnDomain(y0, y1);
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : niceStep(y1 - y0, 6);
  const yFormat = spec.yFormat ?? formatTick;
  const clip = `${spec.id}-clip`;
  let out = el('clipPath', { id: clip }, el('rect', { x: left, y: top - 1, width: right - left, height: bottom - top + 2 }));
  if (spec.title !== undefined) out += text(left, spec.box.y + 14, spec.title, { 'font-weight': 600, 'font-size': 13 });
  out += axisLeft(y, left, yTicks, (v) => yFormat(v, yStep), right);
  out += axisBottom(x, bottom, spec.xTicks, spec.xFormat, spec.xMinorTicks ?? []);
  out += text((left + right) / 2, bottom + 34, spec.xLabel, { 'text-anchor': 'middle', 'font-size': 12.5 });
  if (spec.yLabel !== '') out += axisTitleLeft(spec.box.x + 14, top, bottom, spec.yLabel);

  const inX = (p: SeriesPoint): boolean => isFiniteNumber(p.x) && p.x >= spec.xDomain[0] - 1e-9 && p.x <= spec.xDomain[1] + 1e-9;
  let bands = '';
  let lines = '';
  let markers = '';
  for (const s of spec.series) {
    if (spec.bands !== false) bands += bandPaths(s, x, y);
    const d = pathThrough(s.points.map((p) => (isFiniteNumber(p.x) && isFiniteNumber(p.y) ? [x(p.x), y(p.y)] : null)));
    if (d !== '')
      lines += el('path', {
        d,
        fill: 'none',
        stroke: s.color,
        'stroke-width': s.width ?? 1.8,
        'stroke-dasharray': s.dash,
        'stroke-linejoin': 'round',
        opacity: s.opacity,
        'data-series': s.key,
      });
    for (const p of s.points) {
      if (!inX(p) || !isFiniteNumber(p.y)) continue;
      const px = x(p.x);
      if (isFiniteNumber(p.err) && p.err > 0) {
        const a = y(p.y - p.err);
        const b = y(p.y + p.err);
        lines += el('path', { d: `M${coord(px)},${coord(a)}L${coord(px)},${coord(b)}M${coord(px - 3)},${coord(a)}L${coord(px + 3)},${coord(a)}M${coord(px - 3)},${coord(b)}L${coord(px + 3)},${coord(b)}`, stroke: s.color, 'stroke-width': 1, opacity: s.opacity });
      }
      const off = p.y > y0 && p.y > y1 ? 'top' : p.y < y0 && p.y < y1 ? 'bottom' : undefined;
      const titled = (shape: string): string => el('g', {}, el('title', {}, escapeXml(p.title ?? '')), shape);
      if (off !== undefined) {
        // Beyond the axis: an arrow at the edge says "off scale" instead of silently clipping.
        const ey = off === 'top' ? top + 5 : bottom - 5;
        markers += titled(marker(off === 'top' ? 'triangle' : 'triangle-down', px, ey, 3.6, '#ffffff', s.color, 1.4));
      } else if (s.marker !== undefined) {
        markers += p.title !== undefined ? titled(marker(s.marker, px, y(p.y), s.markerSize ?? 3, s.color)) : marker(s.marker, px, y(p.y), s.markerSize ?? 3, s.color);
      }
    }
  }
  let refs = '';
  const refYs: number[] = [];
  for (const r of spec.references ?? []) {
    if (!isFiniteNumber(r.y) || r.y < Math.min(y0, y1) || r.y > Math.max(y0, y1)) continue;
    const ry = y(r.y);
    refs += el('line', { x1: left, x2: right, y1: ry, y2: ry, stroke: r.color, 'stroke-width': 1.3, 'stroke-dasharray': r.dash });
    // Label above the line, or below it when another label already sits there.
    const at = r.labelAt ?? 'right';
    if (at === 'none') continue;
    const below = refYs.some((o) => Math.abs(o - ry) < 16) || ry - top < 14;
    refYs.push(ry);
    const lx = at === 'right' ? right - 4 : left + 4;
    refs += text(lx, below ? ry + 13 : ry - 4, r.label, { 'text-anchor': at === 'right' ? 'end' : 'start', 'font-size': 11, fill: r.color, ...HALO });
  }
  let strips = '';
  for (const st of spec.strips ?? []) {
    if (!isFiniteNumber(st.from) || !isFiniteNumber(st.to)) continue;
    const a = y(st.from);
    const b = y(st.to);
    strips += el('rect', { x: left, y: Math.min(a, b), width: right - left, height: Math.abs(a - b), fill: st.color, 'fill-opacity': st.opacity, 'data-strip': 'tolerance' });
  }
  let marks = '';
  for (const m of spec.marks ?? []) {
    if (!isFiniteNumber(m.x) || !isFiniteNumber(m.y)) continue;
    const my = Math.min(bottom - 4, Math.max(top + 4, y(m.y)));
    marks += el('g', {}, el('title', {}, escapeXml(m.title)), marker(m.shape, x(m.x), my, m.size, m.color, m.stroke ?? INK, 1));
  }
  out += el('g', { 'clip-path': `url(#${clip})` }, strips, bands, refs, lines);
  out += markers + marks;
  return el('g', { class: 'panel' }, out);
}

/**
 * Round ticks for a domain made by `niceDomain` with some tick count: the count (of the usual
 * ones) whose ticks land on both ends, so the axis is labelled at its ends; else 6 ticks.
 */
export function ticksEndingOnDomain(lo: number, hi: number): number[] {
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(hi - lo));
  for (const count of [6, 8, 5, 7, 4]) {
    const ticks = niceTicks(lo, hi, count);
    if (ticks.length >= 3 && ticks.length <= 9 && near(ticks[0]!, lo) && near(ticks[ticks.length - 1]!, hi)) return ticks;
  }
  return niceTicks(lo, hi, 6);
}

/** The translucent ±std band of a series, one polygon per run of complete points. */
function bandPaths(s: LineSeries, x: Scale, y: Scale): string {
  let out = '';
  let run: SeriesPoint[] = [];
  const flush = (): void => {
    if (run.length >= 2) {
      const upper = run.map((p) => `${coord(x(p.x))},${coord(y(p.hi!))}`);
      const lower = run.map((p) => `${coord(x(p.x))},${coord(y(p.lo!))}`).reverse();
      out += el('polygon', { points: [...upper, ...lower].join(' '), fill: s.color, 'fill-opacity': 0.14, stroke: 'none', 'data-band': s.key });
    }
    run = [];
  };
  for (const p of s.points) {
    if (isFiniteNumber(p.x) && isFiniteNumber(p.lo) && isFiniteNumber(p.hi)) run.push(p);
    else flush();
  }
  flush();
  return out;
}

/** One legend entry: a line sample (with its marker and dash), a filled box, or a marker alone. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly kind: 'line' | 'mark' | 'box';
  readonly dash?: string;
  readonly marker?: MarkerShape;
  readonly markerStroke?: string;
  /** A tooltip (e.g. the method's full label). */
  readonly title?: string;
}

/**
 * A legend laid out in as many equal columns as fit `width`, row by row. Returns the SVG
 * and the height it took, so the figure can size itself.
 */
export function legend(items: readonly LegendItem[], x: number, y: number, width: number): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const swatch = 30;
  const column = Math.max(...items.map((i) => swatch + 8 + textWidth(i.label, 12))) + 22;
  const columns = Math.max(1, Math.min(items.length, Math.floor(width / column)));
  const rows = Math.ceil(items.length / columns);
  const rowHeight = 20;
  let svg = '';
  items.forEach((item, i) => {
    const cx = x + (i % columns) * column;
    const cy = y + Math.floor(i / columns) * rowHeight + 10;
    let sample = '';
    if (item.kind === 'line') {
      sample += el('line', { x1: cx, x2: cx + swatch, y1: cy, y2: cy, stroke: item.color, 'stroke-width': 2.2, 'stroke-dasharray': item.dash });
      if (item.marker !== undefined) sample += marker(item.marker, cx + swatch / 2, cy, 3.4, item.color);
    } else if (item.kind === 'box') {
      sample += el('rect', { x: cx, y: cy - 6, width: swatch, height: 12, fill: item.color, 'fill-opacity': 0.25, stroke: item.color });
    } else {
      sample += marker(item.marker ?? 'circle', cx + swatch / 2, cy, 5, item.color, item.markerStroke ?? INK, 1);
    }
    const label = text(cx + swatch + 8, cy + 4, item.label, {});
    svg += el('g', { class: 'legend-item' }, item.title !== undefined ? el('title', {}, escapeXml(item.title)) : '', sample, label);
  });
  return { svg: el('g', { class: 'legend' }, svg), height: rows * rowHeight + 4 };
}

/** A small heat map (rows bottom-up), for one method's output noise. */
export interface HeatMapSpec {
  readonly box: Box;
  readonly title: string;
  /** Column labels (e.g. share removed); `null` leaves a column unlabelled to avoid crowding. */
  readonly xLabels: readonly (string | null)[];
  readonly yLabels: readonly string[];
  /** `values[row][column]`, row 0 at the bottom. */
  readonly values: readonly (readonly number[])[];
  readonly color: (v: number) => string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly cellTitle: (row: number, column: number) => string;
  /** Text inside the cells, when they are large enough to hold it. */
  readonly cellText?: (v: number) => string;
  /** Room left of the title (for a line sample drawn by the caller). */
  readonly titleIndent?: number;
}

/** Left and bottom margins of a heat map panel (for aligning small multiples). */
export const HEAT_MARGIN = { left: 46, bottom: 34, top: 20, right: 6 };

/** A heat map panel; missing values are drawn hatched-grey and say "no value" in their tooltip. */
export function heatMapPanel(spec: HeatMapSpec): string {
  const { box } = spec;
  const left = box.x + HEAT_MARGIN.left;
  const right = box.x + box.width - HEAT_MARGIN.right;
  const top = box.y + HEAT_MARGIN.top;
  const bottom = box.y + box.height - HEAT_MARGIN.bottom;
  const cols = bandScale(spec.xLabels.length, [left, right]);
  const rows = bandScale(spec.yLabels.length, [bottom, top]);
  let out = text(left + (spec.titleIndent ?? 0), box.y + 13, spec.title, { 'font-weight': 600, 'font-size': 12.5 });
  spec.values.forEach((row, r) => {
    row.forEach((v, c) => {
      const fill = isFiniteNumber(v) ? spec.color(v) : '#d9d9d9';
      const cell = el('rect', { x: cols.start(c), y: rows.start(r), width: cols.width + 0.4, height: rows.width + 0.4, fill });
      const label =
        spec.cellText !== undefined && isFiniteNumber(v) && cols.width >= textWidth(spec.cellText(v), 10) + 4 && rows.width >= 13
          ? text(cols.center(c), rows.center(r) + 3.5, spec.cellText(v), { 'text-anchor': 'middle', 'font-size': 10, fill: textOn(fill) })
          : '';
      out += el('g', {}, el('title', {}, escapeXml(spec.cellTitle(r, c))), cell, label);
    });
  });
  out += el('rect', { x: left, y: top, width: right - left, height: bottom - top, fill: 'none', stroke: MUTED, 'stroke-width': 0.8 });
  spec.xLabels.forEach((label, c) => {
    if (label === null) return;
    out += el('line', { x1: cols.center(c), x2: cols.center(c), y1: bottom, y2: bottom + 3, stroke: MUTED });
    out += text(cols.center(c), bottom + 13, label, { 'text-anchor': 'middle', 'font-size': 10, fill: MUTED });
  });
  spec.yLabels.forEach((label, r) => {
    out += text(left - 4, rows.center(r) + 3.5, label, { 'text-anchor': 'end', 'font-size': 10, fill: MUTED });
  });
  if (spec.xTitle !== undefined) out += text((left + right) / 2, bottom + 28, spec.xTitle, { 'text-anchor': 'middle', 'font-size': 11 });
  if (spec.yTitle !== undefined) out += axisTitleLeft(box.x + 10, top, bottom, spec.yTitle);
  return el('g', { class: 'heatmap' }, out);
}

/** A vertical colour bar for `[lo, hi]` with round ticks and a title. */
export function colorBar(box: Box, domain: readonly [number, number], color: (v: number) => string, title: string): string {
  const [lo, hi] = domain;
  const steps = 48;
  const barX = box.x;
  const barW = 14;
  const y = linearScale([lo, hi], [box.y + box.height, box.y]);
  let out = '';
  for (let i = 0; i < steps; i++) {
    const a = lo + ((hi - lo) * i) / steps;
    const b = lo + ((hi - lo) * (i + 1)) / steps;
    out += el('rect', { x: barX, y: y(b), width: barW, height: Math.abs(y(a) - y(b)) + 0.5, fill: color((a + b) / 2) });
  }
  out += el('rect', { x: barX, y: box.y, width: barW, height: box.height, fill: 'none', stroke: MUTED, 'stroke-width': 0.8 });
  const ticks = niceTicks(lo, hi, 5);
  const step = niceStep(hi - lo, 5);
  for (const t of ticks) {
    out += el('line', { x1: barX + barW, x2: barX + barW + 4, y1: y(t), y2: y(t), stroke: MUTED });
    out += text(barX + barW + 7, y(t) + 4, formatTick(t, step), { 'font-size': 11, fill: MUTED });
  }
  const tx = barX + barW + 50;
  out += text(tx, (box.y + box.y + box.height) / 2, title, {
    transform: `rotate(-90 ${coord(tx)} ${coord((box.y + box.y + box.height) / 2)})`,
    'text-anchor': 'middle',
    'font-size': 12,
  });
  return el('g', { class: 'colorbar' }, out);
}

/** Bars on a log scale; `Infinity` (or `null`, JSON's ∞) is a full-height bar labelled ∞. */
export interface LogBarSpec {
  readonly box: Box;
  readonly title: string;
  readonly labels: readonly string[];
  readonly values: readonly (number | null)[];
  readonly yLabel: string;
  readonly xLabel: string;
  /** A horizontal threshold line, e.g. η = 10³. */
  readonly threshold?: { readonly value: number; readonly label: string };
  readonly color: string;
  readonly infinityColor: string;
}

/** The bar chart of condition indices. */
export function logBarPanel(spec: LogBarSpec): string {
  const { box } = spec;
  const left = box.x + 58;
  const right = box.x + box.width - 10;
  // ∞ has its own level above the finite axis, across an axis break.
  const infY = box.y + 46;
  const top = box.y + 74;
  const bottom = box.y + box.height - 40;
  const finite = spec.values.filter((v): v is number => isFiniteNumber(v) && v > 0);
  const maxFinite = Math.max(10, ...finite, spec.threshold?.value ?? 1);
  const minFinite = Math.min(1, ...finite);
  const y = logScale([10 ** Math.floor(Math.log10(minFinite)), 10 ** Math.ceil(Math.log10(maxFinite) + 0.3)], [bottom, top]);
  const bands = bandScale(spec.labels.length, [left, right]);
  const breakY = (top + infY) / 2;
  let out = text(box.x + 4, box.y + 14, spec.title, { 'font-weight': 600, 'font-size': 13 });
  out += axisLeft(y, left, y.ticks(), (v) => `10${superscript(Math.round(Math.log10(v)))}`, right);
  out += el('line', { x1: left, x2: right, y1: infY, y2: infY, stroke: GRID });
  out += el('line', { x1: left, x2: left, y1: infY, y2: top, stroke: MUTED });
  out += text(left - 6, infY + 5, '∞', { 'text-anchor': 'end', fill: spec.infinityColor, 'font-size': 15, 'font-weight': 700 });
  out += el('path', { d: `M${coord(left - 5)},${coord(breakY + 1)}l10,-5M${coord(left - 5)},${coord(breakY + 5)}l10,-5`, stroke: MUTED, 'stroke-width': 1.2, fill: 'none' });
  spec.values.forEach((v, i) => {
    const infinite = v === null || v === Infinity;
    const bw = Math.min(46, bands.width * 0.62);
    const bx = bands.center(i) - bw / 2;
    let bar = '';
    let valueLabel = '';
    let title: string;
    if (infinite) {
      bar = el('rect', { x: bx, y: infY, width: bw, height: bottom - infY, fill: spec.infinityColor });
      // The same break as on the axis: the bar does not have a finite height.
      bar += el('path', { d: `M${coord(bx - 1)},${coord(breakY + 3)}l${coord(bw + 2)},-7v5l${coord(-bw - 2)},7z`, fill: '#ffffff' });
      valueLabel = text(bands.center(i), infY - 6, '∞', { 'text-anchor': 'middle', 'font-weight': 700, 'font-size': 15, fill: spec.infinityColor });
      title = `${spec.labels[i]}: ∞ (exact dependency)`;
    } else if (isFiniteNumber(v) && v > 0) {
      const vy = Math.min(y(Math.max(v, y.domain[0])), bottom - 1.5);
      bar = el('rect', { x: bx, y: vy, width: bw, height: bottom - vy, fill: spec.color });
      valueLabel = text(bands.center(i), vy - 5, formatCondition(v), { 'text-anchor': 'middle', 'font-size': 11 });
      title = `${spec.labels[i]}: ${formatCondition(v)}`;
    } else {
      valueLabel = text(bands.center(i), bottom - 5, '–', { 'text-anchor': 'middle', fill: MUTED });
      title = `${spec.labels[i]}: no value`;
    }
    out += el('g', {}, el('title', {}, escapeXml(title)), bar, valueLabel);
    out += text(bands.center(i), bottom + 16, spec.labels[i] ?? '', { 'text-anchor': 'middle', fill: MUTED });
  });
  if (spec.threshold !== undefined && isFiniteNumber(spec.threshold.value)) {
    const ty = y(spec.threshold.value);
    out += el('line', { x1: left, x2: right, y1: ty, y2: ty, stroke: INK, 'stroke-dasharray': '5 3', 'stroke-width': 1.2 });
    out += text(left + 4, ty - 5, spec.threshold.label, { 'font-size': 11, ...HALO });
  }
  out += el('line', { x1: left, x2: right, y1: bottom, y2: bottom, stroke: MUTED });
  out += text((left + right) / 2, bottom + 34, spec.xLabel, { 'text-anchor': 'middle', 'font-size': 12.5 });
  out += axisTitleLeft(box.x + 14, top, bottom, spec.yLabel);
  return el('g', { class: 'logbar' }, out);
}

/** A condition index for a label: 3 significant digits, thousands without exponent up to 10⁶. */
function formatCondition(v: number): string {
  if (v >= 1e6) {
    const e = Math.floor(Math.log10(v));
    return `${(v / 10 ** e).toFixed(1)}·10${superscript(e)}`;
  }
  return v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

/** An integer as Unicode superscript digits (real text, no nested tspan). */
export function superscript(n: number): string {
  const digits = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return `${n < 0 ? '⁻' : ''}${String(Math.abs(n))
    .split('')
    .map((d) => digits[Number(d)])
    .join('')}`;
}

/** A matrix as a heat map with row and column names and the values in the cells. */
export interface MatrixSpec {
  readonly box: Box;
  readonly title: string;
  readonly rowLabels: readonly string[];
  readonly columnLabels: readonly string[];
  /** `values[row][column]`. */
  readonly values: readonly (readonly (number | null)[])[];
  readonly color: (v: number) => string;
  readonly format: (v: number) => string;
  /** A tag right of each row's label (e.g. removed/kept), with its colour. */
  readonly rowTags?: readonly ({ readonly text: string; readonly color: string } | null)[];
  readonly xTitle: string;
  /** Room for the row names and tags left of the matrix. */
  readonly labelWidth: number;
}

/** The proportions matrix of the Belsley illustration. */
export function matrixPanel(spec: MatrixSpec): string {
  const { box } = spec;
  const left = box.x + spec.labelWidth;
  const right = box.x + box.width - 4;
  const top = box.y + 40;
  const bottom = box.y + box.height - 40;
  const cols = bandScale(spec.columnLabels.length, [left, right]);
  const rows = bandScale(spec.rowLabels.length, [top, bottom]);
  let out = text(box.x + 4, box.y + 14, spec.title, { 'font-weight': 600, 'font-size': 13 });
  spec.values.forEach((row, r) => {
    row.forEach((v, c) => {
      const fill = isFiniteNumber(v) ? spec.color(v) : '#d9d9d9';
      const label = isFiniteNumber(v) ? spec.format(v) : '–';
      out += el(
        'g',
        {},
        el('title', {}, escapeXml(`${spec.rowLabels[r]} × ${spec.columnLabels[c]}: ${isFiniteNumber(v) ? String(v) : 'no value'}`)),
        el('rect', { x: cols.start(c), y: rows.start(r), width: cols.width - 1, height: rows.width - 1, fill }),
        text(cols.center(c), rows.center(r) + 4, label, { 'text-anchor': 'middle', 'font-size': 11, fill: textOn(fill) }),
      );
    });
  });
  // Tags in their own column between the names and the matrix, as wide as the widest tag.
  const tagWidth = Math.max(0, ...(spec.rowTags ?? []).map((t) => (t === null ? 0 : textWidth(t.text, 11) * 1.12 + 14)));
  spec.rowLabels.forEach((label, r) => {
    const tag = spec.rowTags?.[r] ?? null;
    out += text(left - 8 - tagWidth, rows.center(r) + 4, label, { 'text-anchor': 'end' });
    if (tag !== null) out += text(left - 8 - tagWidth + 12, rows.center(r) + 4, tag.text, { fill: tag.color, 'font-weight': 600, 'font-size': 11 });
  });
  spec.columnLabels.forEach((label, c) => {
    out += text(cols.center(c), top - 6, label, { 'text-anchor': 'middle', fill: MUTED });
  });
  out += text((left + right) / 2, bottom + 22, spec.xTitle, { 'text-anchor': 'middle', 'font-size': 12.5 });
  return el('g', { class: 'matrix' }, out);
}

/**
 * Chart panels drawn into a box of a larger SVG: a line chart with spread bands, error bars and
 * marked points, and a legend that wraps into columns; the heat map with its colour bar, the
 * log-scale bars that can show ∞ and the labelled matrix come from grid-charts.ts and are
 * re-exported here. Figures compose these (figures.ts).
 *
 * Data may contain NaN, ±Infinity or JSON's `null`: lines break there, bands and markers skip
 * the point, and nothing non-finite reaches an attribute.
 */
import {
  HALO,
  INK,
  axisBottom,
  axisLeft,
  axisTitleLeft,
  coord,
  el,
  escapeXml,
  formatTick,
  isFiniteNumber,
  linearScale,
  niceDomain,
  niceStep,
  niceTicks,
  pathThrough,
  text,
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

// The grid-like panels live in their own module; figures import every panel from here.
export * from './grid-charts.js';

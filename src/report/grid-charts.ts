/**
 * Grid-like chart panels: a heat map with a colour bar (output noise), a bar chart on a log
 * scale that shows ∞ (condition indices), and a labelled matrix with its values (proportions).
 * Like the line chart, each draws into a box of a larger SVG and skips non-finite values.
 */
import type { Box } from './charts.js';
import { GRID, HALO, INK, MUTED, axisLeft, axisTitleLeft, bandScale, coord, el, escapeXml, formatTick, isFiniteNumber, linearScale, logScale, niceStep, niceTicks, text, textOn, textWidth } from './svg.js';

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

/** A heat map panel; a missing value is a grey cell. */
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

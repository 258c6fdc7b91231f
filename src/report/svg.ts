/**
 * Small SVG building blocks for the report: escaping, elements as strings, linear/log/band
 * scales with nice ticks, axes, colour maps and number formatting.
 *
 * Everything returns plain strings, so a figure is a pure function of its data and the tests
 * can parse what it produced. Results read from JSON may hold `null` where a number is typed
 * (JSON has no NaN/Infinity), so every helper that takes data asks {@link isFiniteNumber}.
 */

/** System fonts only: the report loads nothing from the network. */
export const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'Liberation Sans', sans-serif";

/** Text colours of the light theme (also used by the HTML page). */
export const INK = '#1d2330';
/** Secondary text: tick labels, captions. */
export const MUTED = '#5b6372';
/** Grid lines and frames. */
export const GRID = '#e3e6eb';

/** True for a finite number; false for NaN, ±Infinity, `null`, `undefined` (JSON's stand-ins). */
export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Escapes text for XML/HTML content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Attribute values: strings are escaped, numbers rounded; `undefined`, `null` and `false` omit the attribute. */
export type Attrs = Record<string, string | number | undefined | null | false>;

/** A coordinate for an attribute: at most two decimals, no `-0`, no exponent form. */
export function coord(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * One element as a string. A numeric attribute that is not finite drops the whole element:
 * a shape that cannot be placed is not drawn, and `NaN` never reaches the file (the charts
 * filter their data first; this is the last guard).
 */
export function el(name: string, attrs: Attrs = {}, ...children: string[]): string {
  let head = `<${name}`;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return '';
      head += ` ${key}="${coord(value)}"`;
    } else {
      head += ` ${key}="${escapeXml(value)}"`;
    }
  }
  const body = children.join('');
  return body === '' ? `${head}/>` : `${head}>${body}</${name}>`;
}

/** A `<text>` element whose content is escaped (real text, selectable, in the system font). */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return '';
  return el('text', { x, y, ...attrs }, escapeXml(content));
}

/** An SVG path `d` through points, starting a new subpath after every gap (`null` entry). */
export function pathThrough(points: readonly ([number, number] | null)[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p === null || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${coord(p[0])},${coord(p[1])}`;
    pen = true;
  }
  return d;
}

/** A complete, standalone SVG document (also valid inline in HTML). */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${coord(width)} ${coord(height)}`,
      width,
      height,
      'font-family': FONT_STACK,
      'font-size': 12,
      fill: INK,
      role: 'img',
      'aria-label': title,
    },
    el('title', {}, escapeXml(title)),
    el('rect', { width, height, fill: '#ffffff' }),
    body,
  );
}

/** A map from data values to pixels, with the ticks a reader expects. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** About `count` round tick values inside the domain. */
  ticks(count?: number): number[];
}

/** `domain[0] ↦ range[0]`, `domain[1] ↦ range[1]`, linearly (a zero-width domain maps to the range's middle). */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  return Object.assign(scale, { domain, range, ticks: (count = 5) => niceTicks(d0, d1, count) });
}

/** Base-10 logarithmic scale over a positive domain; ticks at powers of ten. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const l0 = Math.log10(domain[0]);
  const l1 = Math.log10(domain[1]);
  const inner = linearScale([l0, l1], range);
  const scale = ((v: number) => inner(Math.log10(v))) as Scale;
  const ticks = (): number[] => {
    const out: number[] = [];
    for (let e = Math.ceil(l0 - 1e-9); e <= Math.floor(l1 + 1e-9); e++) out.push(10 ** e);
    return out;
  };
  return Object.assign(scale, { domain, range, ticks });
}

/** The step of a round tick sequence: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * power;
}

/** Round values in `[lo, hi]`, about `count` of them (multiples of {@link niceStep}). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  // Snap each tick to the step's precision so 0.1 + 0.2 prints as 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(Number((i * step).toFixed(digits)));
  return out;
}

/** `[lo, hi]` widened outwards to multiples of the nice step (so the axis ends on a tick). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Equal bands for categorical axes (heat map cells): `start(i)` and the common `width`. */
export interface BandScale {
  readonly count: number;
  readonly width: number;
  start(index: number): number;
  center(index: number): number;
}

/** `count` equal bands over `[r0, r1]` (r1 may be below r0: bands then run downwards). */
export function bandScale(count: number, range: readonly [number, number]): BandScale {
  const [r0, r1] = range;
  const step = count > 0 ? (r1 - r0) / count : 0;
  return {
    count,
    width: Math.abs(step),
    start: (i) => Math.min(r0 + i * step, r0 + (i + 1) * step),
    center: (i) => r0 + (i + 0.5) * step,
  };
}

/**
 * A tick label with the decimals its step needs: `0.25` with step 0.05, `90` with step 10,
 * exponent form for very large or small magnitudes.
 */
export function formatTick(value: number, step: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '−∞' : '–';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-4) return minus(value.toExponential(1).replace('e+', 'e'));
  const decimals = step > 0 && Number.isFinite(step) ? Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))) : 2;
  // 2.5-steps need one more decimal than their power of ten.
  const extra = step > 0 && Math.abs(step / 10 ** Math.floor(Math.log10(step) + 1e-9) - 2.5) < 1e-9 ? 1 : 0;
  return minus(value.toFixed(decimals + extra));
}

/** A value for reading: `digits` significant digits, no exponent between 1e-3 and 1e6, `∞`, `–` for missing. */
export function formatValue(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e6 || a < 1e-3) return minus(value.toExponential(digits - 1).replace('e+', 'e'));
  if (a >= 10 ** digits) return minus(String(Math.round(value)));
  return minus(String(Number(value.toPrecision(digits))));
}

/** `digits` significant digits keeping trailing zeros (`5.00`, `11.0`), for columns of comparable values. */
export function formatPrecision(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return formatValue(value, digits);
  const a = Math.abs(value);
  if (a === 0) return (0).toFixed(digits - 1);
  if (a >= 1e6 || a < 1e-3) return formatValue(value, digits);
  if (a >= 10 ** digits) return minus(String(Math.round(value)));
  return minus(value.toPrecision(digits));
}

/** Typographic minus sign (U+2212) instead of the hyphen. */
function minus(s: string): string {
  return s.replace(/^-/, '−').replace(/e-/, 'e−');
}

/** Tick marks and labels below a plot: `y` is the axis line, `ticks` the labelled values, `minor` unlabelled marks. */
export function axisBottom(
  scale: Scale,
  y: number,
  ticks: readonly number[],
  format: (v: number) => string,
  minor: readonly number[] = [],
): string {
  const [x0, x1] = scale.range;
  let out = el('line', { x1: x0, x2: x1, y1: y, y2: y, stroke: MUTED, 'stroke-width': 1 });
  for (const m of minor) out += el('line', { x1: scale(m), x2: scale(m), y1: y, y2: y + 3, stroke: MUTED });
  for (const t of ticks) {
    const x = scale(t);
    out += el('line', { x1: x, x2: x, y1: y, y2: y + 6, stroke: MUTED });
    out += text(x, y + 18, format(t), { 'text-anchor': 'middle', fill: MUTED });
  }
  return out;
}

/** Tick labels left of a plot, with light grid lines across it (from `x` to `gridTo`). */
export function axisLeft(
  scale: Scale,
  x: number,
  ticks: readonly number[],
  format: (v: number) => string,
  gridTo: number,
): string {
  let out = '';
  for (const t of ticks) {
    const y = scale(t);
    out += el('line', { x1: x, x2: gridTo, y1: y, y2: y, stroke: GRID, 'stroke-width': 1 });
    out += text(x - 6, y + 4, format(t), { 'text-anchor': 'end', fill: MUTED });
  }
  const [y0, y1] = scale.range;
  out += el('line', { x1: x, x2: x, y1: y0, y2: y1, stroke: MUTED, 'stroke-width': 1 });
  return out;
}

/** A vertical axis title, rotated, centred on `[y0, y1]`. */
export function axisTitleLeft(x: number, y0: number, y1: number, title: string): string {
  const y = (y0 + y1) / 2;
  return text(x, y, title, { transform: `rotate(-90 ${coord(x)} ${coord(y)})`, 'text-anchor': 'middle', 'font-size': 12.5 });
}

/** Viridis (perceptually uniform, colour-blind safe), sampled at nine stops and interpolated linearly. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** The viridis colour of `t ∈ [0, 1]` (clamped; non-finite values get a neutral grey). */
export function viridis(t: number): string {
  if (!Number.isFinite(t)) return '#bfbfbf';
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = hexToRgb(VIRIDIS[i]!);
  const b = hexToRgb(VIRIDIS[i + 1]!);
  return rgbToHex(a.map((c, k) => c + (b[k]! - c) * f) as [number, number, number]);
}

/** A readable text colour (near-black or white) on a background colour. */
export function textOn(background: string): string {
  const [r, g, b] = hexToRgb(background).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.25 ? INK : '#ffffff';
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rgbToHex(rgb: readonly [number, number, number]): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Approximate width of `content` at `fontSize` in the system sans-serif (for layout, not typesetting). */
export function textWidth(content: string, fontSize = 12): number {
  let em = 0;
  for (const ch of content) em += /[il.,:;|!'’ ]/.test(ch) ? 0.3 : /[mwMW@%]/.test(ch) ? 0.85 : /[A-Z0-9]/.test(ch) ? 0.64 : 0.55;
  return em * fontSize;
}

/** A white outline behind text that sits on lines or grid (drawn under the glyphs by `paint-order`). */
export const HALO = { stroke: '#ffffff', 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke' } as const;

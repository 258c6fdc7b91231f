import { describe, expect, it } from 'vitest';
import {
  coord,
  el,
  escapeXml,
  formatPrecision,
  formatTick,
  formatValue,
  linearScale,
  logScale,
  niceDomain,
  niceStep,
  niceTicks,
  pathThrough,
  text,
  textOn,
  viridis,
} from '../../src/report/svg.js';
import { parseXml } from './xml.js';

describe('escaping and elements', () => {
  it('escapes the five XML specials in text and attributes', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    const svg = el('g', { 'data-x': 'x<&"y' }, text(1, 2, 'A & <B>'));
    expect(parseXml(svg).attributes['data-x']).toBe('x<&"y');
    expect(parseXml(svg).children[0]!.text).toBe('A & <B>');
  });

  it('rounds coordinates to two decimals without -0 or exponents', () => {
    expect(coord(1.23456)).toBe('1.23');
    expect(coord(-0.001)).toBe('0');
    expect(coord(1e-7)).toBe('0');
    expect(el('circle', { cx: 10.005, cy: -3, r: 2 })).toBe('<circle cx="10.01" cy="-3" r="2"/>');
  });

  it('drops an element whose numeric attribute is not finite, and omits undefined/false attributes', () => {
    expect(el('circle', { cx: Number.NaN, cy: 1 })).toBe('');
    expect(el('circle', { cx: Infinity })).toBe('');
    expect(text(Number.NaN, 1, 'x')).toBe('');
    expect(el('line', { x1: 1, stroke: undefined, opacity: false, fill: null })).toBe('<line x1="1"/>');
  });

  it('breaks a path at gaps and non-finite points', () => {
    expect(pathThrough([[0, 0], [1, 1], null, [2, 2], [Number.NaN, 3], [4, 4], [5, 5]])).toBe('M0,0L1,1M2,2M4,4L5,5');
    expect(pathThrough([])).toBe('');
  });
});

describe('scales', () => {
  it('maps a linear domain onto a range, also an inverted (y) range', () => {
    const x = linearScale([0, 100], [60, 560]);
    expect(x(0)).toBe(60);
    expect(x(100)).toBe(560);
    expect(x(50)).toBe(310);
    const y = linearScale([30, 100], [400, 50]);
    expect(y(30)).toBe(400);
    expect(y(100)).toBe(50);
    expect(y(65)).toBeCloseTo(225, 12);
    expect(linearScale([5, 5], [0, 10])(5)).toBe(5);
  });

  it('maps a log domain by decades and ticks at powers of ten', () => {
    const y = logScale([1, 1e4], [400, 0]);
    expect(y(1)).toBe(400);
    expect(y(100)).toBeCloseTo(200, 12);
    expect(y.ticks()).toEqual([1, 10, 100, 1000, 10000]);
  });

  it('makes round ticks without floating-point noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(30, 100, 8)).toEqual([30, 40, 50, 60, 70, 80, 90, 100]);
    expect(niceTicks(0.1, 0.35, 5)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(niceTicks(-300, -50, 6)).toEqual([-300, -250, -200, -150, -100, -50]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
    expect(niceStep(7, 5)).toBe(2);
    expect(niceStep(12, 5)).toBe(2.5);
  });

  it('widens a domain to multiples of its step, enclosing the data', () => {
    for (const [lo, hi] of [[0.37, 0.93], [3.2, 14.1], [-212, -76], [0, 0.27]] as const) {
      const [a, b] = niceDomain(lo, hi, 6);
      const step = niceStep(hi - lo, 6);
      expect(a).toBeLessThanOrEqual(lo);
      expect(b).toBeGreaterThanOrEqual(hi);
      expect(Math.abs(a / step - Math.round(a / step))).toBeLessThan(1e-9);
      expect(Math.abs(b / step - Math.round(b / step))).toBeLessThan(1e-9);
    }
    expect(niceDomain(5, 5)).toEqual([4.5, 5.5]);
    expect(niceDomain(Number.NaN, 1)).toEqual([0, 1]);
  });
});

describe('number formatting', () => {
  it('gives tick labels the decimals of their step', () => {
    expect(formatTick(0.25, 0.05)).toBe('0.25');
    expect(formatTick(90, 10)).toBe('90');
    expect(formatTick(5, 2.5)).toBe('5.0');
    expect(formatTick(-150, 50)).toBe('−150');
    expect(formatTick(0, 0.1)).toBe('0');
  });

  it('formats values with significant digits, ∞ and a dash for missing', () => {
    expect(formatValue(3.14159)).toBe('3.14');
    expect(formatValue(-78.3731, 4)).toBe('−78.37');
    expect(formatValue(123456.7, 3)).toBe('123457');
    expect(formatValue(2.5e-7)).toBe('2.50e−7');
    expect(formatValue(Infinity)).toBe('∞');
    expect(formatValue(Number.NaN)).toBe('–');
    expect(formatValue(null)).toBe('–');
    expect(formatPrecision(5)).toBe('5.00');
    expect(formatPrecision(11.04)).toBe('11.0');
    expect(formatPrecision(-3.2)).toBe('−3.20');
  });
});

describe('colours', () => {
  it('runs viridis from dark purple to yellow, grey for non-finite values', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(2)).toBe('#fde725');
    expect(viridis(Number.NaN)).toBe('#bfbfbf');
    expect(viridis(0.5)).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('puts white text on dark cells and dark text on light ones', () => {
    expect(textOn('#440154')).toBe('#ffffff');
    expect(textOn('#fde725')).not.toBe('#ffffff');
  });
});

import { describe, expect, it } from 'vitest';
import { heatMapPanel, legend, linePanel, logBarPanel, plotArea, ticksEndingOnDomain, type LinePanelSpec } from '../../src/report/charts.js';
import { el } from '../../src/report/svg.js';
import { allElements, deepText, elementsNamed, parseXml, pathSubpaths, pointPairs, type XmlElement } from './xml.js';

const wrap = (body: string): XmlElement => parseXml(el('svg', { xmlns: 'http://www.w3.org/2000/svg' }, body));

function spec(overrides: Partial<LinePanelSpec> = {}): LinePanelSpec {
  return {
    id: 't',
    box: { x: 0, y: 0, width: 400, height: 300 },
    title: 'Panel',
    xDomain: [0, 100],
    xTicks: [0, 50, 100],
    xFormat: String,
    xLabel: 'x',
    yDomain: [0, 10],
    yLabel: 'y',
    series: [
      {
        key: 'a',
        color: '#0072B2',
        marker: 'circle',
        points: [
          { x: 0, y: 2, lo: 1, hi: 3 },
          { x: 50, y: 5, lo: 4, hi: 6 },
          { x: 100, y: 8, lo: 7.5, hi: 8.5 },
        ],
      },
    ],
    ...overrides,
  };
}

function seriesPath(root: XmlElement, key: string): XmlElement {
  const path = elementsNamed(root, 'path').find((p) => p.attributes['data-series'] === key);
  if (path === undefined) throw new Error(`no path for ${key}`);
  return path;
}

describe('linePanel', () => {
  it('puts each point at the pixel of its scales, inside the box', () => {
    const s = spec();
    const area = plotArea(s);
    expect(area.left).toBeGreaterThan(s.box.x);
    expect(area.right).toBeLessThan(s.box.x + s.box.width);
    expect(area.top).toBeGreaterThan(s.box.y);
    expect(area.bottom).toBeLessThan(s.box.y + s.box.height);
    // The scales span the plot area: x from left to right, y upwards from bottom to top.
    expect(area.x(0)).toBe(area.left);
    expect(area.x(100)).toBe(area.right);
    expect(area.y(0)).toBe(area.bottom);
    expect(area.y(10)).toBe(area.top);
    const [points] = pathSubpaths(seriesPath(wrap(linePanel(s)), 'a').attributes.d!);
    const expected = [[0, 2], [50, 5], [100, 8]].map(([x, y]) => [
      area.left + ((area.right - area.left) * x!) / 100,
      area.bottom - ((area.bottom - area.top) * y!) / 10,
    ]);
    expect(points).toHaveLength(3);
    points!.forEach(([px, py], i) => {
      expect(px).toBeCloseTo(expected[i]![0]!, 1);
      expect(py).toBeCloseTo(expected[i]![1]!, 1);
    });
  });

  it('draws the band around the mean: upper edge above, lower edge below every point', () => {
    const root = wrap(linePanel(spec()));
    const band = elementsNamed(root, 'polygon').find((p) => p.attributes['data-band'] === 'a')!;
    const pairs = pointPairs(band.attributes.points!);
    const upper = pairs.slice(0, 3);
    const lower = pairs.slice(3).reverse();
    const [line] = pathSubpaths(seriesPath(root, 'a').attributes.d!);
    line!.forEach(([x, y], i) => {
      expect(upper[i]![0]).toBeCloseTo(x, 1);
      expect(lower[i]![0]).toBeCloseTo(x, 1);
      // SVG y grows downwards: the upper edge has the smaller y.
      expect(upper[i]![1]).toBeLessThan(y);
      expect(lower[i]![1]).toBeGreaterThan(y);
    });
  });

  it('breaks lines and bands at NaN, null and infinite values and writes no NaN', () => {
    const s = spec({
      series: [
        {
          key: 'gappy',
          color: '#000',
          marker: 'square',
          points: [
            { x: 0, y: 1, lo: 0.5, hi: 1.5 },
            { x: 10, y: 2, lo: 1.5, hi: 2.5 },
            { x: 20, y: Number.NaN, lo: Number.NaN, hi: Number.NaN },
            { x: 30, y: null as unknown as number, lo: 2, hi: Infinity },
            { x: 40, y: 3, lo: 2.5, hi: 3.5 },
            { x: 50, y: 4, lo: 3.5, hi: 4.5, err: Number.NaN },
          ],
        },
      ],
    });
    const svg = linePanel(s);
    expect(svg).not.toMatch(/NaN|Infinity|undefined|null/);
    const root = wrap(svg);
    expect(pathSubpaths(seriesPath(root, 'gappy').attributes.d!).map((p) => p.length)).toEqual([2, 2]);
    expect(elementsNamed(root, 'polygon').filter((p) => p.attributes['data-band'] === 'gappy')).toHaveLength(2);
  });

  it('marks points beyond the y range with an arrow at the edge instead of hiding them', () => {
    const s = spec({ series: [{ key: 'a', color: '#D55E00', marker: 'circle', points: [{ x: 50, y: 25 }, { x: 60, y: -4 }] }] });
    const area = plotArea(s);
    const arrows = elementsNamed(wrap(linePanel(s)), 'polygon').map((p) => pointPairs(p.attributes.points!));
    expect(arrows).toHaveLength(2);
    const ys = arrows.map((pts) => pts.reduce((sum, [, y]) => sum + y, 0) / pts.length);
    expect(Math.abs(ys[0]! - area.top)).toBeLessThan(8);
    expect(Math.abs(ys[1]! - area.bottom)).toBeLessThan(8);
  });

  it('labels the y axis at both ends of a nice domain', () => {
    expect(ticksEndingOnDomain(30, 100)).toEqual([30, 40, 50, 60, 70, 80, 90, 100]);
    expect(ticksEndingOnDomain(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const ticks = ticksEndingOnDomain(-300, -50);
    expect(ticks[0]).toBe(-300);
    expect(ticks[ticks.length - 1]).toBe(-50);
  });

  it('clips the data to the plot area with an id of its own', () => {
    const root = wrap(linePanel(spec({ id: 'fig-7' })));
    expect(elementsNamed(root, 'clipPath').map((c) => c.attributes.id)).toEqual(['fig-7-clip']);
    expect(allElements(root).some((e) => e.attributes['clip-path'] === 'url(#fig-7-clip)')).toBe(true);
  });
});

describe('legend', () => {
  it('lists every item once, in columns that fit the width, without overlapping rows', () => {
    const labels = ['random', 'magnitude', 'obd', 'obs', 'variational', 'belsley', 'belsley-laplace', 'belsley-trajectory', 'a < b & c'];
    const { svg, height } = legend(labels.map((label) => ({ label, color: '#000', kind: 'line' as const, marker: 'circle' as const })), 10, 0, 900);
    const root = wrap(svg);
    const texts = elementsNamed(root, 'text');
    expect(texts.map(deepText)).toEqual(labels);
    const positions = texts.map((t) => [Number(t.attributes.x), Number(t.attributes.y)] as const);
    expect(new Set(positions.map((p) => p.join())).size).toBe(labels.length);
    for (const [x] of positions) expect(x).toBeLessThan(10 + 900);
    const rows = new Set(positions.map(([, y]) => y)).size;
    expect(rows).toBeGreaterThan(1);
    expect(height).toBeGreaterThanOrEqual(rows * 18);
  });

  it('is empty for no items', () => {
    expect(legend([], 0, 0, 100)).toEqual({ svg: '', height: 0 });
  });
});

describe('heatMapPanel', () => {
  it('draws one cell per value, grey for a missing one, with its value in the tooltip', () => {
    const values = [
      [0, 0.1, 0.2],
      [0.3, Number.NaN, 0.5],
    ];
    const svg = heatMapPanel({
      box: { x: 0, y: 0, width: 300, height: 200 },
      title: 'm',
      xLabels: ['0', null, '100'],
      yLabels: ['0', '1'],
      values,
      color: () => '#123456',
      cellTitle: (r, c) => `cell ${r},${c}`,
    });
    expect(svg).not.toMatch(/NaN/);
    const cells = elementsNamed(wrap(svg), 'rect').filter((r) => r.attributes.fill !== 'none');
    expect(cells).toHaveLength(6);
    expect(cells.filter((c) => c.attributes.fill === '#d9d9d9')).toHaveLength(1);
    // Row 0 is drawn at the bottom.
    expect(Number(cells[0]!.attributes.y)).toBeGreaterThan(Number(cells[3]!.attributes.y));
    expect(elementsNamed(wrap(svg), 'title').map(deepText)).toContain('cell 1,1');
  });
});

describe('logBarPanel', () => {
  it('draws ∞ for Infinity and JSON null, finite bars by their log value', () => {
    const svg = logBarPanel({
      box: { x: 0, y: 0, width: 360, height: 300 },
      title: 'η',
      labels: ['1', '2', '3', '4'],
      values: [1, 100, Infinity, null],
      yLabel: 'η',
      xLabel: 'k',
      threshold: { value: 1000, label: '10³' },
      color: '#0072B2',
      infinityColor: '#D55E00',
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
    const root = wrap(svg);
    const texts = elementsNamed(root, 'text').map(deepText);
    expect(texts.filter((t) => t === '∞')).toHaveLength(3); // two bars and the axis label
    const bars = elementsNamed(root, 'rect');
    const blue = bars.filter((b) => b.attributes.fill === '#0072B2').map((b) => Number(b.attributes.height));
    expect(blue).toHaveLength(2);
    expect(blue[1]!).toBeGreaterThan(blue[0]!);
    const orange = bars.filter((b) => b.attributes.fill === '#D55E00').map((b) => Number(b.attributes.height));
    expect(orange).toHaveLength(2);
    expect(Math.min(...orange)).toBeGreaterThan(blue[1]!);
  });
});

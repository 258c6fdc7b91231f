import { describe, expect, it } from 'vitest';
import { buildFigures, heatMapLabels, keptLogAxis, methodStyles, robustDomain, type Figure } from '../../src/report/figures.js';
import { methodFindings } from '../../src/report/findings.js';
import type { ExperimentResults } from '../../src/search/results.js';
import { ALL_METHODS, bostonLike, fakeResults, throughJson, WINE_LEVELS, wineLike } from '../helpers/fake-results.js';
import { allElements, deepText, elementsNamed, parseXml, pathSubpaths, pointPairs, type XmlElement } from './xml.js';

const ids = (figures: readonly Figure[]): string[] => figures.map((f) => f.id);
const byId = (figures: readonly Figure[], id: string): XmlElement => parseXml(figures.find((f) => f.id === id)!.svg);
const legendLabels = (root: XmlElement): string[] =>
  allElements(root)
    .filter((e) => e.attributes.class === 'legend-item')
    .map((e) => deepText(elementsNamed(e, 'text')[0]!));

/** Attribute values that would break a renderer: NaN, Infinity, undefined, null. */
function badAttributes(root: XmlElement): string[] {
  const bad: string[] = [];
  for (const e of allElements(root))
    for (const [k, v] of Object.entries(e.attributes)) if (/NaN|Infinity|undefined|null/.test(v)) bad.push(`<${e.name} ${k}="${v}">`);
  return bad;
}

describe('buildFigures', () => {
  const cases: [string, ExperimentResults][] = [
    ['wine-like', wineLike()],
    ['boston-like', bostonLike()],
    ['wine-like through JSON (∞ → null)', throughJson(wineLike())],
    ['boston-like, 1 seed, no fine-tuning', bostonLike({ seeds: 1, fineTuneEpochs: 0 })],
  ];

  it.each(cases)('%s: every figure is a well-formed standalone SVG without non-finite attributes', (_name, results) => {
    const figures = buildFigures(results);
    expect(figures.length).toBeGreaterThan(3);
    for (const f of figures) {
      const root = parseXml(f.svg);
      expect(root.name).toBe('svg');
      expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
      expect(root.attributes.viewBox).toMatch(/^0 0 \d+(\.\d+)? \d+(\.\d+)?$/);
      expect(Number(root.attributes.height)).toBeGreaterThan(100);
      expect(root.attributes['font-family']).toContain('sans-serif');
      expect(badAttributes(root)).toEqual([]);
      // Real text, not outlines.
      expect(elementsNamed(root, 'text').length).toBeGreaterThan(5);
    }
  });

  it('makes every figure for the full studies, R² only for a regression', () => {
    const all = ['quality', 'quality-fine-tuned', 'noise', 'noise-fine-tuned', 'elbo', 'method-elbo', 'belsley-matrices', 'illustration'];
    expect(ids(buildFigures(wineLike())).sort()).toEqual([...all].sort());
    expect(ids(buildFigures(bostonLike())).sort()).toEqual([...all, 'r2'].sort());
  });

  it('skips every optional part that is absent', () => {
    const bare = wineLike({ fineTuneEpochs: 0, search: false, illustration: false, methodElbo: false, methods: ['random', 'obd', 'variational'] });
    expect(ids(buildFigures(bare))).toEqual(['quality', 'noise']);
    const noR2 = bostonLike({ r2: false, search: false, illustration: false, methods: ['obd'] });
    expect(ids(buildFigures(noR2))).not.toContain('r2');
    // An empty search list is no search.
    expect(ids(buildFigures({ ...bare, search: [] }))).toEqual(['quality', 'noise']);
  });

  it('lists every method in the legends and draws one line per method', () => {
    const results = wineLike();
    const figures = buildFigures(results);
    for (const id of ['quality', 'quality-fine-tuned']) {
      const root = byId(figures, id);
      const labels = legendLabels(root);
      for (const key of ALL_METHODS) expect(labels).toContain(key);
      expect(labels.some((l) => l.startsWith('full model'))).toBe(true);
      expect(labels.some((l) => l.startsWith('trivial predictor'))).toBe(true);
      expect(labels).toContain('±1 std over 5 seeds');
      const drawn = new Set(elementsNamed(root, 'path').map((p) => p.attributes['data-series']).filter((k) => k !== undefined));
      expect([...drawn].sort()).toEqual([...ALL_METHODS].sort());
    }
    const noise = byId(figures, 'noise');
    const titles = elementsNamed(noise, 'text').map(deepText);
    for (const key of ALL_METHODS) expect(titles).toContain(key);
  });

  it('draws a method in the same colour and dash in every figure', () => {
    const results = wineLike();
    const styles = methodStyles(Object.keys(results.methods));
    for (const id of ['quality', 'quality-fine-tuned', 'belsley-matrices', 'method-elbo']) {
      for (const p of elementsNamed(byId(buildFigures(results), id), 'path')) {
        const key = p.attributes['data-series'];
        if (key === undefined) continue;
        expect(p.attributes.stroke, `${id}/${key}`).toBe(styles.get(key)!.color);
        expect(p.attributes['stroke-dasharray'], `${id}/${key}`).toBe(styles.get(key)!.dash);
      }
    }
  });

  it('gives up to ten methods distinct styles, known methods fixed ones', () => {
    const keys = [...ALL_METHODS, 'belsley-exact', 'custom'];
    const styles = methodStyles(keys);
    const ids = keys.map((k) => JSON.stringify(styles.get(k)));
    expect(new Set(ids).size).toBe(keys.length);
    expect(methodStyles(['obd']).get('obd')).toEqual(methodStyles(['random', 'obd']).get('obd'));
  });

  it('keeps each band around its mean line', () => {
    for (const results of [wineLike(), bostonLike()]) {
      const root = byId(buildFigures(results), 'quality');
      const bands = elementsNamed(root, 'polygon').filter((p) => p.attributes['data-band'] !== undefined);
      expect(bands.length).toBeGreaterThan(0);
      for (const band of bands) {
        const key = band.attributes['data-band'];
        const pairs = pointPairs(band.attributes.points!);
        const n = pairs.length / 2;
        const upper = new Map(pairs.slice(0, n).map(([x, y]) => [x, y]));
        const lower = new Map(pairs.slice(n).map(([x, y]) => [x, y]));
        // The band and its line are in the same panel: match them by the clip group they share.
        const line = elementsNamed(root, 'path').filter((p) => p.attributes['data-series'] === key);
        let checked = 0;
        for (const path of line)
          for (const sub of pathSubpaths(path.attributes.d!))
            for (const [x, y] of sub) {
              if (!upper.has(x) || !lower.has(x)) continue;
              expect(upper.get(x)!).toBeLessThanOrEqual(y + 0.01);
              expect(lower.get(x)!).toBeGreaterThanOrEqual(y - 0.01);
              checked++;
            }
        expect(checked).toBeGreaterThan(0);
      }
    }
  });

  it('escapes method keys and labels with < and &', () => {
    const results = fakeResults({ methods: ['obd', 'a<b&c'], labels: { obd: 'obd <exact> & "true"', 'a<b&c': 'x & y < z' }, search: false, illustration: false });
    for (const f of buildFigures(results)) {
      const root = parseXml(f.svg);
      expect(badAttributes(root)).toEqual([]);
    }
    const quality = byId(buildFigures(results), 'quality');
    expect(legendLabels(quality)).toContain('a<b&c');
    expect(elementsNamed(quality, 'title').map(deepText)).toContain('obd <exact> & "true"');
  });

  it('survives NaN, Infinity and null anywhere in the numbers', () => {
    const results = wineLike({ methods: ['obd', 'variational', 'belsley'] });
    const obd = results.methods.obd!;
    (obd.quality.mean as number[])[3] = Number.NaN;
    (obd.quality.std as number[])[4] = Infinity;
    (obd.quality.mean as (number | null)[])[5] = null;
    (obd.noise.outputStd[2] as number[])[4] = Number.NaN;
    (obd.noise.inputStd as (number | null)[])[1] = null;
    (results.methods.variational!.elbo!.mean as number[])[2] = -Infinity;
    const step = results.search![0]!.steps[2] as { elbo: number; elboStandardError: number };
    step.elbo = Number.NaN;
    step.elboStandardError = Infinity;
    (results as { trivial: number }).trivial = Number.NaN;
    for (const r of [results, throughJson(results)]) {
      const figures = buildFigures(r);
      expect(ids(figures)).toContain('quality');
      for (const f of figures) {
        expect(f.svg, f.id).not.toMatch(/NaN|Infinity/);
        expect(badAttributes(parseXml(f.svg)), f.id).toEqual([]);
      }
    }
  });

  it('marks the search’s evidence, validation-best and sparsest steps, one of each per seed', () => {
    const results = wineLike();
    const root = byId(buildFigures(results), 'elbo');
    const titles = elementsNamed(root, 'title').map(deepText);
    const count = (what: string): number => titles.filter((t) => t.includes(what)).length;
    // Each mark is drawn in both panels.
    expect(count('evidence (ELBO maximum)')).toBe(2 * results.seeds);
    expect(count('validation-best')).toBe(2 * results.seeds);
    expect(count('sparsest within tolerance')).toBe(2 * results.seeds);
    expect(count('returned (criterion: evidence)')).toBe(2 * results.seeds);
    const labels = legendLabels(root);
    expect(labels).toEqual(expect.arrayContaining(['evidence step: ELBO maximum', 'validation-best step', 'sparsest within tolerance (1 accuracy point)', 'returned structure (criterion: evidence)']));
    // Error bars: one per step with a finite standard error, per seed.
    const steps = results.search!.reduce((n, r) => n + r.steps.length, 0);
    const errorBars = elementsNamed(root, 'path').filter((p) => p.attributes['stroke-width'] === '1' && pathSubpaths(p.attributes.d ?? '').length === 3);
    expect(errorBars).toHaveLength(steps);
  });

  it('compares the Belsley variants with the best non-Belsley method only', () => {
    const results = wineLike();
    const root = byId(buildFigures(results), 'belsley-matrices');
    const best = methodFindings(results).find((f) => !f.key.startsWith('belsley'))!.key;
    const drawn = new Set(elementsNamed(root, 'path').map((p) => p.attributes['data-series']).filter((k) => k !== undefined));
    expect([...drawn].sort()).toEqual(['belsley', 'belsley-laplace', 'belsley-trajectory', best].sort());
    expect(legendLabels(root)).toContain(`${best} (best non-Belsley)`);
    expect(ids(buildFigures(wineLike({ methods: ['obd', 'random'] })))).not.toContain('belsley-matrices');
  });

  it('draws the illustration’s ∞ (Infinity or JSON null) as ∞ and tags removed and kept columns', () => {
    for (const results of [wineLike(), throughJson(wineLike())]) {
      const root = byId(buildFigures(results), 'illustration');
      const texts = elementsNamed(root, 'text').map(deepText);
      expect(texts.filter((t) => t === '∞').length).toBe(3 + 1);
      expect(texts.filter((t) => t === 'η ∞')).toHaveLength(3);
      expect(texts).toEqual(expect.arrayContaining(['removed #1', 'removed #2', 'removed #3', 'kept', 'cos x + sin x', 'x']));
      expect(texts.filter((t) => t === 'kept')).toHaveLength(3);
    }
  });

  it('labels the heat maps’ columns with round levels at least 20 px apart, always the last', () => {
    expect([...heatMapLabels(WINE_LEVELS, 10)].sort((a, b) => a - b)).toEqual([0, 20, 40, 60, 80, 90, 100]);
    for (const width of [4, 7, 13, 30]) {
      const labels = heatMapLabels(WINE_LEVELS, width);
      expect(labels.has(100)).toBe(true);
      const at = [...labels].map((l) => WINE_LEVELS.indexOf(l) * width).sort((a, b) => a - b);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(20);
      for (const l of labels) expect(l % 10).toBe(0);
    }
  });

  it('places the search’s geometric steps evenly on its log-of-kept axis', () => {
    const axis = keptLogAxis(0.99, 275);
    expect(axis.t(0)).toBe(0);
    expect(axis.t(0.9) - axis.t(0)).toBeCloseTo(axis.t(0.99) - axis.t(0.9), 12);
    expect(axis.format(axis.t(0.95))).toBe('95');
    expect(Number.isFinite(axis.t(1))).toBe(true);
  });

  it('keeps the bulk of the values in a robust range', () => {
    const [lo, hi] = robustDomain([-100, -95, -90, -92, -98, -97, -91, -5000]);
    expect(lo).toBeGreaterThan(-200);
    expect(hi).toBeGreaterThanOrEqual(-90);
  });
});

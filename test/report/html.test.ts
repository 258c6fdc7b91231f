import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderReport, summaryTable, writeReport } from '../../src/report/index.js';
import { methodFindings } from '../../src/report/findings.js';
import { bostonLike, fakeResults, fakeTiming, throughJson, wineLike } from '../helpers/fake-results.js';
import { allElements, deepText, elementsNamed, parseXml, type XmlElement } from './xml.js';

const byId = (root: XmlElement, id: string): XmlElement | undefined => allElements(root).find((e) => e.attributes.id === id);

describe('renderReport', () => {
  it('is one well-formed page with every figure inline', () => {
    const html = renderReport(wineLike());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const root = parseXml(html);
    expect(root.name).toBe('html');
    const figures = elementsNamed(root, 'figure');
    expect(figures.map((f) => f.attributes.id)).toEqual(['quality', 'quality-fine-tuned', 'noise', 'noise-fine-tuned', 'elbo', 'method-elbo', 'belsley-matrices', 'illustration']);
    for (const f of figures) expect(elementsNamed(f, 'svg')).toHaveLength(1);
    // Inline SVGs share one id space: clip paths must not collide.
    const ids = allElements(root).map((e) => e.attributes.id).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('loads nothing: no scripts, stylesheets, images, fonts or URLs other than the SVG namespace', () => {
    for (const results of [wineLike(), bostonLike()]) {
      const html = renderReport(results);
      const root = parseXml(html);
      expect(elementsNamed(root, 'script')).toHaveLength(0);
      expect(elementsNamed(root, 'link')).toHaveLength(0);
      expect(elementsNamed(root, 'img')).toHaveLength(0);
      for (const e of allElements(root)) {
        expect(e.attributes.src).toBeUndefined();
        const href = e.attributes.href;
        if (href !== undefined) expect(href).toMatch(/^#|^[\w-]+\.svg$/);
      }
      const style = elementsNamed(root, 'style').map(deepText).join('');
      expect(style).not.toMatch(/@import|url\(|@font-face/);
      expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    }
  });

  it('says in its header what was run, and how long it took when timing.json is given', () => {
    const results = wineLike();
    const root = parseXml(renderReport(results, fakeTiming(results)));
    const header = deepText(elementsNamed(root, 'header')[0]!);
    for (const fragment of ['wine', '13-16-3 tanh', '275 parameters', '5 (1, 2, 3, 4, 5)', '0, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 92, 94, 96, 98, 100', '20 epochs after each step', 'laplace', results.command, '30 min 35 s on 2 workers; ', ' in 40 cells', 'higher is better'])
      expect(header).toContain(fragment);
    expect(deepText(elementsNamed(parseXml(renderReport(results)), 'header')[0]!)).toContain('Runtimenot recorded');
    const collected = deepText(elementsNamed(parseXml(renderReport(results, fakeTiming(results, 0))), 'header')[0]!);
    expect(collected).toMatch(/collected from cells: \d+ min \d+ s in 40 cells/);
    const boston = deepText(elementsNamed(parseXml(renderReport(bostonLike())), 'header')[0]!);
    expect(boston).toContain('lower is better');
    expect(boston).toContain('noise variance s²');
  });

  it('ranks the methods in the findings table, best first, and reports the search', () => {
    const results = wineLike();
    const root = parseXml(renderReport(results));
    const findings = byId(root, 'findings')!;
    const rows = elementsNamed(elementsNamed(findings, 'tbody')[0]!, 'tr');
    expect(rows).toHaveLength(Object.keys(results.methods).length);
    const best = methodFindings(results)[0]!;
    expect(deepText(rows[0]!)).toContain(best.key);
    expect(rows[0]!.attributes.class).toBe('best');
    expect(deepText(elementsNamed(findings, 'ul')[0]!)).toContain(`As pruned, ${best.key} keeps test accuracy within 1 accuracy point of the full model`);
    const search = byId(root, 'search')!;
    const searchRows = elementsNamed(elementsNamed(search, 'tbody')[0]!, 'tr');
    // A row of numbers and a row with the reason per seed.
    expect(searchRows.filter((r) => r.attributes.class === 'run')).toHaveLength(results.seeds);
    const reasons = searchRows.filter((r) => r.attributes.class === 'why').map(deepText);
    expect(reasons).toEqual(results.search!.map((s) => `Why: ${s.reason}`));
  });

  it('leaves out the sections of absent parts', () => {
    const root = parseXml(renderReport(wineLike({ search: false, fineTuneEpochs: 0, illustration: false })));
    expect(byId(root, 'search')).toBeUndefined();
    expect(byId(root, 'illustration')).toBeUndefined();
    expect(byId(root, 'quality-fine-tuned')).toBeUndefined();
    expect(deepText(byId(root, 'findings')!)).not.toContain('Fine-tuned');
  });

  it('escapes names from the results', () => {
    const results = { ...fakeResults({ methods: ['obd', 'x<y&z'], labels: { obd: '<script>alert(1)</script>' } }), dataset: 'wine & <b>roses</b>', command: 'prunus "a" & <b>' };
    const html = renderReport(results);
    const root = parseXml(html);
    expect(elementsNamed(root, 'script')).toHaveLength(0);
    expect(elementsNamed(root, 'b')).toHaveLength(0);
    expect(deepText(elementsNamed(root, 'h1')[0]!)).toContain('wine & <b>roses</b>');
    expect(deepText(root)).toContain('<script>alert(1)</script>');
    expect(deepText(root)).toContain('x<y&z');
  });

  it('survives results read back from JSON (null for ∞ and NaN) without printing NaN', () => {
    const results = wineLike();
    (results.methods.obd!.quality.mean as number[])[4] = Number.NaN;
    (results.full as { std: number }).std = Number.NaN;
    const html = renderReport(throughJson(results));
    parseXml(html);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });
});

describe('degenerate results', () => {
  it.each([
    ['no methods', () => ({ ...wineLike({ search: false }), methods: {} })],
    ['no levels', () => wineLike({ levels: [] })],
    ['a single level', () => wineLike({ levels: [0] })],
    ['an empty prior', () => ({ ...bostonLike(), prior: { criterion: 'fixed', alpha: [], noiseVariance: [] } })],
  ])('%s: the page and the table still render, without NaN', (_name, make) => {
    const results = make();
    const html = renderReport(results);
    parseXml(html);
    const table = summaryTable(results);
    expect(html + table).not.toMatch(/NaN|undefined/);
  });
});

describe('writeReport', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes report.html and one parseable SVG file per figure, creating the folder, leaving no temporary files', () => {
    const base = mkdtempSync(join(tmpdir(), 'prunus-report-'));
    dirs.push(base);
    const dir = join(base, 'nested', 'out');
    const results = bostonLike();
    const written = writeReport(dir, results, fakeTiming(results));
    expect(written.html).toBe(join(dir, 'report.html'));
    expect(written.figures.map((p) => p.slice(dir.length + 1))).toEqual(['quality.svg', 'quality-fine-tuned.svg', 'r2.svg', 'noise.svg', 'noise-fine-tuned.svg', 'elbo.svg', 'method-elbo.svg', 'belsley-matrices.svg', 'illustration.svg']);
    expect(readdirSync(dir).sort()).toEqual(['report.html', ...written.figures.map((p) => p.slice(dir.length + 1))].sort());
    for (const path of written.figures) {
      const text = readFileSync(path, 'utf8');
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(parseXml(text).name).toBe('svg');
    }
    expect(readFileSync(written.html, 'utf8')).toBe(renderReport(results, fakeTiming(results)));
  });

  it('overwrites an earlier report in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prunus-report-'));
    dirs.push(dir);
    writeReport(dir, wineLike());
    const second = writeReport(dir, wineLike({ seed: 99, search: false }));
    expect(readFileSync(second.html, 'utf8')).toBe(renderReport(wineLike({ seed: 99, search: false })));
    expect(existsSync(join(dir, 'quality.svg'))).toBe(true);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

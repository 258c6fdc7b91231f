/**
 * The experiment report as one self-contained HTML page (inline CSS and SVG, nothing loaded
 * from anywhere), and the writer that puts it and every figure's SVG file in a folder.
 *
 * The page is also well-formed XML (self-closed void elements, numeric character references
 * only), so the tests can check it with the same parser as the SVGs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../data/files.js';
import type { ExperimentResults, ExperimentTiming } from '../search/results.js';
import { buildFigures, methodStyles, type Figure } from './figures.js';
import {
  bestFineTuned,
  formatDuration,
  formatLevel,
  formatSearchTolerance,
  formatShare,
  meanOf,
  methodFindings,
  metricView,
  searchRows,
  type MethodFinding,
  type MetricView,
} from './findings.js';
import { FONT_STACK, GRID, INK, MUTED, escapeXml, formatValue, isFiniteNumber } from './svg.js';

/**
 * The report page for `results`; `timing` (timing.json, kept apart from results.json so that
 * reruns give identical results) adds the runtime to the header.
 */
export function renderReport(results: ExperimentResults, timing?: ExperimentTiming): string {
  return page(results, buildFigures(results), timing);
}

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  /** Path of report.html. */
  readonly html: string;
  /** Paths of the figures' SVG files, in the page's order. */
  readonly figures: string[];
}

/**
 * Writes `DIR/report.html` and one `DIR/<figure>.svg` per figure (e.g. `quality.svg`), each
 * atomically (temporary file and rename), creating DIR if needed. The SVGs go first, so a
 * report.html on disk never links to a figure file that is not there yet.
 */
export function writeReport(dir: string, results: ExperimentResults, timing?: ExperimentTiming): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const figures = buildFigures(results);
  const paths = figures.map((f) => {
    const path = join(dir, `${f.id}.svg`);
    writeFileAtomic(path, `<?xml version="1.0" encoding="UTF-8"?>\n${f.svg}\n`);
    return path;
  });
  const html = join(dir, 'report.html');
  writeFileAtomic(html, page(results, figures, timing));
  return { html, figures: paths };
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: ${INK}; font: 15px/1.5 ${FONT_STACK}; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 28px 48px; }
header { border-bottom: 1px solid ${GRID}; padding-bottom: 14px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 2px; letter-spacing: -0.01em; }
h1 .tool { color: ${MUTED}; font-weight: 500; }
.subtitle { margin: 0 0 14px; color: ${MUTED}; font-size: 15px; }
h2 { font-size: 19px; margin: 30px 0 10px; }
h3 { font-size: 16px; margin: 0 0 6px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 16px; margin: 0; font-size: 14px; }
dl.meta dt { color: ${MUTED}; }
dl.meta dd { margin: 0; font-variant-numeric: tabular-nums; }
dl.meta dd.span { grid-column: 2 / -1; }
code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace; background: #eceef2; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
nav { font-size: 14px; margin: 14px 0 0; display: flex; flex-wrap: wrap; gap: 2px 16px; }
nav a { white-space: nowrap; }
a { color: #0b5cad; text-decoration: none; }
a:hover { text-decoration: underline; }
ul.key { margin: 6px 0 14px; padding-left: 20px; }
ul.key li { margin: 3px 0; }
.card { background: #fff; border: 1px solid ${GRID}; border-radius: 8px; padding: 16px 18px; }
/* Wide tables scroll inside their card on a narrow screen instead of widening the page. */
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid ${GRID}; }
th { font-weight: 600; color: ${MUTED}; font-size: 12.5px; vertical-align: bottom; }
thead tr.group th { border-bottom: none; padding-bottom: 0; color: ${INK}; text-align: center; }
thead tr.group th.group { border-bottom: 2px solid ${GRID}; }
td.m { min-width: 280px; }
td.num, th.num { text-align: right; white-space: nowrap; }
th.num { white-space: normal; width: 1%; min-width: 84px; }
tr.best td { background: #f1f7ee; }
.swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 8px; }
.method { font-weight: 600; white-space: nowrap; }
.label { display: block; color: ${MUTED}; font-size: 12.5px; font-weight: 400; white-space: normal; }
tr.run td { border-bottom: none; padding-bottom: 1px; }
tr.why td { color: ${MUTED}; font-size: 13px; padding-top: 0; }
.note { color: ${MUTED}; font-size: 13px; margin: 8px 0 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; border: 1px solid ${GRID}; border-radius: 8px; padding: 14px 16px 12px; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: ${MUTED}; font-size: 13.5px; margin-top: 6px; }
figcaption a { margin-left: 6px; font-size: 12.5px; }
footer { margin-top: 28px; color: ${MUTED}; font-size: 12.5px; }
@media (max-width: 720px) { td.m { min-width: 190px; } dl.meta { grid-template-columns: max-content 1fr; } dl.meta dd.span { grid-column: 2; } main { padding: 16px; } }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  figure, .card, table { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  td.m { min-width: 0; }
  figure, .card { border-color: #ccc; }
  nav, figcaption a { display: none; }
}
`;

function page(results: ExperimentResults, figures: readonly Figure[], timing: ExperimentTiming | undefined): string {
  const view = metricView(results.metric);
  const title = `prunus experiment: ${results.dataset}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    header(results, view, figures, timing),
    findingsSection(results, view),
    searchSection(results, view),
    '<section id="figures">',
    '<h2>Figures</h2>',
    '<div class="figures">',
    ...figures.map(figureHtml),
    '</div>',
    '</section>',
    `<footer>Made by prunus from <code>results.json</code> (format ${escapeXml(String(results.format))}, version ${escapeXml(String(results.version))}). Each figure is also a standalone SVG file beside this page.</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(results: ExperimentResults, view: MetricView, figures: readonly Figure[], timing: ExperimentTiming | undefined): string {
  const e = escapeXml;
  const net = `${results.architecture.join('-')} ${results.activation}`;
  const prior = priorText(results);
  const items: [string, string, boolean?][] = [
    ['Data set', `${e(results.dataset)} (${e(results.task)})`],
    ['Network', `${e(net)}, ${e(String(results.parameters))} parameters`],
    ['Quality', `${e(view.name === 'accuracy' ? 'test accuracy, higher is better' : 'test RMSE in the target’s units, lower is better')}`],
    ['Full model', `${e(view.format(results.full.mean))}${results.seeds > 1 ? ` ± ${e(view.formatStd(results.full.std))}` : ''}; trivial predictor ${e(view.format(results.trivial))}`],
    ['Seeds', `${e(String(results.seeds))} (${e(results.seedList.join(', '))})`],
    ['Fine-tuning', e(results.fineTuneEpochs > 0 ? `${results.fineTuneEpochs} epochs after each step` : 'none')],
    ['Levels, % removed', e(results.levels.map((l) => formatLevel(l).replace('%', '')).join(', ')), true],
    ['Prior', e(prior), true],
    ['Runtime', e(runtimeText(timing)), true],
    ['Command', `<code>${e(results.command)}</code>`, true],
  ];
  const meta = items.map(([k, v, span]) => `<dt>${k}</dt><dd${span === true ? ' class="span"' : ''}>${v}</dd>`).join('');
  const nav = ['<a href="#findings">Findings</a>', ...(results.search !== undefined && results.search.length > 0 ? ['<a href="#search">Structure search</a>'] : []), ...figures.map((f) => `<a href="#${e(f.id)}">${e(f.title)}</a>`)].join('');
  return (
    `<header><h1><span class="tool">prunus experiment:</span> ${e(results.dataset)}</h1>` +
    `<p class="subtitle">${e(Object.keys(results.methods).length.toString())} relevance methods compared by pruning a ${e(net)} network, ${e(String(results.seeds))} seed${results.seeds === 1 ? '' : 's'}.</p>` +
    `<dl class="meta">${meta}</dl><nav>${nav}</nav></header>`
  );
}

/** The prior in words, read defensively: a hand-edited results.json may lack parts. */
function priorText(results: ExperimentResults): string {
  const prior = (results as Partial<ExperimentResults>).prior;
  if (prior === undefined) return '–';
  const alphaMeans = meanColumns(prior.alpha ?? []);
  const parts = [String(prior.criterion)];
  if (alphaMeans.length > 0) parts.push(`α per layer ${alphaMeans.map((a) => formatValue(a, 3)).join(', ')}${results.seeds > 1 ? ' (mean over seeds)' : ''}`);
  if (results.task === 'regression' && (prior.noiseVariance ?? []).length > 0) parts.push(`noise variance s² ${formatValue(meanOf(prior.noiseVariance), 3)}`);
  return parts.join('; ');
}

/** `30 min 35 s on 2 workers; 58 min in 42 cells`, or for a collected run (seconds 0) the cells' time only. */
function runtimeText(timing: ExperimentTiming | undefined): string {
  if (timing === undefined) return 'not recorded (no timing.json)';
  const cells = timing.cells ?? [];
  const compute = cells.reduce((sum, c) => sum + (isFiniteNumber(c.seconds) ? c.seconds : 0), 0);
  const cellText = cells.length > 0 ? `${formatDuration(compute)} in ${cells.length} cell${cells.length === 1 ? '' : 's'}` : '';
  if (!(timing.seconds > 0)) return cellText === '' ? 'not recorded' : `collected from cells: ${cellText}`;
  const run = `${formatDuration(timing.seconds)} on ${timing.workers} worker${timing.workers === 1 ? '' : 's'}`;
  return cellText === '' ? run : `${run}; ${cellText}`;
}

/** Column means of per-seed rows (α per layer over seeds). */
function meanColumns(rows: readonly (readonly number[])[]): number[] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  return Array.from({ length: width }, (_, j) => meanOf(rows.map((r) => r[j])));
}

function findingsSection(results: ExperimentResults, view: MetricView): string {
  const e = escapeXml;
  const findings = methodFindings(results);
  const styles = methodStyles(Object.keys(results.methods));
  const best = findings[0];
  const tuned = bestFineTuned(findings);
  const quality = view.name === 'accuracy' ? 'test accuracy' : 'test RMSE';
  const key: string[] = [];
  if (best !== undefined)
    key.push(
      best.kept === null
        ? `No method has its mean ${quality} ${e(view.toleranceText)} at any level.`
        : `As pruned, <strong>${e(best.key)}</strong> keeps ${quality} ${e(view.toleranceText)} (${e(view.format(results.full.mean))}) the longest: up to <strong>${e(formatLevel(best.kept.level))}</strong> of the parameters removed.`,
    );
  if (tuned?.fineTunedKept !== undefined && tuned.fineTunedKept !== null)
    key.push(`After fine-tuning, <strong>${e(tuned.key)}</strong> keeps it up to <strong>${e(formatLevel(tuned.fineTunedKept.level))}</strong>.`);
  const rows = searchRows(results);
  if (rows.length > 0) {
    const shares = rows.map((r) => r.chosenShare).filter(isFiniteNumber);
    const range = shares.length > 1 ? ` (${formatShare(Math.min(...shares))}–${formatShare(Math.max(...shares))})` : '';
    const first = rows[0]!.result;
    key.push(
      `The structure search (${e(first.method)}, criterion ${e(first.criterion)}) returned <strong>${e(formatShare(meanOf(shares)))}</strong> removed` +
        `${rows.length > 1 ? ` on average over ${rows.length} seeds${e(range)}` : ''}, with ${quality} ${e(view.format(meanOf(rows.map((r) => r.test))))} against ${e(view.format(meanOf(rows.map((r) => r.full))))} for the full network.`,
    );
  }
  const hasTuned = findings.some((f) => f.fineTunedKept !== undefined);
  const head =
    `<thead><tr class="group"><th></th><th></th><th class="group" colspan="3">As pruned</th>${hasTuned ? '<th class="group" colspan="2">Fine-tuned</th>' : ''}</tr>` +
    `<tr><th>#</th><th>Method (what was computed)</th><th class="num">last level within tolerance</th><th class="num">${e(view.shortLabel)} there</th><th class="num" title="mean over levels of the share of the full model’s advantage over the trivial predictor that is kept">quality kept, mean</th>` +
    `${hasTuned ? `<th class="num">last level within tolerance</th><th class="num">${e(view.shortLabel)} there</th>` : ''}</tr></thead>`;
  const body = findings
    .map((f: MethodFinding, i) => {
      const style = styles.get(f.key)!;
      const cells = [
        `<td class="num">${i + 1}</td>`,
        `<td class="m"><span class="method"><span class="swatch" style="border-top-color: ${style.color}${style.dash === undefined ? '' : '; border-top-style: dashed'}"></span>${e(f.key)}</span><span class="label">${e(f.label)}</span></td>`,
        `<td class="num">${e(f.kept === null ? 'never' : formatLevel(f.kept.level))}</td>`,
        `<td class="num">${e(f.kept === null ? '–' : view.format(f.kept.quality))}</td>`,
        `<td class="num">${e(isFiniteNumber(f.retained) ? `${Math.round(f.retained * 100)}%` : '–')}</td>`,
      ];
      if (hasTuned) {
        const k = f.fineTunedKept;
        cells.push(`<td class="num">${e(k === undefined ? '–' : k === null ? 'never' : formatLevel(k.level))}</td>`);
        cells.push(`<td class="num">${e(k === undefined || k === null ? '–' : view.format(k.quality))}</td>`);
      }
      return `<tr${i === 0 ? ' class="best"' : ''}>${cells.join('')}</tr>`;
    })
    .join('');
  return (
    `<section id="findings"><h2>Findings</h2><div class="card"><ul class="key">${key.map((k) => `<li>${k}</li>`).join('')}</ul>` +
    `<div class="table-wrap"><table>${head}<tbody>${body}</tbody></table></div>` +
    `<p class="note">“Last level within tolerance”: the largest share removed at which the mean over seeds is ${e(view.toleranceText)}; beyond it, it never is again (a dip at an earlier level, often one test row, does not end it). ` +
    `“Quality kept”: the mean over levels of (method − trivial) / (full − trivial), clipped to [0, 100%]; it breaks ties.</p></div></section>`
  );
}

function searchSection(results: ExperimentResults, view: MetricView): string {
  const rows = searchRows(results);
  if (rows.length === 0) return '';
  const e = escapeXml;
  const first = rows[0]!.result;
  const body = rows
    .map((r) => {
      const res = r.result;
      const kept = res.steps[res.chosenStep]?.active ?? res.kept;
      return (
        '<tr class="run">' +
        `<td class="num">${e(r.seed)}</td>` +
        `<td class="num">${e(String(res.chosenStep))}</td>` +
        `<td class="num">${e(formatShare(r.chosenShare))}</td>` +
        `<td class="num">${e(`${formatValue(kept, 6)} of ${res.parameters}`)}</td>` +
        `<td class="num">${e(formatValue(r.chosenElbo, 4))} ± ${e(formatValue(r.chosenElboSE, 2))}</td>` +
        `<td class="num">${e(view.format(r.test))}</td>` +
        `<td class="num">${e(view.format(r.full))}</td>` +
        `<td class="num">${e(formatShare(r.validationBestShare))}</td>` +
        `<td class="num">${e(formatShare(r.sparsestShare))}</td>` +
        '</tr>' +
        // The reason is a sentence: a row of its own reads better than a narrow column.
        `<tr class="why"><td></td><td colspan="8">Why: ${e(res.reason)}</td></tr>`
      );
    })
    .join('');
  return (
    `<section id="search"><h2>Structure search</h2><div class="card">` +
    `<p class="note" style="margin-top:0">Method <strong>${e(first.method)}</strong>${first.structured ? ' (structured: whole units)' : ''}; the returned structure is chosen by <strong>${e(first.criterion)}</strong>. Tolerance of “sparsest within tolerance”: ${e(formatSearchTolerance(first))} of the validation-best.</p>` +
    `<div class="table-wrap"><table><thead><tr><th class="num">Seed</th><th class="num">Step</th><th class="num">Removed</th><th class="num">Kept</th><th class="num">ELBO ± s.e.</th><th class="num">Test, chosen</th><th class="num">Test, full</th><th class="num">Validation-best removed</th><th class="num">Sparsest within tolerance</th></tr></thead>` +
    `<tbody>${body}</tbody></table></div></div></section>`
  );
}

function figureHtml(f: Figure): string {
  const e = escapeXml;
  return `<figure id="${e(f.id)}"${f.wide ? ' class="wide"' : ''}><h3>${e(f.title)}</h3>${f.svg}<figcaption>${e(f.caption)}<a href="${e(f.id)}.svg">${e(f.id)}.svg</a></figcaption></figure>`;
}

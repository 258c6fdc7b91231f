#!/usr/bin/env node
/**
 * Mutation score per folder and per file from Stryker JSON reports (docs/mutation.md):
 *   node scripts/mutation-score.mjs [report.json ...]   (default reports/mutation/mutation.json)
 * Several reports (one per folder run) are merged; a file in more than one keeps the last.
 * Score = (killed + timeout) / (killed + timeout + survived + no coverage), Stryker's own
 * definition; ignored mutants and compile errors are left out. Ignored ones are split into
 * `static` (reached only while test modules load, with ignoreStatic) and `excluded` (mutators
 * switched off in stryker.config.mjs: StringLiteral, the messages' text). `with static` counts
 * the static ones as not detected: the stricter figure.
 */
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2);
if (reports.length === 0) reports.push('reports/mutation/mutation.json');
const files = new Map();
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const [name, file] of Object.entries(json.files)) files.set(name.replace(/^.*?(src\/)/, '$1'), file.mutants);
}

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'Static', 'Excluded', 'RuntimeError', 'CompileError'];
const statusOf = (m) => (m.status !== 'Ignored' ? m.status : /^Static/.test(m.statusReason ?? '') ? 'Static' : 'Excluded');
const count = (mutants) => {
  const c = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const m of mutants) c[statusOf(m)] = (c[statusOf(m)] ?? 0) + 1;
  return c;
};
const score = (c, strict = false) => {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage + (strict ? c.Static : 0);
  return valid === 0 ? 'n/a' : ((100 * detected) / valid).toFixed(2);
};
const row = (name, c) => `| ${name} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.Static} | ${c.Excluded} | ${c.RuntimeError + c.CompileError} | ${score(c)} | ${score(c, true)} |`;
const header = ['| | killed | timeout | survived | no coverage | static | excluded | errors | score % | with static % |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];

const folders = new Map();
for (const [name, mutants] of files) {
  const folder = name.split('/').slice(0, 2).join('/');
  folders.set(folder, [...(folders.get(folder) ?? []), ...mutants]);
}
console.log(['**per folder**', '', ...header, ...[...folders].sort().map(([f, m]) => row(`\`${f}\``, count(m))), row('**all**', count([...files.values()].flat()))].join('\n'));
console.log(['', '**per file**', '', ...header, ...[...files].sort().map(([f, m]) => row(`\`${f}\``, count(m)))].join('\n'));

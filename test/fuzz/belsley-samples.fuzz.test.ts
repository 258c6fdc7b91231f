/**
 * Fuzzing `prunus belsley --samples FILE.csv`: generated sample matrices — exact linear
 * dependencies, constant and duplicated columns, one row, one column, huge and tiny values —
 * written in every CSV spelling and edited; the run either fails in one line or gives
 * diagnostics that are right: proportions in [0, 1] summing to 1 per column, condition indices
 * ascending from 1, eigenvalues summing to the trace of an independently computed covariance,
 * and as many exact dependencies as the data has (the rank computed exactly, in integers).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { csvStyle, lineBreaks, writeCsv } from './csv-model.js';
import { CaseCounter, expectCleanFailure, expectNoGiveaways, NASTY_CELLS, params, scratchFolder } from './fuzz.js';
import { expectedTable } from './reference-csv.js';

const counter = new CaseCounter('belsley --samples');
const folder = scratchFolder('belsley');
afterAll(() => {
  counter.report();
  rmSync(folder, { recursive: true, force: true });
});

interface BelsleyJson {
  rows: number;
  columns: string[];
  scaled: boolean;
  eigenvalues: number[];
  conditionIndices: (number | null)[];
  proportions: number[][];
  exactDependencies: number;
  nullSpaceShare: number[];
  leastRelevant: string;
  maxCondition?: number;
  removed?: string[];
  kept?: string[];
  steps?: { active: string[]; maxConditionIndex: number | null; removed: string | null }[];
}

/** A sample matrix as generated: column names and rows of numbers. */
interface Samples {
  readonly names: string[];
  readonly rows: number[][];
  /** All values small integers: the rank can be computed exactly. */
  readonly integral: boolean;
}

/** How a column is made: free values, or from earlier columns (a dependency by construction). */
type ColumnKind = 'free' | 'sum' | 'difference' | 'constant' | 'copy' | 'scaled';

/**
 * Matrices of 1–6 columns and 0–12 rows. Integral ones hold integers in [−5, 5] and columns
 * built from earlier ones (a + b, a − b, a constant, a copy, 3a); the others hold any doubles,
 * huge (up to 1.8e308) or tiny (down to 5e-324) values.
 */
const samples: fc.Arbitrary<Samples> = fc
  .record({
    columns: fc.array(fc.constantFrom<ColumnKind>('free', 'free', 'free', 'sum', 'difference', 'constant', 'copy', 'scaled'), { minLength: 1, maxLength: 6 }),
    rows: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 5, arbitrary: fc.integer({ min: 3, max: 12 }) }),
    integral: fc.boolean(),
    seed: fc.nat(),
  })
  .chain(({ columns, rows, integral }) => {
    const free = integral
      ? fc.integer({ min: -5, max: 5 })
      : fc.oneof(
          { weight: 5, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
          { weight: 1, arbitrary: fc.constantFrom(1e140, -1e140, 1e200, -1e300, 1e308, Number.MAX_VALUE, 1e-300, 5e-324, 0) },
        );
    return fc.array(fc.array(free, { minLength: columns.length, maxLength: columns.length }), { minLength: rows, maxLength: rows }).map((values) => {
      const built = values.map((row) => {
        const out: number[] = [];
        columns.forEach((kind, c) => {
          const a = out[c - 1] ?? row[c]!;
          const b = out[c - 2] ?? row[c]!;
          const v = kind === 'sum' ? a + b : kind === 'difference' ? a - b : kind === 'constant' ? 2 : kind === 'copy' ? a : kind === 'scaled' ? 3 * a : row[c]!;
          out.push(v === 0 ? 0 : v);
        });
        return out;
      });
      return { names: columns.map((kind, c) => `${kind}${c}`), rows: built, integral };
    });
  });

/** The rank of the centered matrix of integer samples, exactly (fraction-free elimination in BigInt). */
function exactRank(rows: number[][], cols: number): number {
  const n = rows.length;
  // n·x − Σx is the centered value times n: an integer, with the same rank.
  const sums = Array.from({ length: cols }, (_, c) => rows.reduce((s, r) => s + BigInt(r[c]!), 0n));
  const a = rows.map((r) => r.map((x, c) => BigInt(n) * BigInt(x) - sums[c]!));
  let rank = 0;
  let previous = 1n;
  for (let c = 0; c < cols && rank < n; c++) {
    const pivot = a.findIndex((row, i) => i >= rank && row[c] !== 0n);
    if (pivot < 0) continue;
    [a[rank], a[pivot]] = [a[pivot]!, a[rank]!];
    const p = a[rank]![c]!;
    for (let i = rank + 1; i < n; i++) {
      const f = a[i]![c]!;
      for (let j = c; j < cols; j++) a[i]![j] = (p * a[i]![j]! - f * a[rank]![j]!) / previous;
    }
    previous = p;
    rank++;
  }
  return rank;
}

/** The diagonal of the sample covariance (n − 1 in the denominator), two passes, independently of prunus. */
function variances(rows: number[][], cols: number): number[] {
  const n = rows.length;
  return Array.from({ length: cols }, (_, c) => {
    const mean = rows.reduce((s, r) => s + r[c]!, 0) / n;
    return rows.reduce((s, r) => s + (r[c]! - mean) ** 2, 0) / (n - 1);
  });
}

/** Checks the invariants of one set of diagnostics over `columns`. */
function expectDiagnostics(d: Pick<BelsleyJson, 'eigenvalues' | 'conditionIndices' | 'proportions' | 'exactDependencies' | 'nullSpaceShare' | 'leastRelevant'>, columns: string[]): void {
  const n = columns.length;
  expect(d.eigenvalues).toHaveLength(n);
  expect(d.conditionIndices).toHaveLength(n);
  expect(d.proportions).toHaveLength(n);
  // Proportions: each column's variance split over the components, so in [0, 1] and summing to 1.
  for (const row of d.proportions) {
    expect(row).toHaveLength(n);
    for (const q of row) expect(q >= 0 && q <= 1).toBe(true);
    expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
  }
  // Condition indices: λ_max/λ_k, so the first is 1 and they never decrease; ∞ (null) marks the exact dependencies.
  const eta = d.conditionIndices.map((v) => (v === null ? Infinity : v));
  if (d.exactDependencies < n) expect(eta[0]).toBe(1);
  for (let k = 1; k < n; k++) expect(eta[k]! >= eta[k - 1]!).toBe(true);
  expect(eta.filter((v) => v === Infinity)).toHaveLength(d.exactDependencies);
  for (const share of d.nullSpaceShare) expect(share >= 0 && share <= 1 + 1e-12).toBe(true);
  expect(columns).toContain(d.leastRelevant);
}

/** Runs belsley on a file and checks the outcome; `expectedText` is the CSV text the file holds (null when it is not UTF-8). */
async function check(path: string, text: string | null, flags: string[], generated: Samples | null): Promise<void> {
  const args = ['belsley', '--samples', path, ...flags];
  const result = await runCli(args);
  const json = flags.includes('--json');
  const read = text === null ? null : expectedTable(text, path, null, false);
  if (read === null || !read.ok) {
    const line = expectCleanFailure(args, result, text === null ? [] : [text]);
    if (read !== null && !read.ok) for (const fragment of read.fragments) expect(line).toContain(fragment);
    else expect(line).toContain('not UTF-8');
    return;
  }
  const rows = read.lines.length;
  const cols = read.features.length;
  const matrix = Array.from({ length: rows }, (_, i) => read.x.slice(i * cols, (i + 1) * cols));
  if (rows < 2) {
    expect(expectCleanFailure(args, result, [text!])).toContain('at least 2 samples');
    return;
  }
  const variance = variances(matrix, cols);
  // What rounding alone can do to a computed variance: every deviation x − mean is off by up to
  // δ = n·ε·max|x| (the mean's rounding), so the variance by about 3·√var·δ + δ² — large,
  // relative to it, for a column that barely varies (2 and 1.99999999999632).
  const delta = Array.from({ length: cols }, (_, c) => rows * Number.EPSILON * Math.max(...matrix.map((r) => Math.abs(r[c]!))));
  const roundingOf = (c: number): number => 3 * Math.sqrt(variance[c]!) * delta[c]! + delta[c]! ** 2;
  // Values up to 1e150: no square of a difference can overflow; beyond, the covariance may.
  const mayOverflow = read.x.some((v) => Math.abs(v) > 1e150);
  if (result.code !== 0) {
    const line = expectCleanFailure(args, result, [text!]);
    expect(mayOverflow, `a good sample matrix was refused: ${line}`).toBe(true);
    expect(line).toContain('overflows');
    return;
  }
  expect(result.stderr).toBe('');
  if (!json) {
    // The table for people: no give-away words, a line per component.
    expectNoGiveaways(result.stdout, [text!]);
    expect(result.stdout).toContain(`covariance of ${rows} samples`);
    return;
  }
  const out = JSON.parse(result.stdout) as BelsleyJson;
  expect(out.rows).toBe(rows);
  expect(out.columns).toEqual(read.features);
  expectDiagnostics(out, out.columns);
  // Σλ is the trace: of the covariance, or of the correlation matrix (1 per column that varies).
  // The eigensolver is backward stable: Σλ is the trace to a few ε of it, once the variances'
  // own rounding is allowed for (and subnormal ones are only known to 5e-324 each).
  const sum = out.eigenvalues.reduce((a, b) => a + b, 0);
  if (flags.includes('--scale')) {
    // Whether a column varies is only certain when its variance is clear of its rounding.
    const clear = variance.every((v, c) => v === 0 || v > 100 * roundingOf(c) + 1e-290);
    if (clear) expect(Math.abs(sum - variance.filter((v) => v > 0).length)).toBeLessThanOrEqual(1e-12 * cols);
  } else {
    const trace = variance.reduce((a, b) => a + b, 0);
    expect(Number.isFinite(trace)).toBe(true);
    const rounding = variance.reduce((total, _, c) => total + roundingOf(c), 0);
    expect(Math.abs(sum - trace)).toBeLessThanOrEqual(1e-12 * trace + rounding + 1e-300);
  }
  if (generated?.integral === true && text !== null) {
    // Exactly as many dependencies as the data has, the rank computed in integers.
    expect(out.exactDependencies).toBe(cols - exactRank(matrix, cols));
  }
  if (flags.includes('--prune')) {
    const removed = out.removed!;
    const kept = out.kept!;
    expect([...removed, ...kept].sort()).toEqual([...out.columns].sort());
    // A step per removal, and a last one without when something is kept (a column that never
    // varies is removed too: when every column is such, nothing is kept).
    expect(out.steps).toHaveLength(removed.length + (kept.length > 0 ? 1 : 0));
    expect(out.steps!.map((step) => step.removed).filter((r) => r !== null)).toEqual(removed);
    if (kept.length > 0) {
      // Pruning stops once no dependency is left above the threshold.
      const last = out.steps!.at(-1)!;
      expect(last.removed).toBeNull();
      expect(last.active).toEqual(kept);
      expect(last.maxConditionIndex !== null && last.maxConditionIndex <= out.maxCondition!).toBe(true);
    }
  }
}

const flagSets = fc.tuple(fc.boolean(), fc.boolean(), fc.constantFrom(undefined, '1', '10', '1000', '1e12', '1e300'), fc.constantFrom(true, true, true, false)).map(([prune, scale, max, json]) => [
  ...(prune ? ['--prune'] : []),
  ...(scale ? ['--scale'] : []),
  ...(max !== undefined ? ['--max-condition', max] : []),
  ...(json ? ['--json'] : []),
]);

describe('fuzz: prunus belsley --samples', () => {
  it('diagnostics of generated sample matrices are right (proportions, condition indices, the trace, the exact rank), however the file is written', async () => {
    await fc.assert(
      fc.asyncProperty(samples, csvStyle, flagSets, async (s, style, flags) => {
        counter.tick();
        const { text } = writeCsv(s.names, s.rows.map((row) => row.map(String)), style);
        const path = join(folder, 'samples.csv');
        writeFileSync(path, text);
        await check(path, text, flags, s);
      }),
      params(0xbe15, 400),
    );
  }, 120_000);

  it('edited files (cells replaced by NaN, Infinity, 1e400, …; truncated; a duplicated header; bytes that are not UTF-8) fail in one line or give right diagnostics', async () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('cell' as const), at: fc.nat(), token: fc.constantFrom(...NASTY_CELLS, '1e308', '-1.7976931348623157e308') }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('duplicate-header' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('bytes' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xe9], [0xc3], [0xed, 0xa0, 0x80]) }),
    );
    await fc.assert(
      fc.asyncProperty(samples, csvStyle, flagSets, fc.array(edit, { minLength: 1, maxLength: 2 }), async (s, style, flags, edits) => {
        counter.tick();
        const names = [...s.names];
        const cells = s.rows.map((row) => row.map(String));
        const bytesEdits: { at: number; bytes: readonly number[] }[] = [];
        const truncations: number[] = [];
        for (const e of edits) {
          if (e.kind === 'cell' && cells.length > 0) cells[e.at % cells.length]![Math.floor(e.at / cells.length) % names.length] = e.token;
          if (e.kind === 'duplicate-header' && names.length > 1) names[e.at % names.length] = names[(e.at + 1) % names.length]!;
          if (e.kind === 'truncate') truncations.push(e.at);
          if (e.kind === 'bytes') bytesEdits.push(e);
        }
        let text = writeCsv(names, cells, style).text;
        for (const at of truncations) text = text.slice(0, Math.floor(at * (text.length + 1)));
        let bytes = Buffer.from(text, 'utf8');
        for (const { at, bytes: inserted } of bytesEdits) {
          const k = Math.floor(at * (bytes.length + 1));
          bytes = Buffer.concat([bytes.subarray(0, k), Buffer.from(inserted), bytes.subarray(k)]);
        }
        const path = join(folder, 'edited.csv');
        writeFileSync(path, bytes);
        let decoded: string | null = null;
        try {
          decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
        } catch {
          decoded = null;
        }
        await check(path, decoded, flags, null);
        if (decoded === null) {
          // The line of the first bad byte is named (counted as the reader counts lines).
          const { stderr } = await runCli(['belsley', '--samples', path]);
          expect(stderr).toMatch(new RegExp(`line \\d+: not UTF-8 text`));
          expect(lineBreaks(text)).toBeGreaterThanOrEqual(0);
        }
      }),
      params(0xbe16, 300),
    );
  }, 120_000);

  it('edge shapes: an empty file, a header only, one row, one column, 200 and 3001 columns, a column that never varies', async () => {
    const wide = (m: number): string => `${Array.from({ length: m }, (_, j) => `c${j}`).join(',')}\n${Array.from({ length: m }, () => '1').join(',')}\n${Array.from({ length: m }, (_, j) => String(j % 7)).join(',')}\n`;
    const shapes = fc.constantFrom(
      '', '\uFEFF', 'a\n', 'a,b\n', 'a,b\n1,2\n', 'a\n1\n2\n', 'a\n1\n1\n1\n', 'a,b\n1,1\n1,1\n', 'a,b\n0,0\n0,0\n0,0\n', wide(200), wide(3001),
      'a,b\n1e308,1\n-1e308,2\n3,3\n', 'a,b\n1.7976931348623157e308,1\n1.7976931348623157e308,2\n1.7976931348623157e308,4\n', 'a,b\n5e-324,0\n0,5e-324\n5e-324,5e-324\n',
    );
    await fc.assert(
      fc.asyncProperty(shapes, flagSets, async (text, flags) => {
        counter.tick();
        const path = join(folder, 'shape.csv');
        writeFileSync(path, text);
        const columns = text.split('\n')[0]!.split(',').length;
        if (columns > 3000) {
          // Beyond the dense limit: refused before any O(n³) work (it allocated a 3001² covariance).
          expect(expectCleanFailure(['belsley', '--samples', path, ...flags], await runCli(['belsley', '--samples', path, ...flags]))).toContain('the limit is 3000 columns');
          return;
        }
        // Pruning 200 columns of rank 1 would take 199 rounds of an O(n³) decomposition: diagnostics only.
        await check(path, text, columns > 100 ? flags.filter((f) => f !== '--prune') : flags, null);
      }),
      params(0xbe17, 60),
    );
  }, 120_000);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../helpers/cli.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-belsley-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes a CSV file into the test folder and returns its path. */
function csv(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

interface BelsleyJson {
  matrix: string;
  columns: string[];
  conditionIndices: (number | null)[];
  proportions: number[][];
  eigenvalues: number[];
  exactDependencies: number;
  mostDegenerate: number;
  leastRelevant: string;
  removed?: string[];
  kept?: string[];
  steps?: { active: string[]; maxConditionIndex: number | null; removed: string | null; conditionIndices: (number | null)[] }[];
}

describe('prunus belsley', () => {
  it('--example illustration --prune --json: three exact dependencies, three removals, x kept', async () => {
    const { code, stdout, stderr } = await run(['belsley', '--example', 'illustration', '--prune', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BelsleyJson;
    expect(result.matrix).toBe('samples');
    expect(result.columns).toEqual(['sin x', 'cos x', '2 + cos x', '2 + sin x', 'cos x + sin x', 'x']);
    expect(result.conditionIndices).toHaveLength(6);
    expect(result.conditionIndices.slice(3)).toEqual([null, null, null]); // Infinity
    expect(result.exactDependencies).toBe(3);
    expect(result.proportions).toHaveLength(6);
    for (const row of result.proportions) {
      expect(row).toHaveLength(6);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(result.proportions[5]!.slice(3).every((q) => q < 1e-12)).toBe(true);
    expect(result.removed).toHaveLength(3);
    expect(result.kept).toHaveLength(3);
    expect(result.kept).toContain('x');
    expect(result.steps).toHaveLength(4);
    expect(result.steps![3]!.removed).toBeNull();
    expect(result.steps![3]!.maxConditionIndex).toBeLessThan(1000);
  });

  it('reads --samples FILE.csv: one exact dependency c = a + b', async () => {
    const path = csv('sum.csv', 'a,b,c\n1,0,1\n0,1,1\n2,3,5\n-1,4,3\n5,-2,3\n');
    const { code, stdout } = await run(['belsley', '--samples', path, '--prune', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BelsleyJson;
    expect(result.columns).toEqual(['a', 'b', 'c']);
    expect(result.conditionIndices[2]).toBeNull();
    expect(result.exactDependencies).toBe(1);
    expect(result.removed).toHaveLength(1);
    expect(result.kept).toHaveLength(2);
  });

  it('--scale handles a constant column (an exact dependency) without NaN, and removes it first', async () => {
    const path = csv('constant.csv', 'a,k,b\n1,7,2\n2,7,1\n4,7,3\n3,7,5\n');
    const { code, stdout } = await run(['belsley', '--samples', path, '--scale', '--prune', '--json']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/NaN/);
    const result = JSON.parse(stdout) as BelsleyJson;
    expect(result.proportions.flat().every((q) => typeof q === 'number' && q >= 0 && q <= 1)).toBe(true);
    expect(result.removed).toEqual(['k']);
    expect(result.kept).toEqual(['a', 'b']);
  });

  it('--max-condition moves the stopping point', async () => {
    const { stdout } = await run(['belsley', '--example', 'illustration', '--prune', '--max-condition', '10', '--json']);
    const result = JSON.parse(stdout) as BelsleyJson;
    expect(result.removed!.length).toBeGreaterThan(3);
    expect(result.steps!.at(-1)!.maxConditionIndex).toBeLessThanOrEqual(10);
  });

  it('prints a readable table, then removed and kept', async () => {
    const { code, stdout } = await run(['belsley', '--example', 'illustration', '--prune']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/cond\. index/);
    expect(stdout).toMatch(/∞/);
    expect(stdout).toMatch(/exact dependencies: 3/);
    expect(stdout).toMatch(/\*/);
    expect(stdout).toMatch(/^removed: .+$/m);
    expect(stdout).toMatch(/^kept: .*\bx\b/m);
  });

  it('--help shows the usage', async () => {
    const { code, stdout } = await run(['belsley', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--samples FILE\.csv/);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['a missing file', () => ['--samples', join(folder, 'nope.csv')], /nope\.csv.*no such file/],
    ['a ragged row', () => ['--samples', csv('ragged.csv', 'a,b\n1,2\n3\n')], /line 3: expected 2 fields .* found 1/],
    ['a non-numeric cell', () => ['--samples', csv('text.csv', 'a,b\n1,2\n3,abc\n')], /line 3, column "b": "abc" is not a number/],
    ['a NaN cell', () => ['--samples', csv('nan.csv', 'a,b\n1,NaN\n3,4\n')], /line 2, column "b": missing value/],
    ['a single row', () => ['--samples', csv('one.csv', 'a,b\n1,2\n')], /at least 2 samples/],
    ['no data rows', () => ['--samples', csv('empty.csv', 'a,b\n')], /no data rows/],
    ['no input', () => [], /--samples FILE\.csv is required/],
    ['both inputs', () => ['--samples', 'x.csv', '--example', 'illustration'], /not both/],
    ['an unknown example', () => ['--example', 'other'], /unknown example "other"/],
    ['a bad threshold', () => ['--example', 'illustration', '--max-condition', 'abc'], /--max-condition: "abc" is not a number/],
    ['a threshold below 1', () => ['--example', 'illustration', '--max-condition', '0.5'], /--max-condition: 0\.5 is outside/],
    ['an unknown option', () => ['--example', 'illustration', '--frobnicate'], /frobnicate/],
  ];
  for (const [what, args, message] of bad) {
    it(`fails on ${what} with one line naming it, exit 1, nothing on stdout`, async () => {
      const { code, stdout, stderr } = await run(['belsley', ...args(), '--json']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/^prunus belsley: /);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});

// Fixed examples of the bugs the fuzz suite (test/fuzz/belsley-samples.fuzz.test.ts) found.
describe('prunus belsley --samples: regressions found by fuzzing', () => {
  it('values whose covariance overflows are refused naming the column (it was "belsleyDiagnostics: entry (0, 0) is Infinity")', async () => {
    const path = csv('overflow.csv', 'a,b\n1,2e200\n2,2e140\n3,0\n');
    const { code, stdout, stderr } = await run(['belsley', '--samples', path, '--json']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`prunus belsley: ${path}, column "b": the values are too large: their covariance overflows a double (beyond ±1.80e+308); rescale the columns\n`);
  });

  it('--scale with variances near 1e-323 (values near 1e-162) works on the correlation matrix (it was "symmetricEigen: a has a non-finite entry Infinity")', async () => {
    // b and c are the same tiny column, a never varies: correlation [[0,0,0],[0,1,1],[0,1,1]], eigenvalues 2, 0, 0.
    const path = csv('tiny.csv', 'a,b,c\n0,0,0\n0,0,0\n0,0,0\n0,3.629749838363508e-162,3.629749838363508e-162\n');
    const { code, stdout, stderr } = await run(['belsley', '--samples', path, '--scale', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as BelsleyJson;
    expect(result.eigenvalues[0]).toBeCloseTo(2, 14);
    // The other two are 0 to the eigensolver's rounding, ε·λ_max.
    for (const lambda of result.eigenvalues.slice(1)) expect(Math.abs(lambda)).toBeLessThanOrEqual(2 * Number.EPSILON * 2);
    expect(result.exactDependencies).toBe(2);
  });

  it('more than 3000 columns are refused before the 3001² covariance and its decompositions', async () => {
    const header = Array.from({ length: 3001 }, (_, j) => `c${j}`).join(',');
    const path = csv('wide.csv', `${header}\n${header.replace(/c\d+/g, '1')}\n${header.replace(/c(\d+)/g, (_, j: string) => String(Number(j) % 7))}\n`);
    const { code, stderr } = await run(['belsley', '--samples', path, '--prune']);
    expect(code).toBe(1);
    expect(stderr).toBe(`prunus belsley: ${path}: 3001 columns need a 3001×3001 covariance and O(n³) decompositions; the limit is 3000 columns\n`);
  });
});

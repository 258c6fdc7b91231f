import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/datasets.js';
import { DataError } from '../../src/data/errors.js';

function classCounts(y: Float64Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]!++;
  return counts;
}

describe('built-in data sets (checks of data/README.md)', () => {
  it('wine: 178 × 13, classification inferred, class counts 59/71/48', () => {
    const d = loadDataset('wine');
    expect([d.n, d.m, d.x.length]).toEqual([178, 13, 178 * 13]);
    expect(d.task).toBe('classification');
    expect(d.taskInferred).toBe(true);
    expect(d.target).toBe('class');
    expect(d.features[0]).toBe('alcohol');
    expect(d.classes).toEqual(['0', '1', '2']);
    expect(classCounts(d.y, 3)).toEqual([59, 71, 48]);
  });

  it('boston: 506 × 13, regression inferred, medv mean 22.5328 and sample std 9.1971', () => {
    const d = loadDataset('boston');
    expect([d.n, d.m]).toEqual([506, 13]);
    expect(d.task).toBe('regression');
    expect(d.taskInferred).toBe(true);
    expect(d.target).toBe('medv');
    expect(d.classes).toBeNull();
    const mean = d.y.reduce((a, b) => a + b, 0) / d.n;
    const sampleStd = Math.sqrt(d.y.reduce((a, v) => a + (v - mean) ** 2, 0) / (d.n - 1));
    expect(mean).toBeCloseTo(22.5328, 4);
    expect(sampleStd).toBeCloseTo(9.1971, 4);
  });

  it('digits: 1797 × 64, ten classes of about 180', () => {
    const d = loadDataset('digits');
    expect([d.n, d.m]).toEqual([1797, 64]);
    expect(d.task).toBe('classification');
    expect(d.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const count of classCounts(d.y, 10)) expect(Math.abs(count - 180)).toBeLessThanOrEqual(10);
    expect(Math.min(...d.x)).toBe(0);
    expect(Math.max(...d.x)).toBe(16);
  });

  it('an explicit task or target is honoured and not marked inferred', () => {
    const asRegression = loadDataset('wine', { task: 'regression' });
    expect(asRegression.taskInferred).toBe(false);
    expect(asRegression.classes).toBeNull();
    expect(Array.from(new Set(asRegression.y)).sort()).toEqual([0, 1, 2]);
    const rooms = loadDataset('boston', { target: 'rm' });
    expect(rooms.features).toContain('medv');
    expect(rooms.features).not.toContain('rm');
    expect(rooms.task).toBe('regression');
  });

  it('synthetic is built in, seeded, and refuses other targets or classification', () => {
    const a = loadDataset('synthetic', { seed: 3 });
    expect([a.n, a.m, a.task, a.target]).toEqual([10000, 100, 'regression', 'y']);
    expect(loadDataset('synthetic', { seed: 3 }).y).toEqual(a.y);
    expect(loadDataset('synthetic', { seed: 4 }).y).not.toEqual(a.y);
    expect(() => loadDataset('synthetic', { target: 'x1' })).toThrow(DataError);
    expect(() => loadDataset('synthetic', { task: 'classification' })).toThrow(DataError);
  });
});

describe('CSV files by path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prunus-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('string labels are classification, classes sorted', () => {
    const d = loadDataset(file('pets.csv', 'w,h,kind\n1,2,dog\n3,4,cat\n5,6,dog\n7,8,emu\n'));
    expect(d.task).toBe('classification');
    expect(d.taskInferred).toBe(true);
    expect(d.classes).toEqual(['cat', 'dog', 'emu']);
    expect(Array.from(d.y)).toEqual([1, 0, 1, 2]);
  });

  it('numeric labels sort numerically and are written canonically', () => {
    const d = loadDataset(file('num.csv', 'a,y\n1,10\n2,2\n3,2.0\n4,-1\n'));
    expect(d.classes).toEqual(['-1', '2', '10']);
    expect(Array.from(d.y)).toEqual([2, 1, 1, 0]);
  });

  it('integers with more than 20 distinct values, or non-integers, are regression', () => {
    const rows = (count: number, value: (i: number) => number): string =>
      'a,y\n' + Array.from({ length: count }, (_, i) => `${i},${value(i)}`).join('\n') + '\n';
    expect(loadDataset(file('twenty.csv', rows(40, (i) => i % 20))).task).toBe('classification');
    expect(loadDataset(file('many.csv', rows(40, (i) => i % 21))).task).toBe('regression');
    expect(loadDataset(file('real.csv', rows(10, (i) => (i % 2) + 0.5))).task).toBe('regression');
  });

  it('a regression target that is not a number names its line and column', () => {
    const path = file('bad.csv', 'a,y\n1,2.5\n2,high\n');
    expect(() => loadDataset(path, { task: 'regression' })).toThrow(/bad\.csv line 3, column "y": "high" is not a number/);
  });

  it('a single class is refused', () => {
    expect(() => loadDataset(file('one.csv', 'a,y\n1,0\n2,0\n'))).toThrow(/only one class/);
  });

  it('dropMissing drops rows and reports the count', () => {
    const path = file('holes.csv', 'a,b,y\n1,2,0\n3,?,1\nNA,6,1\n7,8,1\n');
    expect(() => loadDataset(path)).toThrow(/holes\.csv line 3, column "b": missing value/);
    const d = loadDataset(path, { dropMissing: true });
    expect(d.droppedRows).toBe(2);
    expect(d.n).toBe(2);
  });

  it('an unknown target lists the columns; a missing file says so', () => {
    const path = file('cols.csv', 'alpha,beta\n1,2\n3,4\n');
    expect(() => loadDataset(path, { target: 'gamma' })).toThrow(/no column "gamma"; the columns are "alpha", "beta"/);
    expect(() => loadDataset(join(dir, 'nope.csv'))).toThrow(/cannot read .*nope\.csv: no such file/);
  });
});

// Fixed examples of the bugs the fuzz suite (test/fuzz/csv.fuzz.test.ts) found.
describe('regressions found by fuzzing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prunus-data-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('a file whose only column is the target is refused naming it (it reached the standardizer as 0 columns)', () => {
    expect(() => loadDataset(file('target-only.csv', 'y\n0\n1\n0\n1\n'))).toThrow(/target-only\.csv: no feature columns: the only column, "y", is the target/);
  });

  it('a column whose values are too far apart to standardize names the column and the lines of its extremes', () => {
    // 1.7e308 − (−1.7e308) overflows: x − mean would be ±Infinity, and the fit NaN (it saved such a model).
    const path = file('wide.csv', 'a,b,y\n1,1.7e308,0\n2,-1.7e308,1\n3,0,0\n4,1,1\n');
    expect(() => loadDataset(path)).toThrow(/wide\.csv, column "b": the values -1\.7e\+308 \(line 3\) and 1\.7e\+308 \(line 2\) are too far apart to standardize/);
    const regression = file('wide-target.csv', 'a,y\n1,1.7e308\n2,-1.7e308\n3,0.5\n');
    expect(() => loadDataset(regression, { task: 'regression' })).toThrow(/column "y": the values .* too far apart/);
    // Large values that are not too far apart load (and standardize: see scaling.test.ts).
    expect(loadDataset(file('high.csv', 'a,y\n1.7e308,0\n1.6e308,1\n1.5e308,0\n1.4e308,1\n')).n).toBe(4);
  });
});

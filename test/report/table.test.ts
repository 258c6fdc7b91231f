import { describe, expect, it } from 'vitest';
import { summaryTable, tableLevelIndices } from '../../src/report/table.js';
import { bostonLike, WINE_LEVELS, wineLike } from '../helpers/fake-results.js';

describe('tableLevelIndices', () => {
  it('takes the study levels nearest to 0, 50, 80, 90, 95, 100', () => {
    expect(tableLevelIndices(WINE_LEVELS).map((i) => WINE_LEVELS[i])).toEqual([0, 50, 80, 90, 94, 100]);
    expect(tableLevelIndices([0, 50, 80, 90, 95, 99, 100]).map((i) => [0, 50, 80, 90, 95, 99, 100][i])).toEqual([0, 50, 80, 90, 95, 100]);
  });

  it('spreads over a grid that matches none of them', () => {
    const grid = [5, 15, 25, 35];
    expect(tableLevelIndices(grid).map((i) => grid[i])).toEqual(grid);
  });
});

describe('summaryTable', () => {
  it('has a row per method at the chosen levels, as pruned and fine-tuned, and the search', () => {
    const results = wineLike();
    const text = summaryTable(results);
    const lines = text.split('\n');
    const headers = lines.filter((l) => l.startsWith('method '));
    expect(headers).toHaveLength(2);
    expect(headers[0]).toMatch(/0%\s+50%\s+80%\s+90%\s+94%\s+100%\s+kept to/);
    for (const key of Object.keys(results.methods)) expect(lines.filter((l) => l.startsWith(`${key} `))).toHaveLength(2);
    expect(text).toContain('Fine-tuned (20 epochs per step)');
    expect(text).toMatch(/Structure search \(variational, criterion evidence\): [\d.]+% removed on average/);
    expect(lines.filter((l) => l.startsWith('  seed '))).toHaveLength(results.seeds);
    // Everything but the search's reasons fits a terminal.
    for (const line of lines.filter((l) => !l.startsWith('  seed '))) expect(line.length).toBeLessThanOrEqual(132);
    // The table's value at 0% removed is the full model of every seed: the same for every method.
    const row = lines.find((l) => l.startsWith('obd '))!;
    expect(row.split(/\s+/)[1]).toBe((results.methods.obd!.quality.mean[0]! * 100).toFixed(1));
  });

  it('leaves out what was not run', () => {
    const text = summaryTable(wineLike({ fineTuneEpochs: 0, search: false }));
    expect(text).not.toContain('Fine-tuned');
    expect(text).not.toContain('Structure search');
    expect(text.split('\n').filter((l) => l.startsWith('method '))).toHaveLength(1);
  });

  it('shows RMSE with three significant digits and says lower is better', () => {
    const results = bostonLike({ methods: ['obd', 'random'], search: false });
    const text = summaryTable(results);
    expect(text).toContain('test RMSE, lower is better');
    const cells = text.split('\n').find((l) => l.startsWith('obd '))!.trim().split(/\s+/).slice(1, -1);
    for (const c of cells) expect(c).toMatch(/^\d+\.\d+$|^\d{3,}$/);
    expect(cells.every((c) => c.replace('.', '').replace(/^0+/, '').length === 3)).toBe(true);
  });

  it('prints a dash for missing values and never NaN', () => {
    const results = wineLike({ methods: ['obd'], search: false, fineTuneEpochs: 0 });
    // Levels 50% and 80% (indices 5 and 8) are columns of the table.
    (results.methods.obd!.quality.mean as (number | null)[])[5] = null;
    (results.methods.obd!.quality.mean as number[])[8] = Number.NaN;
    const text = summaryTable(results);
    expect(text).not.toMatch(/NaN|null|undefined/);
    expect(text.split('\n').find((l) => l.startsWith('obd '))!.split(/\s+/).filter((c) => c === '–')).toHaveLength(2);
  });
});

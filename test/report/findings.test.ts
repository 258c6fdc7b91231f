import { describe, expect, it } from 'vitest';
import { formatDuration, formatLevel, isBelsley, keptUpTo, methodFindings, metricView, retainedShare } from '../../src/report/findings.js';
import type { SeriesSummary } from '../../src/search/results.js';
import { wineLike } from '../helpers/fake-results.js';

const series = (mean: number[]): SeriesSummary => ({ mean, std: mean.map(() => 0), perSeed: [mean] });
const levels = [0, 50, 80, 90, 100];

describe('keptUpTo', () => {
  it('accuracy: the last level within one point, after which the mean never comes back (an early dip does not end it)', () => {
    const view = metricView('accuracy');
    expect(keptUpTo(levels, series([0.9, 0.895, 0.8905, 0.85, 0.5]), 0.9, view)).toEqual({ level: 80, index: 2 });
    expect(keptUpTo(levels, series([0.9, 0.85, 0.8905, 0.85, 0.5]), 0.9, view)).toEqual({ level: 80, index: 2 });
    expect(keptUpTo(levels, series([0.9, 0.9, 0.9, 0.9, 0.9]), 0.9, view)).toEqual({ level: 100, index: 4 });
    expect(keptUpTo(levels, series([0.7, 0.8, 0.88, 0.6, 0.5]), 0.9, view)).toBeNull();
  });

  it('RMSE: within 5% of the full model, lower being better', () => {
    const view = metricView('rmse');
    expect(keptUpTo(levels, series([3, 2.5, 3.149, 3.16, 9]), 3, view)).toEqual({ level: 80, index: 2 });
  });

  it('never counts a missing value (NaN, or null from JSON) as within', () => {
    const view = metricView('accuracy');
    expect(keptUpTo(levels, series([0.9, 0.9, 0.9, Number.NaN, 0.5]), 0.9, view)).toEqual({ level: 80, index: 2 });
    expect(keptUpTo(levels, series([0.9, 0.9, 0.9, null as unknown as number, 0.5]), 0.9, view)).toEqual({ level: 80, index: 2 });
    expect(keptUpTo(levels, series([Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN]), 0.9, view)).toBeNull();
    expect(keptUpTo(levels, series([0.9, 0.9, 0.9, 0.9, 0.9]), Number.NaN, view)).toBeNull();
    expect(keptUpTo(levels, undefined, 0.9, view)).toBeNull();
  });

  it('follows the levels in increasing order even when they are not sorted', () => {
    const view = metricView('accuracy');
    expect(keptUpTo([80, 0, 50], series([0.5, 0.9, 0.9]), 0.9, view)).toEqual({ level: 50, index: 2 });
    expect(keptUpTo([50, 0, 80], series([0.9, 0.9, 0.5]), 0.9, view)).toEqual({ level: 50, index: 0 });
  });
});

describe('retainedShare and the ranking', () => {
  it('is the mean share of the full model’s advantage over the trivial predictor, clipped to [0, 1]', () => {
    expect(retainedShare(series([0.9, 0.65, 0.4, 0.2]), 0.9, 0.4)).toBeCloseTo((1 + 0.5 + 0 + 0) / 4, 12);
    expect(retainedShare(series([3, 6, 12]), 3, 9)).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(retainedShare(series([1]), 1, 1)).toBeNaN();
  });

  it('ranks by how long quality is kept, then by the share retained', () => {
    const results = wineLike({ methods: ['random', 'obd', 'variational', 'belsley-laplace'], search: false, illustration: false });
    const ranked = methodFindings(results).map((f) => f.key);
    expect(ranked[ranked.length - 1]).toMatch(/random|belsley-laplace/);
    expect(['obd', 'variational']).toContain(ranked[0]);
    const findings = methodFindings(results);
    for (let i = 1; i < findings.length; i++) expect(findings[i - 1]!.kept?.level ?? -1).toBeGreaterThanOrEqual(findings[i]!.kept?.level ?? -1);
  });

  it('recognizes the Belsley variants by key', () => {
    expect(['belsley', 'belsley-laplace', 'belsley-exact'].every(isBelsley)).toBe(true);
    expect(['obd', 'belsleyish', 'random'].some(isBelsley)).toBe(false);
  });
});

describe('formatting', () => {
  it('formats levels, shares and durations', () => {
    expect(formatLevel(90)).toBe('90%');
    expect(formatLevel(99.5)).toBe('99.5%');
    expect(formatLevel(Number.NaN)).toBe('–');
    expect(formatDuration(4.25)).toBe('4.3 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
  });

  it('shows accuracy in percent and RMSE with three significant digits', () => {
    expect(metricView('accuracy').format(0.9781)).toBe('97.8%');
    expect(metricView('rmse').format(3.4171)).toBe('3.42');
    expect(metricView('rmse').format(null)).toBe('–');
  });
});

import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

/** A fake stderr and clock. */
function setup(isTTY: boolean): { written: string[]; stream: { isTTY: boolean; write(text: string): boolean }; clock: { t: number; now: () => number } } {
  const written: string[] = [];
  const clock = { t: 0, now: () => clock.t };
  return { written, stream: { isTTY, write: (text: string) => (written.push(text), true) }, clock };
}

describe('progress on stderr', () => {
  it('is silent during the first second', () => {
    const { written, stream, clock } = setup(false);
    const progress = createProgress('prunus train', { stream, now: clock.now });
    for (let step = 1; step <= 100; step++) {
      clock.t = step * 9; // 0.9 s in all
      progress.update(step, 100, 'fit');
    }
    progress.done();
    expect(written).toEqual([]);
  });

  it('in a log: at most one line per 10% (or per 5 s), never a carriage return', () => {
    const { written, stream, clock } = setup(false);
    const progress = createProgress('prunus train', { stream, now: clock.now });
    for (let step = 1; step <= 1000; step++) {
      clock.t = 1000 + step * 2; // 2 s of steps after the first second
      progress.update(step, 1000, 'MAP fit');
    }
    progress.done();
    expect(written.length).toBeLessThanOrEqual(11);
    expect(written.length).toBeGreaterThanOrEqual(10);
    expect(written.every((line) => line.startsWith('prunus train: MAP fit: ') && line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(written.at(-1)).toBe('prunus train: MAP fit: 1000/1000 (100%, 3 s)\n');
  });

  it('in a log: a slow phase still reports every 5 s', () => {
    const { written, stream, clock } = setup(false);
    const progress = createProgress('x', { stream, now: clock.now });
    for (let step = 1; step <= 20; step++) {
      clock.t = 1000 + step * 1000;
      progress.update(step, 10_000);
    }
    expect(written.map((line) => line.match(/\((\d+) s\)|, (\d+) s\)/)![2])).toEqual(['2', '7', '12', '17']); // the first, then one per 5 s
  });

  it('in a log: an hour-long run with a misleading total (an iteration cap) logs a few dozen lines', () => {
    const { written, stream, clock } = setup(false);
    const progress = createProgress('x', { stream, now: clock.now });
    for (let step = 1; step <= 3600; step++) {
      clock.t = step * 1000;
      progress.update(step, 1_000_000);
    }
    expect(written.length).toBeLessThan(40);
  });

  it('on a terminal: a bar redrawn in place at most ten times a second, erased when done', () => {
    const { written, stream, clock } = setup(true);
    const progress = createProgress('prunus train', { stream, now: clock.now });
    for (let step = 1; step <= 100; step++) {
      clock.t = 1000 + step * 10; // 1 s of steps
      progress.update(step, 100, 'fit');
    }
    progress.done();
    expect(written.length).toBeLessThanOrEqual(12);
    expect(written.every((text) => text.startsWith('\r') && !text.includes('\n'))).toBe(true);
    expect(written.at(-2)).toContain('[########################] 100/100');
    expect(written.at(-1)).toMatch(/^\r +\r$/);
  });

  it('quiet shows nothing', () => {
    const { written, stream, clock } = setup(true);
    const progress = createProgress('x', { stream, now: clock.now, quiet: true });
    clock.t = 10_000;
    progress.update(1, 2);
    progress.done();
    expect(written).toEqual([]);
  });
});

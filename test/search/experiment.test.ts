import { describe, expect, it } from 'vitest';
import { collectResults, planCells, runCell, trainForCell, type CellResult, type ExperimentSettings, type MethodCellResult } from '../../src/search/experiment.js';
import { runCells } from '../../src/search/workers.js';

/** A small, fast experiment on Wine: a 13-3-3 network, three levels, short fits. */
export const SMALL: ExperimentSettings = {
  dataset: { name: 'wine' },
  levels: [0, 50, 90, 100],
  fineTuneEpochs: 2,
  hidden: [3],
  activation: 'tanh',
  testFraction: 0.25,
  inputNoise: [0, 0.5],
  noiseDraws: 3,
  posteriorEpochs: 10,
  variationalEpochs: 60,
};

const stable = (results: unknown): string => JSON.stringify(results, (key, v: unknown) => (key === 'seconds' ? undefined : v));

describe('experiment cells', () => {
  it('at 0% every method is the full model; at 100% the trivial predictor (the training majority class)', () => {
    const trained = trainForCell(SMALL, 1);
    for (const method of ['random', 'magnitude', 'obd', 'variational', 'belsley']) {
      const [cell] = planCells(SMALL, [method], [1], false);
      const result = runCell(cell!, trained) as MethodCellResult;
      expect(result.quality[0]).toBe(result.full);
      expect(result.fineTuned![0]).toBe(result.full);
      expect(result.quality.at(-1)).toBe(result.trivial);
      expect(result.fineTuned!.at(-1)).toBe(result.trivial);
      expect(result.active).toEqual([54, 27, 5, 0]);
      // No output noise without input noise; some with it (while parameters are left).
      expect(result.noise[0]!.every((v) => v === 0)).toBe(true);
      expect(result.noise[1]![0]).toBeGreaterThan(0);
      expect(result.noise[1]!.at(-1)).toBeLessThan(1e-15); // a constant model: only rounding
    }
  }, 120_000);

  it('results.json has the contract’s fields, arrays aligned with the levels, and is the same when run again', async () => {
    const run = async (): Promise<string> => {
      const cells = planCells(SMALL, ['magnitude', 'obd'], [0, 1], false);
      const results: CellResult[] = [];
      await runCells(cells, 0, (r) => results.push(r));
      return stable(collectResults(SMALL, ['magnitude', 'obd'], [0, 1], results, 'prunus experiment --dataset wine'));
    };
    const first = await run();
    const json = JSON.parse(first);
    expect(json).toMatchObject({ dataset: 'wine', task: 'classification', metric: 'accuracy', parameters: 54, seeds: 2, levels: [0, 50, 90, 100], fineTuneEpochs: 2 });
    for (const method of ['magnitude', 'obd']) {
      const m = json.methods[method];
      for (const series of [m.quality, m.fineTuned]) {
        expect(series.mean).toHaveLength(4);
        expect(series.std).toHaveLength(4);
        expect(series.perSeed).toHaveLength(2);
      }
      expect(m.noise.inputStd).toEqual([0, 0.5]);
      expect(m.noise.outputStd).toHaveLength(2);
      expect(m.noise.outputStd[0]).toHaveLength(4);
    }
    expect(json.illustration.kept).toContain('x');
    expect(await run()).toBe(first);
  }, 120_000);

  it('in this thread, on 1 worker thread and on 2 workers, the results are the same', async () => {
    const cells = planCells(SMALL, ['magnitude', 'random'], [0, 1, 2], false);
    const collect = async (workers: number): Promise<string> => {
      const results: CellResult[] = [];
      await runCells(cells, workers, (r) => results.push(r));
      return stable(collectResults(SMALL, ['magnitude', 'random'], [0, 1, 2], results, 'c'));
    };
    const inThread = await collect(0);
    expect(await collect(1)).toBe(inThread);
    expect(await collect(2)).toBe(inThread);
  }, 120_000);
});

/**
 * The vitest configuration of mutation testing (`npm run mutate`, stryker.config.mjs); not used by
 * `npm test`. It runs the unit tests of the mutated folders and their direct users — the CLI,
 * fuzz, report and browser tests exercise wiring and presentation, not the mathematics, and take
 * most of the suite's time; test/index.test.ts is the API's documentation example, a full
 * default training — with a longer per-test timeout, since Stryker's instrumented code
 * (every expression behind a mutant switch and a coverage counter) runs about eight times slower
 * than the original. Stryker still times out a mutant that makes a test loop (its own timeout,
 * from the initial run's durations).
 */
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * Test files in the order that kills a mutant soonest: files that failed last time first (a
 * mutant's neighbours tend to be killed by the same tests), then the quickest. Stryker stops
 * at the first failure (bail), so a killed mutant costs only the files run before it. Vitest's
 * own order runs the longest files first, to balance parallel workers; there is one here.
 */
class FailedThenQuickest extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const state = (file: TestSpecification) => cache.getFileTestResults(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`);
    const rank = (file: TestSpecification): [number, number] => {
      const s = state(file);
      return [s?.failed ? 0 : 1, s?.duration ?? Number.POSITIVE_INFINITY];
    };
    return [...files].sort((a, b) => {
      const [fa, da] = rank(a);
      const [fb, db] = rank(b);
      return fa !== fb ? fa - fb : da === db ? 0 : da < db ? -1 : 1;
    });
  }
}

// Not mergeConfig: it would concatenate `include` with the base's `test/**/*.test.ts`.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/autograd/**/*.test.ts',
      'test/linalg/**/*.test.ts',
      'test/nn/**/*.test.ts',
      'test/pruning/**/*.test.ts',
      'test/search/**/*.test.ts',
      'test/export/**/*.test.ts',
    ],
    testTimeout: 600_000,
    // test/helpers/mutation.ts: the few tests that take tens of seconds instrumented skip themselves.
    env: { ...base.test?.env, PRUNUS_MUTATION_RUN: '1' },
    sequence: { ...base.test?.sequence, sequencer: FailedThenQuickest },
  },
});

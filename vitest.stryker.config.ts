/**
 * The vitest configuration of mutation testing (`npm run mutate`, stryker.config.mjs); not used by
 * `npm test`. It runs the unit tests of the mutated folders and their direct users — the CLI,
 * fuzz, report and browser tests exercise wiring and presentation, not the mathematics, and take
 * most of the suite's time — with a longer per-test timeout, since Stryker's instrumented code
 * (every expression behind a mutant switch and a coverage counter) runs about eight times slower
 * than the original. Stryker still times out a mutant that makes a test loop (its own timeout,
 * from the initial run's durations).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

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
      'test/index.test.ts',
    ],
    testTimeout: 600_000,
    // Skips the seed-study quality tests of test/nn/train.test.ts (three full fits per data set).
    env: { ...base.test?.env, PRUNUS_MUTATION_RUN: '1' },
  },
});

/**
 * The vitest configuration of mutation testing (`npm run mutate`, stryker.config.mjs); not used by
 * `npm test`. It runs the unit tests of the mutated folders and their direct users — the CLI,
 * report and browser tests exercise wiring and presentation, not the mathematics, and take most
 * of the suite's time — with a longer per-test timeout, since Stryker's instrumented code (every
 * expression behind a mutant switch and a coverage counter) runs several times slower than the
 * original. Stryker still times out a mutant that makes a test loop (its own timeout, from the
 * initial run's durations).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
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
    },
  }),
);

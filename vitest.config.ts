import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The suite is CPU-bound numerics; two workers match the two cores of the CI machine.
    maxWorkers: 2,
  },
});

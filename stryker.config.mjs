// Mutation testing with StrykerJS: `npm run mutate` (whole scope), or one folder with
//   npm run mutate -- --mutate 'src/nn/**/*.ts'
// Kept out of `npm test` and CI (it takes hours on two cores). See docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  // The vitest runner (9.6) supports vitest 4.1 (peer dependency vitest >= 2); with `related`
  // each mutant only runs the test files that import (transitively) the mutated file, and
  // perTest coverage narrows that to the tests that reach the mutant.
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Many test files build their model at module level or in beforeAll, so half of the mutants
  // in nn are also reached outside any test ("static"); rerunning the whole suite for each would
  // take weeks. With ignoreStatic a mutant reached by tests too runs those tests; one reached
  // only outside tests is reported as Ignored (docs/mutation.md counts them).
  ignoreStatic: true,
  // Vitest strips types without checking them, so there is nothing to disable.
  disableTypeChecks: false,
  // Stryker rewrites `extends`/`references` of the tsconfig in its sandbox by calling the
  // TypeScript compiler API, which TypeScript 7 (the native compiler) does not have
  // (ts.parseConfigFileTextToJson is not a function). Our tsconfig.json has neither, so point
  // the option at a file that does not exist and the rewrite is skipped.
  tsconfigFile: 'tsconfig.stryker-skip.json',
  // The machine has two cores shared with others: one test-runner process.
  concurrency: 1,
  timeoutMS: 60_000,
  timeoutFactor: 2,
  // The initial run of instrumented code is several times slower than npm test.
  dryRunTimeoutMinutes: 60,
  // Error messages and labels are text, checked by the CLI tests (not run here); the string
  // comparisons that steer the mathematics (task, method and curvature names) are still mutated
  // by the EqualityOperator and ConditionalExpression mutators.
  mutator: { excludedMutations: ['StringLiteral'] },
  mutate: [
    'src/autograd/**/*.ts',
    'src/linalg/**/*.ts',
    'src/nn/**/*.ts',
    'src/pruning/**/*.ts',
    'src/search/**/*.ts',
    '!src/**/index.ts',
  ],
  ignorePatterns: ['dist-all', 'dist-bench', 'coverage', 'reports', 'results', '*.tmp'],
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  clearTextReporter: { logTests: false, allowColor: false },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
};

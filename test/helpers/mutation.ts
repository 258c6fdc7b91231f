/**
 * Whether this is a mutation-testing run (`npm run mutate`: vitest.stryker.config.ts sets
 * PRUNUS_MUTATION_RUN=1). Stryker's instrumented code runs 10–70 times slower than the original
 * in the numeric loops, and each surviving mutant reruns every test that reaches it, so the few
 * statistical or end-to-end tests that take tens of seconds instrumented skip themselves there
 * (`it.skipIf(MUTATION_RUN)`); each says which value test covers what it checks. `npm test` runs
 * them all.
 */
export const MUTATION_RUN = process.env['PRUNUS_MUTATION_RUN'] === '1';

/**
 * What the fuzz suites (test/fuzz/*.fuzz.test.ts) share: run counts, the oracle of a clean
 * failure, case counting and the lines that report the counts.
 *
 * Every property runs with a fixed fast-check seed, so CI always tries the same cases and a
 * failure reproduces. `FUZZ_RUNS` scales the number of cases of every property:
 *
 *     FUZZ_RUNS=20 npx vitest run test/fuzz     # 20 times the CI cases (new ones: the count grows)
 *
 * (default 1; any positive number, e.g. 0.2 for a quick look). The seed stays fixed, so a
 * larger run tries the CI cases first and then more.
 *
 * Each file prints `fuzz: NAME — N cases` when it is done, and the file that finishes last
 * prints the total over the four input paths.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RunResult } from '../helpers/cli.js';

/** The `FUZZ_RUNS` multiplier (default 1). */
export const FUZZ_SCALE: number = (() => {
  const text = process.env['FUZZ_RUNS'];
  if (text === undefined || text.trim() === '') return 1;
  const scale = Number(text);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`FUZZ_RUNS: "${text}" is not a positive number`);
  return scale;
})();

/** The number of cases of a property that runs `base` cases in CI. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_SCALE));
}

/** Counts the cases a file's properties actually ran (shrinking runs included). */
export class CaseCounter {
  private count = 0;
  constructor(readonly name: string) {}

  /** Marks one case as tried. */
  tick(): void {
    this.count++;
  }

  get cases(): number {
    return this.count;
  }

  /**
   * Prints `fuzz: NAME — N cases`, and the total when every fuzz file of this run has
   * reported. Call from `afterAll`.
   */
  report(): void {
    process.stdout.write(`fuzz: ${this.name} — ${this.count} cases\n`);
    recordForTotal(this.name, this.count);
  }
}

/** The names of the four files' counters: the total is printed once all of them reported. */
const FILES = ['csv reader', 'model file reader', 'belsley --samples', 'command-line flags'];

/**
 * Adds a file's count to the run's tally (a folder in the temporary directory named after the
 * vitest process, which every worker shares: its parent with the default `forks` pool, itself
 * with `threads`), and prints the total when the last file of the four reports.
 */
function recordForTotal(name: string, count: number): void {
  const runner = isMainThread ? process.ppid : process.pid;
  const folder = join(tmpdir(), `${COUNTS_PREFIX}${runner}`);
  removeStaleTallies();
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${FILES.indexOf(name)}.count`), String(count));
  const done = readdirSync(folder).filter((f) => f.endsWith('.count'));
  if (done.length < FILES.length) return;
  const total = done.reduce((sum, f) => sum + Number(readFileSync(join(folder, f), 'utf8')), 0);
  rmSync(folder, { recursive: true, force: true });
  process.stdout.write(`fuzz: total — ${total} cases over ${FILES.length} input paths\n`);
}

const COUNTS_PREFIX = 'prunus-fuzz-counts-';

/** Removes the tallies of earlier runs that ran only some of the files (older than an hour). */
function removeStaleTallies(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(COUNTS_PREFIX)) continue;
    const path = join(tmpdir(), entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another worker removed it first.
    }
  }
}

/** fast-check parameters of a property: its fixed seed and its (scaled) number of runs. */
export function params(seed: number, base: number): { seed: number; numRuns: number } {
  return { seed, numRuns: runs(base) };
}

/** Words that give away a bug when a message says them and the input did not. */
const GIVEAWAYS = ['undefined', 'NaN', '[object Object]'];

/**
 * The oracle of a clean failure of `prunus ARGS`: exit 1 (2 for an unknown command), nothing
 * on stdout, exactly one line on stderr starting `prunus COMMAND: ` (`prunus: ` for an unknown
 * command) — so no stack trace — no `undefined`, `NaN` or `[object Object]` in it unless
 * the input itself had the word (a cell `NaN` is named as such), and not the message of an
 * internal check (`fitStandardizer: …`), which means the input was not checked where it is read.
 * `inputs` are the texts the run was given (arguments, file contents). Returns the line.
 */
export function expectCleanFailure(args: readonly string[], result: RunResult, inputs: readonly string[] = []): string {
  const command = args[0] ?? '';
  const line = oneLine(result.stderr);
  expect(result.stdout, `stdout of a failed run of ${JSON.stringify(args)}`).toBe('');
  if (result.code === 2) {
    expect(line.startsWith('prunus: '), `usage error line: ${line}`).toBe(true);
  } else {
    expect(result.code, `exit code of ${JSON.stringify(args)}: ${line}`).toBe(1);
    expect(line.startsWith(`prunus ${command}: `), `error line: ${line}`).toBe(true);
  }
  expectNoGiveaways(line, [...args, ...inputs]);
  // Programming errors say the function that caught them (`fitStandardizer: 0 columns`): input
  // that reaches one was not checked where the user's terms (file, line, column, flag) are known.
  const message = line.slice(line.indexOf(': ') + 2);
  expect(message, `an internal error reached the user: ${line}`).not.toMatch(/^[a-z]+[A-Z][A-Za-z]*: /);
  expectNoEngineError(message);
  return line;
}

/**
 * The JavaScript engine's own errors (a property of undefined read, a stack overflow, an
 * impossible allocation): input that causes one was not checked, and the message names no
 * problem the user can fix.
 */
const ENGINE_ERRORS = [
  /Cannot read propert/, /Cannot set propert/, /is not a function/, /is not iterable/, /is not defined/, /Maximum call stack size exceeded/,
  /Invalid (typed )?array length/, /Array buffer allocation failed/, /Cannot convert/, /Reduce of empty array/, /Invalid string length/,
  /out of memory/i,
];

/** Fails when `message` is one of the engine's own errors ({@link ENGINE_ERRORS}). */
export function expectNoEngineError(message: string): void {
  for (const pattern of ENGINE_ERRORS) expect(message, `a JavaScript engine error reached the user: ${message}`).not.toMatch(pattern);
}

/** The one line of `text` (which must be exactly one line, with its final newline). */
export function oneLine(text: string): string {
  expect(text.endsWith('\n'), `stderr ends with a newline: ${JSON.stringify(text)}`).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  expect(lines, `exactly one stderr line: ${JSON.stringify(text)}`).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\r/);
  return lines[0]!;
}

/** Fails when `message` says one of the give-away words that none of `inputs` contains. */
export function expectNoGiveaways(message: string, inputs: readonly string[]): void {
  for (const word of GIVEAWAYS) {
    if (message.includes(word) && !inputs.some((input) => input.includes(word))) {
      throw new Error(`the message says ${JSON.stringify(word)}, which the input did not: ${message}`);
    }
  }
}

/** A fresh folder under the system temporary directory (remove it in `afterAll`). */
export function scratchFolder(name: string): string {
  const folder = join(tmpdir(), `prunus-fuzz-${name}-${process.pid}-${Date.now()}`);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** Cells that are not what they seem: every one must be read as an error or a missing value. */
export const NASTY_CELLS = [
  'NaN', 'nan', 'Infinity', '-Infinity', '+Infinity', 'inf', '1e400', '-1e400', '1e309', '0x10', '0b1', '0o7', '1,5', '1_000',
  '1e', 'e5', '.', '-', '+', '--1', '1..2', '1.2.3', '١', '１', '1\u00a0', 'true', 'null', 'undefined', '[object Object]', '?',
  'NA', 'n/a', '', ' ', '\t',
] as const;

/** A short string of characters that trip parsers: separators, quotes, line breaks, BOMs, non-ASCII. */
export const trickyString = (maxLength = 8): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom('a', 'b', 'Z', '0', '1', '9', '.', '-', '+', 'e', 'E', ',', '"', '\n', '\r', ' ', '\t', '\uFEFF', 'é', '∞', '😀', '\u0000', '\\', '='),
    maxLength,
  });

/**
 * What every command shares: the error type that becomes a one-line message and a non-zero
 * exit, result output (human text or `--json`), numeric flags, number formatting.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { chunked, jsonPieces } from '../data/json.js';
import type { Metrics } from '../nn/metrics.js';

/** A problem with the user's input: printed as one line, exit code 1, no stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

/** One subcommand of the `prunus` program. */
export interface Command {
  /** The word after `prunus`. */
  readonly name: string;
  /** One line for `prunus --help`. */
  readonly summary: string;
  /** Full usage text for `prunus NAME --help`. */
  readonly usage: string;
  /** Runs the command on its own arguments; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * JSON text in which non-finite numbers become `null` (JSON has no Infinity/NaN), so
 * `--json` output always parses.
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array) return Array.from(v);
      return v;
    },
    indent,
  );
}

/**
 * Writes a command's machine-readable result: the only thing a `--json` run prints on stdout.
 * The text is written in chunks as it is made (arrays of numbers on one line, see
 * `jsonPieces`), so a result with a few arrays of every parameter of a large model is never
 * one string in memory. Non-finite numbers are written as `null`, typed arrays as arrays.
 */
export function printJson(value: unknown): void {
  for (const chunk of chunked(jsonPieces(value))) process.stdout.write(chunk);
  process.stdout.write('\n');
}

/** The process's peak resident memory so far, in MB: what `--json` reports as `memory`. */
export interface MemoryReport {
  readonly peakRssMB: number;
}

/**
 * Peak resident set size of this process so far (the kernel's high-water mark, as `/usr/bin/time
 * -v` reports it), in MB. Every command that does heavy work reports it (docs/cli.md, "Memory").
 */
export function peakMemory(): MemoryReport {
  // maxRSS is in kilobytes (getrusage's ru_maxrss on Linux and macOS alike, as Node reports it).
  return { peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

/** The human form of {@link peakMemory}: the last line of a command's summary. */
export function memoryLine(): string {
  return `peak memory: ${peakMemory().peakRssMB} MB`;
}

/** Atomic output writes live with the other file code (the model file uses them too). */
export { writeFileAtomic } from '../data/files.js';

/** Parses a numeric flag value, naming the flag when it is not a finite number in range. */
export function parseNumberFlag(
  flag: string,
  text: string | undefined,
  fallback: number,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UserError(`--${flag}: "${text}" is not a number`);
  if (integer && !Number.isInteger(value)) throw new UserError(`--${flag}: "${text}" is not an integer`);
  if (value < min || value > max) throw new UserError(`--${flag}: ${value} is outside [${min}, ${max}]`);
  return value;
}

/**
 * A number for human output: four significant digits, exponent form outside [1e-3, 1e5),
 * `∞` for infinities (condition indices of exact dependencies).
 */
export function formatNumber(x: number): string {
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  if (Number.isNaN(x)) return 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : Number(x.toPrecision(4)).toString();
}

/** `accuracy 0.978` or `rmse 3.12, r2 0.871`. */
export function formatMetrics(metrics: Metrics): string {
  return 'accuracy' in metrics ? `accuracy ${metrics.accuracy.toFixed(3)}` : `rmse ${formatNumber(metrics.rmse)}, r2 ${metrics.r2.toFixed(3)}`;
}

/**
 * Refuses an output file that exists (unless `force`), is a folder, or whose folder is missing,
 * before any work is done.
 * @throws {UserError} naming the problem.
 */
export function checkOutputFile(out: string, force: boolean): void {
  const folder = dirname(out);
  if (!existsSync(folder)) throw new UserError(`--out: the folder ${folder} does not exist`);
  if (!existsSync(out)) return;
  if (statSync(out).isDirectory()) throw new UserError(`--out: ${out} is a folder, not a file`);
  if (!force) throw new UserError(`--out: ${out} exists (--force to overwrite it)`);
}

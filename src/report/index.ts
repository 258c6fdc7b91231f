/**
 * Interim stand-in for the report layer (being written on its own branch): results.json only.
 */
import type { ExperimentResults, ExperimentTiming } from '../search/results.js';

/** Writes the report files (interim: nothing). */
export function writeReport(_dir: string, _results: ExperimentResults, _timing?: ExperimentTiming): void {}

/** A one-line-per-method summary (interim). */
export function summaryTable(results: ExperimentResults): string {
  return Object.entries(results.methods)
    .map(([name, m]) => `${name.padEnd(20)} ${m.quality.mean.map((v) => v.toFixed(3)).join(' ')}`)
    .join('\n');
}

/**
 * Runs the `prunus` program in-process for CLI tests, capturing what it writes to stdout and
 * stderr (no build or child process needed).
 */
import { expect, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** What one run printed and returned. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `prunus ARGS`, capturing stdout and stderr. */
export async function runCli(args: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * Runs and expects a failure: exit 1, nothing on stdout, and exactly one stderr line, starting
 * `prunus COMMAND: ` and containing every fragment. Returns that line.
 */
export async function expectCliError(args: string[], ...fragments: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith(`prunus ${args[0]}: `)).toBe(true);
  for (const fragment of fragments) expect(lines[0]).toContain(fragment);
  return lines[0]!;
}

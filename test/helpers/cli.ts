/**
 * Runs the `prunus` program in-process for CLI tests, capturing what it writes to stdout and
 * stderr (no build or child process needed).
 */
import { vi } from 'vitest';
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

/** Runs and expects a failure: exit 1, nothing on stdout, one stderr line containing every fragment. */
export async function expectCliError(args: string[], ...fragments: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  const lines = stderr.trimEnd().split('\n');
  if (code !== 1 || stdout !== '' || lines.length !== 1) {
    throw new Error(`expected one error line and exit 1, got exit ${code}, stdout ${JSON.stringify(stdout.slice(0, 200))}, stderr ${JSON.stringify(stderr.slice(0, 400))}`);
  }
  for (const fragment of fragments) {
    if (!lines[0]!.includes(fragment)) throw new Error(`error line ${JSON.stringify(lines[0])} does not contain ${JSON.stringify(fragment)}`);
  }
  return lines[0]!;
}

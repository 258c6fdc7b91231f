#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`prunus predict --json | head`) closes the pipe: that is not an
// error of ours, so stop quietly instead of printing a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`prunus: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

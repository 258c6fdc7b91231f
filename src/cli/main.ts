/**
 * The `prunus` program: dispatches `prunus COMMAND ...` to one module per command.
 * Results go to stdout (JSON with `--json`), progress and errors to stderr.
 */
import { UserError, type Command } from './common.js';

/** Every command, loaded on demand so `prunus belsley` does not pay for training code. */
const commands: Record<string, () => Promise<Command>> = {
  belsley: async () => (await import('./belsley.js')).belsleyCommand,
  train: async () => (await import('./train.js')).trainCommand,
  predict: async () => (await import('./predict.js')).predictCommand,
  relevance: async () => (await import('./relevance.js')).relevanceCommand,
  select: async () => (await import('./select.js')).selectCommand,
  experiment: async () => (await import('./experiment.js')).experimentCommand,
  cell: async () => (await import('./cell.js')).cellCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  shrink: async () => (await import('./shrink.js')).shrinkCommand,
  export: async () => (await import('./export.js')).exportCommand,
};

async function programUsage(): Promise<string> {
  const loaded = await Promise.all(Object.values(commands).map((load) => load()));
  return [
    'prunus — find the optimal structure of a neural network by pruning it.',
    '',
    'Usage: prunus COMMAND [options]   (prunus COMMAND --help for its options)',
    '',
    'Commands:',
    ...loaded.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`),
  ].join('\n');
}

/**
 * Runs the program on its arguments (without `node` and the script path).
 * @returns the process exit code: 0 on success, 1 on bad input or failure, 2 on a usage error.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await programUsage()) + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (load === undefined) {
    process.stderr.write(`prunus: unknown command ${JSON.stringify(name)} (one of: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // Every failure is one line naming the problem; PRUNUS_DEBUG=1 adds the stack for bug reports.
    process.stderr.write(`prunus ${name}: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    if (process.env['PRUNUS_DEBUG'] && err instanceof Error && !(err instanceof UserError)) {
      process.stderr.write(`${err.stack ?? ''}\n`);
    }
    return 1;
  }
}

/**
 * A message as one line: Node's own argument errors span three (`Option '--model' argument is
 * ambiguous.` and two hints), and a flag value or file name may hold a line break.
 */
function oneLine(message: string): string {
  return message
    .split(/\r\n|\r|\n/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

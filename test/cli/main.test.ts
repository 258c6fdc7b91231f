import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// Fixed examples of the bugs the fuzz suite (test/fuzz/flags.fuzz.test.ts) found in the
// dispatcher: every failure is one stderr line, whatever the command name or the message.
describe('prunus (the dispatcher): regressions found by fuzzing', () => {
  it("prints Node's three-line message for a flag missing its value (--model --json) as one line", async () => {
    const { code, stdout, stderr } = await runCli(['predict', '--model', '--json']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "prunus predict: Option '--model' argument is ambiguous. Did you forget to specify the option argument for '--model'? To specify an option argument starting with a dash use '--model=-XYZ'.\n",
    );
  });

  it('prints a message quoting a value with a line break as one line', async () => {
    const { code, stderr } = await runCli(['train', '--dataset', 'wine', '--out', 'x.json', '--task', 'regr\nession']);
    expect(code).toBe(1);
    expect(stderr).toBe('prunus train: --task: "regr ession" is not a task (classification or regression)\n');
  });

  it('an unknown command named like an Object property (constructor, __proto__, toString) is a usage error, exit 2', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'unknown\ncommand']) {
      const { code, stdout, stderr } = await runCli([name, '--help']);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`prunus: unknown command ${JSON.stringify(name)} (one of: belsley, train, predict, relevance, select, experiment, cell, demo, shrink, export)\n`);
    }
  });
});

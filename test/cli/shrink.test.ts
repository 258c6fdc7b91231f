import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { predictRaw } from '../../src/nn/model.js';
import { formatModelFile, readModelFile } from '../../src/nn/modelfile.js';
import { pruneByMagnitude, randomModel, randomRows, relativeError, selectColumns } from '../export/models.js';
import { expectCliError, runCli } from '../helpers/cli.js';

const folder = mkdtempSync(join(tmpdir(), 'prunus-shrink-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const full = randomModel({ seed: 31, task: 'classification', inputs: 6, hidden: [8, 5], activations: ['tanh', 'relu'], pruneRate: 0 });
const pruned = pruneByMagnitude(full, 3, 0.7);
const prunedPath = join(folder, 'pruned.json');
writeFileSync(prunedPath, formatModelFile(pruned));

interface ShrinkJson {
  before: { sizes: number[]; parameters: number; active: number; bytes: number };
  after: { sizes: number[]; parameters: number; active: number; bytes: number };
  removedUnits: { name: string; reason: string }[];
  removedFeatures: string[];
  out: string;
}

describe('prunus shrink', () => {
  it('--json: sizes, parameters and bytes before and after; the saved model predicts the same', async () => {
    const out = join(folder, 'shrunk.json');
    const { code, stdout, stderr } = await runCli(['shrink', '--model', prunedPath, '--out', out, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const result = JSON.parse(stdout) as ShrinkJson;
    expect(result.before.sizes).toEqual([6, 8, 5, 3]);
    expect(result.before.bytes).toBe(statSync(prunedPath).size);
    expect(result.after.bytes).toBe(statSync(out).size);
    expect(result.after.parameters).toBeLessThan(result.before.parameters);
    expect(result.after.bytes).toBeLessThan(result.before.bytes);
    expect(result.removedUnits.length).toBeGreaterThanOrEqual(3);
    const shrunk = readModelFile(out);
    expect(shrunk.network.sizes).toEqual(result.after.sizes);
    const rows = randomRows(pruned, 10, 1);
    expect(relativeError(predictRaw(shrunk, selectColumns(rows, pruned.features, shrunk.features)), predictRaw(pruned, rows))).toBeLessThan(1e-12);
  });

  it('human output names what was removed', async () => {
    const out = join(folder, 'shrunk-human.json');
    const { code, stdout } = await runCli(['shrink', '--model', prunedPath, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('architecture: 6-8-5-3 → ');
    expect(stdout).toMatch(/parameters: {3}\d+ → \d+ \(active \d+ → \d+\)/);
    expect(stdout).toMatch(/removed: {6}\d+ hidden units \(h\d\[\d\]/);
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const out = join(folder, 'exists.json');
    writeFileSync(out, 'keep me');
    await expectCliError(['shrink', '--model', prunedPath, '--out', out], `--out: ${out} exists (--force to overwrite it)`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await runCli(['shrink', '--model', prunedPath, '--out', out, '--force', '--json'])).code).toBe(0);
    expect(readModelFile(out).features.length).toBeGreaterThan(0);
  });

  it('bad input: one line and exit 1, nothing written', async () => {
    const out = join(folder, 'never.json');
    await expectCliError(['shrink', '--out', out], '--model FILE is required');
    await expectCliError(['shrink', '--model', prunedPath], '--out FILE is required');
    await expectCliError(['shrink', '--model', join(folder, 'missing.json'), '--out', out], 'no such file');
    await expectCliError(['shrink', '--model', prunedPath, '--out', join(folder, 'no', 'such', 'x.json')], 'does not exist');
    writeFileSync(join(folder, 'bad.json'), '{"format": "prunus-mlp"}');
    await expectCliError(['shrink', '--model', join(folder, 'bad.json'), '--out', out], 'version');
    expect(existsSync(out)).toBe(false);
  });
});

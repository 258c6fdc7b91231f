/**
 * Fuzzing the CSV reader (src/data/csv.ts) and the commands that read CSV files: every input
 * is read exactly as written or refused with one line naming the file and the line (and the
 * column, for a cell). The expected outcome of every case comes from what was generated and
 * from an independent reading of the rules (reference-csv.ts), never from the reader itself.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, readCsvFile, toFeatureTable, type FeatureTable } from '../../src/data/csv.js';
import { DataError } from '../../src/data/errors.js';
import { MLP } from '../../src/nn/mlp.js';
import { predictRaw, type Model } from '../../src/nn/model.js';
import { readModelFile, writeModelFile } from '../../src/nn/modelfile.js';
import { Random } from '../../src/random/random.js';
import { runCli } from '../helpers/cli.js';
import { csvStyle, generatedTable, lineBreaks, spelledNumber, writeCsv, type GeneratedTable } from './csv-model.js';
import { CaseCounter, expectCleanFailure, NASTY_CELLS, params, scratchFolder, trickyString } from './fuzz.js';
import { expectedTable, referenceMissing, referenceNumber, referenceParse, type Expected } from './reference-csv.js';

const counter = new CaseCounter('csv reader');
const folder = scratchFolder('csv');
afterAll(() => {
  counter.report();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs `read` and checks its outcome against `expected`: the same table, or a DataError saying every fragment in one line. */
function expectOutcome(read: () => FeatureTable, expected: Expected): void {
  let table: FeatureTable;
  try {
    table = read();
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    const message = err.message;
    if (expected.ok) throw new Error(`the reader refused a good file: ${message}`);
    expect(message).not.toMatch(/[\r\n]/);
    for (const fragment of expected.fragments) expect(message).toContain(fragment);
    return;
  }
  if (!expected.ok) throw new Error(`the reader accepted a bad file (expected an error saying ${JSON.stringify(expected.fragments)})`);
  expect(table.features).toEqual(expected.features);
  expect(table.target).toBe(expected.target);
  expect(table.n).toBe(expected.lines.length);
  expect(table.m).toBe(expected.features.length);
  // Every number is the one written: compared bit for bit (Object.is would also tell -0 from 0).
  expect(Array.from(table.x)).toEqual(expected.x);
  expect(table.labels).toEqual(expected.labels);
  expect(table.lines).toEqual(expected.lines);
  expect(table.droppedRows).toBe(expected.dropped);
}

/** The header and rows of a generated table as cells. */
function cellsOf(table: GeneratedTable): { header: string[]; rows: string[][] } {
  return { header: table.names, rows: table.cells };
}

/** The target option for a generated table: its label column by name, or none. */
function targetOf(table: GeneratedTable): string | null {
  return table.labelColumn >= 0 ? table.names[table.labelColumn]! : null;
}

/** Characters that text mutations insert: separators, quotes, line breaks, a BOM, non-ASCII. */
const mutationChar = fc.constantFrom(',', '"', '\n', '\r', ' ', '\uFEFF', 'x', '1', '.', 'e', '-', '\u0000', 'é', '😀');

/** One edit of CSV text, at a position given as a fraction of its length. */
type TextMutation =
  | { kind: 'truncate' | 'delete'; at: number }
  | { kind: 'insert' | 'replace'; at: number; text: string }
  | { kind: 'bom' | 'crlf' | 'duplicate-line' };

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('truncate' as const, 'delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constantFrom('insert' as const, 'replace' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(
      { weight: 6, arbitrary: mutationChar },
      { weight: 2, arbitrary: fc.constantFrom(...NASTY_CELLS) },
      // Very long runs: a line of a hundred thousand characters must cost time linear in it.
      { weight: 1, arbitrary: fc.constantFrom('9'.repeat(100_000), '9'.repeat(60_000) + 'x', ','.repeat(20_000), '"'.repeat(20_001), ' '.repeat(50_000)) },
    ),
  }),
  fc.record({ kind: fc.constantFrom('bom' as const, 'crlf' as const, 'duplicate-line' as const) }),
);

function mutate(text: string, mutation: TextMutation): string {
  if (!('at' in mutation)) {
    if (mutation.kind === 'bom') return `\uFEFF${text}`;
    if (mutation.kind === 'crlf') return text.replace(/\r?\n/g, '\r\n');
    const lines = text.split('\n');
    return [...lines.slice(0, 2), ...lines.slice(1)].join('\n');
  }
  const at = Math.min(text.length, Math.floor(mutation.at * (text.length + 1)));
  switch (mutation.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + mutation.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + mutation.text + text.slice(at + 1);
  }
}

describe('fuzz: the CSV reader', () => {
  it('reads every generated table exactly, however it is written (BOM, CRLF or CR, quotes, blank lines, padded numbers)', () => {
    fc.assert(
      fc.property(generatedTable(), csvStyle, fc.boolean(), (table, style, dropMissing) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const { text, lines } = writeCsv(header, rows, style);
        const target = targetOf(table);
        const expected = expectedTable(text, 'gen.csv', target, dropMissing);
        // The generated table is its own oracle: the reference reads it as written, line numbers included.
        if (rows.length > 0) {
          expect(expected).toMatchObject({ ok: true, lines, features: header.filter((_, c) => c !== table.labelColumn) });
        }
        expectOutcome(() => toFeatureTable(parseCsv(text, { source: 'gen.csv' }), { target, dropMissing }), expected);
      }),
      params(0xc5f1, 600),
    );
  });

  it('a cell replaced by NaN, Infinity, 1e400, 0x10, "", " 1 ", 1,5 … is read as written or refused naming its line and column', () => {
    const token = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...NASTY_CELLS) },
      { weight: 2, arbitrary: trickyString(6) },
      { weight: 1, arbitrary: spelledNumber.map((s) => s.text) },
    );
    const edit = fc.record({ row: fc.nat(), column: fc.nat(), token });
    fc.assert(
      fc.property(generatedTable(4, 5), csvStyle, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (table, style, edits, dropMissing) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const cells = rows.map((row) => [...row]);
        for (const { row, column, token: t } of edits) if (cells.length > 0) cells[row % cells.length]![column % header.length] = t;
        const { text } = writeCsv(header, cells, style);
        const target = targetOf(table);
        expectOutcome(() => toFeatureTable(parseCsv(text, { source: 'gen.csv' }), { target, dropMissing }), expectedTable(text, 'gen.csv', target, dropMissing));
      }),
      params(0xc5f2, 600),
    );
  });

  it('truncated, edited and very long input is read as the rules say, in time linear in its length', () => {
    fc.assert(
      fc.property(generatedTable(4, 5), csvStyle, fc.array(textMutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (table, style, mutations, dropMissing) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const text = mutations.reduce(mutate, writeCsv(header, rows, style).text);
        const start = performance.now();
        expectOutcome(() => toFeatureTable(parseCsv(text, { source: 'gen.csv' }), { dropMissing }), expectedTable(text, 'gen.csv', undefined, dropMissing));
        // A 100 000-character line takes about a millisecond to read; a second means a
        // quadratic (or worse) path, which an adversarial file would turn into a hang.
        expect(performance.now() - start).toBeLessThan(1000);
      }),
      params(0xc5f3, 600),
    );
  });

  it('a cell of up to 100 000 characters (digits with something odd at the end) is read or refused in linear time', () => {
    const long = fc
      .tuple(fc.constantFrom('', '-', '+', '.', '1.', '"'), fc.integer({ min: 10_000, max: 100_000 }), fc.constantFrom('', 'x', '.', 'e', 'e+', '.5x', 'e5', ' ', ','))
      .map(([head, length, tail]) => `${head}${'9'.repeat(length)}${tail}`);
    fc.assert(
      fc.property(generatedTable(3, 3).filter((t) => t.cells.length > 0), long, fc.nat(), fc.boolean(), (table, cell, at, quoteAll) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const cells = rows.map((row) => [...row]);
        cells[at % cells.length]![Math.floor(at / cells.length) % header.length] = cell;
        const { text } = writeCsv(header, cells, { bom: false, eol: '\n', quoteAll, finalEol: true, blank: [] });
        const target = targetOf(table);
        const start = performance.now();
        expectOutcome(() => toFeatureTable(parseCsv(text, { source: 'gen.csv' }), { target }), expectedTable(text, 'gen.csv', target, false));
        // Reading 100 000 characters takes about a millisecond; a second means a quadratic path
        // (a backtracking number pattern took a minute on such a cell), a hang on a larger one.
        expect(performance.now() - start).toBeLessThan(1000);
      }),
      params(0xc5f8, 40),
    );
  });

  it('shapes at the edges: empty file, header only, one row, one column, duplicate header', () => {
    const shapes = fc.oneof(
      fc.constantFrom('', '\uFEFF', '\n\n', '\r\n', ' ', ',', '""', 'a', 'a\n', 'a,a\n1,2\n', 'a, a \n1,2\n', 'a,,b\n', 'a\n1', 'a\n""\n', 'a\n\n1\n', '"a\nb"\n1\n'),
      fc.tuple(trickyString(4), trickyString(4)).map(([h, r]) => `${h}\n${r}\n`),
      fc.tuple(trickyString(4), trickyString(4), trickyString(4)).map(([a, b, r]) => `${a},${b}\n${r},${r}\n`),
    );
    fc.assert(
      fc.property(shapes, fc.boolean(), (text, dropMissing) => {
        counter.tick();
        expectOutcome(() => toFeatureTable(parseCsv(text, { source: 'gen.csv' }), { target: null, dropMissing }), expectedTable(text, 'gen.csv', null, dropMissing));
      }),
      params(0xc5f4, 300),
    );
  });

  it('bytes that are not UTF-8 are refused naming the file and the line; UTF-8 is read as text', () => {
    const invalid = fc.constantFrom(
      [0xff], [0xfe, 0xff], [0xc3], [0xe9], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x82],
    );
    const byteEdit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: invalid });
    fc.assert(
      fc.property(generatedTable(3, 4), csvStyle, fc.array(byteEdit, { maxLength: 2 }), fc.constantFrom('utf8' as const, 'latin1' as const, 'utf16le' as const), (table, style, edits, encoding) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const { text } = writeCsv(header, rows, style);
        let bytes = Buffer.from(text, encoding);
        for (const { at, bytes: inserted } of edits) {
          const k = Math.floor(at * (bytes.length + 1));
          bytes = Buffer.concat([bytes.subarray(0, k), Buffer.from(inserted), bytes.subarray(k)]);
        }
        const path = join(folder, 'bytes.csv');
        writeFileSync(path, bytes);
        const read = (): FeatureTable => toFeatureTable(readCsvFile(path), { target: targetOf(table) });
        const decoded = utf8(bytes);
        if (decoded !== null) {
          expectOutcome(read, expectedTable(decoded, path, targetOf(table), false));
          return;
        }
        // The line of the first byte that is not UTF-8, counting line breaks as the reader does.
        const line = 1 + lineBreaks(bytes.subarray(0, firstInvalidByte(bytes)).toString('latin1'));
        expectOutcome(read, { ok: false, fragments: [`${path} line ${line}:`, 'not UTF-8'] });
      }),
      params(0xc5f5, 300),
    );
  });
});

/** The text of UTF-8 bytes, or null when they are not UTF-8 (the platform's strict decoder). */
function utf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The offset of the first byte that is not UTF-8: the longest prefix the strict decoder accepts in whole. */
function firstInvalidByte(bytes: Uint8Array): number {
  // Grow the prefix one byte at a time: a prefix ending inside a character is invalid only
  // because it was cut, so a prefix is good when some extension of at most 3 bytes decodes.
  let good = 0;
  for (let end = 1; end <= bytes.length; end++) {
    for (let extra = 0; extra <= 3 && end + extra <= bytes.length; extra++) {
      if (utf8(bytes.subarray(0, end + extra)) !== null) {
        good = end + extra;
        break;
      }
    }
    if (good < end) return good;
  }
  return bytes.length;
}

describe('fuzz: commands that read CSV files', () => {
  // A 2-3-2 classifier on features a and b, target y: predict must give, for a generated file,
  // exactly the model's predictions of the numbers written, or refuse it in one line.
  const net = MLP.initialized([2, 3, 2], ['tanh', 'identity'], new Random(7));
  const model: Model = {
    network: net, task: 'classification', features: ['a', 'b'], target: 'y', classes: ['0', '1'],
    inputScaling: { mean: [0.5, -1], std: [2, 0.25] }, targetScaling: null,
  };
  const modelPath = join(folder, 'model.json');
  writeModelFile(modelPath, model);

  /** Columns a, b and y (classes 0 and 1) in any order, with an extra column of anything. */
  const predictTable = fc
    .tuple(
      fc.shuffledSubarray(['a', 'b', 'y', 'note'], { minLength: 2, maxLength: 4 }),
      fc.array(fc.tuple(spelledNumber, spelledNumber, fc.constantFrom('0', '1', ' 1 ', '1.0', '+0', '2', 'cat'), trickyString(4)), { maxLength: 6 }),
    )
    .map(([names, rows]) => ({
      names,
      rows: rows.map(([a, b, y, note]) => names.map((name) => ({ a: a.text, b: b.text, y, note })[name as 'a' | 'b' | 'y' | 'note'])),
    }));

  it('prunus predict reads the model\'s columns by name and predicts exactly the numbers written, or fails in one line', async () => {
    await fc.assert(
      fc.asyncProperty(predictTable, csvStyle, fc.array(textMutation, { maxLength: 2 }), fc.boolean(), async ({ names, rows }, style, mutations, dropMissing) => {
        counter.tick();
        const text = mutations.reduce(mutate, writeCsv(names, rows, style).text);
        const path = join(folder, 'predict.csv');
        writeFileSync(path, text);
        const args = ['predict', '--model', modelPath, '--dataset', path, '--json', '--quiet', ...(dropMissing ? ['--drop-missing'] : [])];
        const result = await runCli(args);
        const expected = expectedPrediction(text, path, dropMissing);
        if (!expected.ok) {
          const line = expectCleanFailure(args, result, [text]);
          for (const fragment of expected.fragments) expect(line).toContain(fragment);
          return;
        }
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const json = JSON.parse(result.stdout) as { rows: number; droppedRows: number; predictions: { label: string; probabilities: number[] }[]; metrics: { accuracy: number } | null };
        expect(json.rows).toBe(expected.n);
        expect(json.droppedRows).toBe(expected.dropped);
        const probabilities = predictRaw(model, Float64Array.from(expected.x));
        expect(json.predictions.map((p) => p.probabilities).flat()).toEqual(Array.from(probabilities));
        if (expected.truth === null) expect(json.metrics).toBeNull();
        else {
          const hits = expected.truth.filter((k, i) => (probabilities[2 * i + 1]! > probabilities[2 * i]! ? 1 : 0) === k).length;
          expect(json.metrics).toEqual({ accuracy: hits / expected.n });
        }
      }),
      params(0xc5f6, 150),
    );
  });

  /**
   * What `prunus predict` must do with the text: the reference parse, the columns a, b (and y
   * when present: classes "0"/"1", numerically as "1.0" or "+0"), other columns ignored.
   */
  function expectedPrediction(text: string, source: string, dropMissing: boolean):
    | { ok: true; n: number; dropped: number; x: number[]; truth: number[] | null }
    | { ok: false; fragments: string[] } {
    const parsed = referenceParse(text);
    if (!parsed.ok) return { ok: false, fragments: parsed.line === null ? [`${source}: the file is empty`] : [`${source} line ${parsed.line}`] };
    const missingColumns = ['a', 'b'].filter((name) => !parsed.header.includes(name));
    if (missingColumns.length > 0) return { ok: false, fragments: [`${source}: no column "${missingColumns[0]}"`] };
    const used = parsed.header.includes('y') ? ['a', 'b', 'y'] : ['a', 'b'];
    const columns = used.map((name) => parsed.header.indexOf(name));
    const x: number[] = [];
    const truth: number[] = [];
    let dropped = 0;
    for (const row of parsed.rows) {
      const cells = columns.map((c) => row.cells[c]!);
      const missing = cells.findIndex(referenceMissing);
      if (missing >= 0) {
        if (dropMissing) {
          dropped++;
          continue;
        }
        return { ok: false, fragments: [`${source} line ${row.line}, column "${used[missing]}": missing value`] };
      }
      for (let k = 0; k < 2; k++) {
        const number = referenceNumber(cells[k]!);
        if (typeof number === 'string') return { ok: false, fragments: [`${source} line ${row.line}, column "${used[k]}"`, number] };
        x.push(number.value);
      }
      if (used.length === 3) {
        const cell = cells[2]!.trim();
        const number = referenceNumber(cell);
        const k = cell === '0' || cell === '1' ? Number(cell) : typeof number !== 'string' && (number.value === 0 || number.value === 1) ? number.value : -1;
        if (k < 0) return { ok: false, fragments: [`${source} line ${row.line}, column "y": class ${JSON.stringify(cell)} is not one the model knows`] };
        truth.push(k);
      }
    }
    if (x.length === 0) return { ok: false, fragments: [dropped > 0 ? `all ${dropped} rows have missing values` : 'there are no data rows'] };
    return { ok: true, n: x.length / 2, dropped, x, truth: used.length === 3 ? truth : null };
  }

  it('prunus train on numbers up to ±1.8e308 trains a model with finite scaling and predictions, or names the column too wide to standardize', async () => {
    const huge = fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, 8.9e307, 1e300, -1e300, 1e154, 3, -2, 0.5, 5e-324);
    const rows = fc.array(fc.tuple(huge, huge), { minLength: 6, maxLength: 10 });
    await fc.assert(
      fc.asyncProperty(rows, async (values) => {
        counter.tick();
        const cells = values.map(([a, b], i) => [String(a), String(b), String(i % 2)]);
        const path = join(folder, 'huge.csv');
        const out = join(folder, 'huge.json');
        writeFileSync(path, writeCsv(['a', 'b', 'y'], cells, { bom: false, eol: '\n', quoteAll: false, finalEol: true, blank: [] }).text);
        const args = ['train', '--dataset', path, '--hidden', '2', '--alpha', '1', '--quiet', '--json', '--out', out, '--force'];
        const result = await runCli(args);
        // Standardizing computes x − mean: it needs every difference of two values of a column to be finite.
        const tooWide = [0, 1].find((j) => !Number.isFinite(Math.max(...values.map((v) => v[j]!)) - Math.min(...values.map((v) => v[j]!))));
        if (tooWide !== undefined) {
          const line = expectCleanFailure(args, result);
          expect(line).toContain(`column "${'ab'[tooWide]}"`);
          expect(line).toContain('too far apart');
          return;
        }
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        const saved = readModelFile(out);
        expect([...saved.inputScaling!.mean, ...saved.inputScaling!.std].every(Number.isFinite)).toBe(true);
        const probabilities = predictRaw(saved, Float64Array.from(values.flat()));
        expect(Array.from(probabilities).every((p) => p >= 0 && p <= 1)).toBe(true);
      }),
      params(0xc5f9, 30),
    );
  }, 120_000);

  it('prunus train on a generated or edited file trains on exactly the rows written, or fails in one line', async () => {
    const trainTable = generatedTable(3, 10).filter((t) => t.cells.length >= 4);
    await fc.assert(
      fc.asyncProperty(trainTable, csvStyle, fc.array(textMutation, { maxLength: 1 }), async (table, style, mutations) => {
        counter.tick();
        const { header, rows } = cellsOf(table);
        const text = mutations.reduce(mutate, writeCsv(header, rows, style).text);
        const path = join(folder, 'train.csv');
        const out = join(folder, 'trained.json');
        writeFileSync(path, text);
        const args = ['train', '--dataset', path, '--hidden', '2', '--alpha', '1', '--quiet', '--json', '--out', out, '--force'];
        const result = await runCli(args);
        const expected = expectedTable(text, path, undefined, false);
        if (result.code !== 0) {
          const line = expectCleanFailure(args, result, [text]);
          if (!expected.ok) for (const fragment of expected.fragments) expect(line).toContain(fragment);
          return;
        }
        // It trained: the file must have been readable, with the rows and columns written.
        if (!expected.ok) throw new Error(`train accepted a file the rules refuse (${expected.fragments.join('; ')})`);
        const json = JSON.parse(result.stdout) as { rows: { train: number; test: number; dropped: number }; target: string };
        expect(json.rows.train + json.rows.test).toBe(expected.lines.length);
        expect(json.target).toBe(expected.target);
        // And what it saved is a model file prunus reads back, on the columns written.
        const saved = readModelFile(out);
        expect(saved.features).toEqual(expected.features);
        expect(saved.inputScaling!.mean.every(Number.isFinite) && saved.inputScaling!.std.every((s) => s > 0 && Number.isFinite(s))).toBe(true);
      }),
      params(0xc5f7, 60),
    );
  }, 120_000);
});

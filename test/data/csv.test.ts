import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, formatMatrixCsv, parseCsv, readCsvFile, toFeatureTable } from '../../src/data/csv.js';
import { DataError } from '../../src/data/errors.js';

/** The DataError message `fn` throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const t = parseCsv('name,note\n"Smith, J","said ""hi"""\n"multi\nline",x\nplain,""\n');
    expect(t.header).toEqual(['name', 'note']);
    expect(t.rows).toEqual([
      ['Smith, J', 'said "hi"'],
      ['multi\nline', 'x'],
      ['plain', ''],
    ]);
    // The row after a two-line quoted field starts on line 5, not 4.
    expect(t.lines).toEqual([2, 3, 5]);
  });

  it('reads CRLF like LF, and skips trailing empty lines', () => {
    const lf = parseCsv('a,b\n1,2\n3,4\n');
    const crlf = parseCsv('a,b\r\n1,2\r\n3,4\r\n\r\n\r\n');
    expect(crlf).toEqual(lf);
    expect(parseCsv('a,b\n1,2\n3,4\n\n\n')).toEqual(lf);
    expect(parseCsv('a,b\n1,2\n3,4')).toEqual(lf);
  });

  it('counts lines correctly across blank lines and CRLF inside quotes', () => {
    const t = parseCsv('a,b\r\n\r\n"x\r\ny",1\r\nz,2\r\n');
    expect(t.lines).toEqual([3, 5]);
    expect(t.rows[0]).toEqual(['x\r\ny', '1']);
  });

  it('ignores a UTF-8 byte-order mark and trims header names', () => {
    const t = parseCsv('\uFEFF a ,b\n1,2\n');
    expect(t.header).toEqual(['a', 'b']);
  });

  it('rejects a ragged row, naming its line and the expected and found counts', () => {
    const msg = errorOf(() => parseCsv('a,b,c\n1,2,3\n4,5\n', { source: 'f.csv' }));
    expect(msg).toContain('f.csv line 3');
    expect(msg).toMatch(/expected 3 fields.*found 2/);
  });

  it('rejects an unclosed quote, text after a closing quote, duplicate and empty column names', () => {
    expect(errorOf(() => parseCsv('a,b\n1,"oops\n2,3\n'))).toContain('line 2');
    expect(errorOf(() => parseCsv('a,b\n1,"x"y\n'))).toMatch(/line 2.*after a closing quote/);
    expect(errorOf(() => parseCsv('a,a\n1,2\n'))).toContain('"a" appears twice');
    expect(errorOf(() => parseCsv('a,,c\n1,2,3\n'))).toContain('column 2');
    expect(errorOf(() => parseCsv('\n\n', { source: 'e.csv' }))).toContain('e.csv');
  });

  it('reads back what formatCsv writes, for any cells', () => {
    // Characters that need quoting, or that a careless writer would lose (BOM, CR, spaces).
    const unit = fc.constantFrom('a', 'Z', '1', ',', '"', '\n', '\r', ' ', '\uFEFF', 'é');
    const cell = fc.string({ unit, maxLength: 6 });
    const name = cell.map((s) => s.trim()).filter((s) => s !== '');
    const table = fc.uniqueArray(name, { minLength: 1, maxLength: 4 }).chain((header) =>
      fc.record({
        header: fc.constant(header),
        rows: fc.array(fc.array(cell, { minLength: header.length, maxLength: header.length }), { maxLength: 5 }),
      }),
    );
    fc.assert(
      fc.property(table, ({ header, rows }) => {
        const back = parseCsv(formatCsv(header, rows));
        expect(back.header).toEqual(header);
        expect(back.rows).toEqual(rows);
      }),
    );
  });

  it('writes numbers so that they read back to the same Float64 values', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(finite, { minLength: 1, maxLength: 40 }), (m, values) => {
        const n = Math.floor(values.length / m);
        fc.pre(n >= 1);
        const x = Float64Array.from(values.slice(0, n * m));
        const header = Array.from({ length: m }, (_, j) => `c${j}`);
        const back = toFeatureTable(parseCsv(formatMatrixCsv(header, x, n, m)), { target: null });
        expect(Array.from(back.x)).toEqual(Array.from(x));
      }),
    );
  });
});

describe('toFeatureTable', () => {
  const wineLike = 'alcohol,ash,class\n14.2,2.43,0\n13.2,2.14,1\n12.4,2.5,2\n';

  it('reads features as numbers and the target (default: last column) as strings', () => {
    const t = toFeatureTable(parseCsv('a,label,b\n1,cat,2e-1\n -3 ,dog,+4.5\n'), { target: 'label' });
    expect(t.features).toEqual(['a', 'b']);
    expect(Array.from(t.x)).toEqual([1, 0.2, -3, 4.5]);
    expect(t.labels).toEqual(['cat', 'dog']);
    expect(toFeatureTable(parseCsv(wineLike)).target).toBe('class');
  });

  it('names file, line and column for a cell that is not a number', () => {
    const text = wineLike.replace('2.14', 'abc');
    const msg = errorOf(() => toFeatureTable(parseCsv(text, { source: 'wine.csv' })));
    expect(msg).toBe('wine.csv line 3, column "ash": "abc" is not a number');
    // Hex, infinities and blanks are not plain decimal numbers either.
    for (const bad of ['0x1A', 'Infinity', '1e999', '1,5']) {
      const quoted = `"${bad}"`;
      expect(errorOf(() => toFeatureTable(parseCsv(`a,y\n${quoted},1\n`)))).toContain('line 2, column "a"');
    }
  });

  it('fails on a missing value, naming line and column, unless dropMissing', () => {
    for (const token of ['', 'NA', 'NaN', '?', 'na', ' n/a ']) {
      const text = `a,b,y\n1,2,0\n3,${token},1\n5,6,1\n`;
      const msg = errorOf(() => toFeatureTable(parseCsv(text, { source: 'm.csv' })));
      expect(msg).toMatch(/^m\.csv line 3, column "b": missing value/);
      const kept = toFeatureTable(parseCsv(text), { dropMissing: true });
      expect(kept.droppedRows).toBe(1);
      expect(kept.n).toBe(2);
      expect(Array.from(kept.x)).toEqual([1, 2, 5, 6]);
      expect(kept.lines).toEqual([2, 4]);
    }
  });

  it('treats a missing target like a missing feature', () => {
    const text = 'a,y\n1,\n2,1\n';
    expect(errorOf(() => toFeatureTable(parseCsv(text)))).toContain('line 2, column "y"');
    expect(toFeatureTable(parseCsv(text), { dropMissing: true }).labels).toEqual(['1']);
  });

  it('fails when every row is dropped or there are no rows', () => {
    expect(errorOf(() => toFeatureTable(parseCsv('a,y\nNA,1\n'), { dropMissing: true }))).toContain('all 1 rows');
    expect(errorOf(() => toFeatureTable(parseCsv('a,y\n')))).toContain('no data rows');
  });

  it('rejects an unknown target, listing the available columns', () => {
    const msg = errorOf(() => toFeatureTable(parseCsv(wineLike, { source: 'wine.csv' }), { target: 'colour' }));
    expect(msg).toContain('"colour"');
    for (const column of ['alcohol', 'ash', 'class']) expect(msg).toContain(`"${column}"`);
  });
});

// Fixed examples of the bugs the fuzz suite (test/fuzz/csv.fuzz.test.ts) found, kept apart from
// the properties so that each one stays tested by name.
describe('regressions found by fuzzing', () => {
  it('refuses a 100 000-digit cell ending in a letter at once (the number pattern backtracked quadratically: about a minute)', () => {
    const text = `a,y\n${'9'.repeat(100_000)}x,1\n`;
    const start = performance.now();
    expect(errorOf(() => toFeatureTable(parseCsv(text)))).toContain('line 2, column "a": "999');
    // Linear: about a millisecond. The old pattern took ~0.6 s at 16 000 digits, ~60 s here.
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('says "1e400" is too large for a double rather than reading it as Infinity', () => {
    expect(errorOf(() => toFeatureTable(parseCsv('a,y\n1e400,1\n')))).toBe('line 2, column "a": "1e400" is too large for a double (beyond ±1.80e+308)');
    expect(errorOf(() => toFeatureTable(parseCsv('a,y\n-1e309,1\n')))).toContain('"-1e309" is too large');
    expect(errorOf(() => toFeatureTable(parseCsv('a,y\nInfinity,1\n')))).toContain('"Infinity" is not a number');
  });

  it('escapes a column name holding a line break or a quote, so that the message stays one line', () => {
    const msg = errorOf(() => toFeatureTable(parseCsv('"a\nb","say ""hi""",y\nNaN,1,0\n')));
    expect(msg).toBe('line 3, column "a\\nb": missing value ("NaN"); rows with missing values can be dropped (--drop-missing; dropMissing in the library)');
    expect(errorOf(() => toFeatureTable(parseCsv('"a\nb","say ""hi""",y\n1,x,0\n')))).toContain('column "say \\"hi\\"": "x" is not a number');
    expect(errorOf(() => parseCsv('"x\ny","x\ny"\n'))).toBe('line 1: column name "x\\ny" appears twice in the header');
  });

  it('refuses a file that is not UTF-8, naming the line and the byte (it read Latin-1 é as U+FFFD, merging labels)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'prunus-csv-'));
    try {
      const latin1 = join(folder, 'latin1.csv');
      writeFileSync(latin1, Buffer.from('a,label\n1,cafe\n2,café\n3,cafè\n', 'latin1'));
      expect(errorOf(() => readCsvFile(latin1))).toBe(`${latin1} line 3: not UTF-8 text (byte 0xE9 at offset 20); save the file as UTF-8`);
      const utf16 = join(folder, 'utf16.csv');
      writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\n1\n', 'utf16le')]));
      expect(errorOf(() => readCsvFile(utf16, { source: 'u.csv' }))).toBe('u.csv line 1: not UTF-8 text (byte 0xFF at offset 0); save the file as UTF-8');
      // The same labels in UTF-8 (with a byte-order mark) are three classes, as written.
      const utf8 = join(folder, 'utf8.csv');
      writeFileSync(utf8, '\uFEFFa,label\n1,cafe\n2,café\n3,cafè\n');
      expect(toFeatureTable(readCsvFile(utf8)).labels).toEqual(['cafe', 'café', 'cafè']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

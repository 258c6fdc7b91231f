/**
 * Generated CSV files for the fuzz suites: tables of numbers (and optionally a label column)
 * written in every spelling the reader must accept — a byte-order mark, CRLF or CR line ends,
 * blank lines, quoted fields, padded and oddly written numbers — with the exact values and
 * the line of every row known, so a reading can be checked against what was written.
 */
import fc from 'fast-check';
import { trickyString } from './fuzz.js';
import { referenceMissing } from './reference-csv.js';

/** A number and a spelling of it that must read back as exactly that number. */
export interface Spelled {
  readonly value: number;
  readonly text: string;
}

/** Finite doubles, with the edges (0, the smallest subnormal, the largest double) often. */
export const finiteNumber: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 5e-324, -5e-324, 1e-300, 0.1, 1 / 3, 2 ** 53 + 2, 1e21, Number.MAX_VALUE, -Number.MAX_VALUE) },
).map((v) => (v === 0 ? 0 : v)); // -0 is written "0": it reads back as +0

/**
 * Spellings that denote `value` exactly: the shortest round trip, exponent forms (`e`/`E`, `e+`),
 * a `+` sign, leading zeros, a dropped leading `0` (`.5`), a trailing `.` or trailing zeros, and
 * spaces or tabs around it.
 */
export const spelledNumber: fc.Arbitrary<Spelled> = fc
  .tuple(finiteNumber, fc.nat(7), fc.constantFrom('', ' ', '  ', '\t'), fc.constantFrom('', ' ', '\t '))
  .map(([value, variant, before, after]) => {
    const plain = String(value);
    const negative = plain.startsWith('-');
    const unsigned = negative ? plain.slice(1) : plain;
    const sign = negative ? '-' : '';
    const variants = [
      plain,
      value.toExponential(),
      value.toExponential().toUpperCase().replace('E+', 'E'),
      negative ? plain : `+${plain}`,
      `${sign}00${unsigned}`,
      unsigned.startsWith('0.') ? `${sign}${unsigned.slice(1)}` : plain,
      /^\d+$/.test(unsigned) ? `${plain}.` : plain,
      /^\d+\.\d+$/.test(unsigned) ? `${plain}000` : plain,
    ];
    return { value, text: `${before}${variants[variant]!}${after}` };
  });

/** Column names: tricky strings, trimmed (the reader trims them), non-empty. */
export const columnName: fc.Arbitrary<string> = trickyString(6)
  .map((s) => s.trim())
  .filter((s) => s !== '');

/** A class label that is not a missing value. */
export const label: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '2', 'cat', 'dog', ' 1 ', '1.0', '+2'),
  trickyString(5),
).filter((s) => !referenceMissing(s));

/** How a table is written. */
export interface CsvStyle {
  readonly bom: boolean;
  readonly eol: '\n' | '\r\n' | '\r';
  readonly quoteAll: boolean;
  readonly finalEol: boolean;
  /** Blank lines written after record k (0 = the header) when `blank[k]` > 0. */
  readonly blank: readonly number[];
}

export const csvStyle: fc.Arbitrary<CsvStyle> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const),
  quoteAll: fc.boolean(),
  finalEol: fc.boolean(),
  blank: fc.array(fc.constantFrom(0, 0, 0, 1, 2), { maxLength: 8 }),
});

/** A table as generated: names, cells as written, and the values the number cells hold. */
export interface GeneratedTable {
  /** Column names (trimmed). */
  readonly names: string[];
  /** The label column, or -1 when every column is a number. */
  readonly labelColumn: number;
  /** Cells as written, row by row. */
  readonly cells: string[][];
}

/**
 * Tables of 1 to `maxColumns` columns and 0 to `maxRows` rows of spelled numbers, with a label
 * column (anywhere) half of the time.
 */
export function generatedTable(maxColumns = 5, maxRows = 6): fc.Arbitrary<GeneratedTable> {
  return fc
    .tuple(fc.uniqueArray(columnName, { minLength: 1, maxLength: maxColumns }), fc.integer({ min: 0, max: maxRows }), fc.boolean(), fc.nat())
    .chain(([names, rows, withLabel, at]) => {
      const labelColumn = withLabel ? at % names.length : -1;
      const row = fc.tuple(...names.map((_, c) => (c === labelColumn ? label : spelledNumber.map((s) => s.text))));
      return fc.array(row, { minLength: rows, maxLength: rows }).map((cells) => ({ names, labelColumn, cells }));
    });
}

/** A field as written: quoted when it must be (or always, with `quoteAll`). */
function field(cell: string, quoteAll: boolean, alone: boolean): string {
  // An empty field alone on its line would be a blank line, and a leading quote opens a quoted field.
  const must = /[",\r\n]/.test(cell) || (alone && cell === '');
  return must || quoteAll ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** Line breaks `text` spans, counted as the reader counts them (CRLF once). */
export function lineBreaks(text: string): number {
  let count = 0;
  for (let k = 0; k < text.length; k++) if (text[k] === '\r' || (text[k] === '\n' && text[k - 1] !== '\r')) count++;
  return count;
}

/**
 * CSV text of the header and rows in `style`, and the 1-based line each data row starts on.
 * Written here rather than by `formatCsv`, so that a bug there cannot hide one in the reader.
 */
export function writeCsv(header: readonly string[], rows: readonly (readonly string[])[], style: CsvStyle): { text: string; lines: number[] } {
  const records = [header, ...rows];
  let text = style.bom ? '\uFEFF' : '';
  let line = 1;
  const lines: number[] = [];
  records.forEach((record, k) => {
    if (k > 0) lines.push(line);
    const written = record.map((cell) => field(cell, style.quoteAll, record.length === 1)).join(',');
    text += written;
    line += lineBreaks(written);
    const last = k === records.length - 1;
    const blank = style.blank[k] ?? 0;
    if (!last || style.finalEol || blank > 0) {
      text += style.eol.repeat(1 + blank);
      line += 1 + blank;
    }
  });
  return { text, lines };
}

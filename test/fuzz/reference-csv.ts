/**
 * An independent reading of the CSV rules of src/data/csv.ts (its module comment and docs/cli.md),
 * written differently on purpose — one character at a time, a state machine instead of index
 * scans and a regular expression — so that the fuzz suites can compare the reader with it: the
 * same cells, the same numbers, the same lines, and an error exactly where it finds one.
 *
 * The rules: an optional UTF-8 byte-order mark; blank lines skipped anywhere; records end at
 * LF, CR or CRLF; a field opening with `"` is quoted (doubled quotes, commas and line breaks
 * inside; after the closing quote only `,`, a line break or the end); any other field runs to the
 * next `,` or line break, quotes and all. The header's names are trimmed, non-empty, distinct;
 * every row has as many fields. A cell is missing when, trimmed, it is empty, `?`, or `NA`,
 * `N/A`, `NaN` in any case; a number when, trimmed, it is `[+-]digits[.digits][(e|E)[+-]digits]`
 * with at least one mantissa digit, and finite.
 */

/** A record as read, with the 1-based line it starts on. */
export interface ReferenceRecord {
  readonly cells: string[];
  readonly line: number;
}

/** The outcome of reading CSV text: the records, or the first problem and the line it names. */
export type ReferenceParse =
  | { readonly ok: true; readonly header: string[]; readonly rows: ReferenceRecord[] }
  | { readonly ok: false; readonly line: number | null; readonly problem: string };

/** Reads CSV text as the rules above say. */
export function referenceParse(input: string): ReferenceParse {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: ReferenceRecord[] = [];
  let line = 1;
  let state: 'record' | 'field' | 'plain' | 'quoted' | 'quote' = 'record';
  let cells: string[] = [];
  let cell = '';
  let start = 1;
  const endRecord = (): void => {
    cells.push(cell);
    records.push({ cells, line: start });
    cells = [];
    cell = '';
    state = 'record';
  };
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    const lineBreak = c === '\n' || c === '\r';
    // CRLF is one line break: the CR counts, the LF after it does not.
    const countsAsLine = c === '\r' || (c === '\n' && text[k - 1] !== '\r');
    switch (state) {
      case 'record':
        if (lineBreak) {
          if (countsAsLine) line++;
          continue;
        }
        start = line;
        state = 'field';
        k--; // read the character again, as the first of the first field
        continue;
      case 'field':
        if (c === '"') state = 'quoted';
        else if (c === ',') cells.push('');
        else if (lineBreak) {
          endRecord();
          if (countsAsLine) line++;
        } else {
          cell = c;
          state = 'plain';
        }
        continue;
      case 'plain':
        if (c === ',') {
          cells.push(cell);
          cell = '';
          state = 'field';
        } else if (lineBreak) {
          endRecord();
          if (countsAsLine) line++;
        } else cell += c;
        continue;
      case 'quoted':
        if (c === '"') state = 'quote';
        else {
          if (lineBreak && countsAsLine) line++;
          cell += c;
        }
        continue;
      case 'quote':
        if (c === '"') {
          cell += '"';
          state = 'quoted';
        } else if (c === ',') {
          cells.push(cell);
          cell = '';
          state = 'field';
        } else if (lineBreak) {
          endRecord();
          if (countsAsLine) line++;
        } else return { ok: false, line, problem: 'after a closing quote' };
        continue;
    }
  }
  if (state === 'quoted') return { ok: false, line: start, problem: 'never closed' };
  // A field left open at the end of the text ends the last record (`a,` ends with an empty field).
  if (state !== 'record') endRecord();
  const first = records[0];
  if (first === undefined) return { ok: false, line: null, problem: 'the file is empty' };
  const header = first.cells.map((name) => name.trim());
  for (let k = 0; k < header.length; k++) {
    if (header[k] === '') return { ok: false, line: 1, problem: `column ${k + 1} of the header has no name` };
    if (header.indexOf(header[k]!) < k) return { ok: false, line: 1, problem: `column name ${JSON.stringify(header[k])} appears twice` };
  }
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.cells.length !== header.length) return { ok: false, line: row.line, problem: `expected ${header.length} fields` };
  }
  return { ok: true, header, rows };
}

/** True for a cell the rules read as a missing value. */
export function referenceMissing(cell: string): boolean {
  const t = cell.trim().toUpperCase();
  return t === '' || t === '?' || t === 'NA' || t === 'N/A' || t === 'NAN';
}

/**
 * What a cell is as a number: `{ value }` for a finite decimal number, `'too large'` for decimal
 * notation beyond the Float64 range, `'not a number'` for anything else (missing values
 * included: ask {@link referenceMissing} first).
 */
export function referenceNumber(cell: string): { value: number } | 'too large' | 'not a number' {
  const t = cell.trim();
  let k = 0;
  const digits = (): number => {
    const from = k;
    while (k < t.length && t[k]! >= '0' && t[k]! <= '9') k++;
    return k - from;
  };
  if (t[k] === '+' || t[k] === '-') k++;
  let mantissa = digits();
  if (t[k] === '.') {
    k++;
    mantissa += digits();
  }
  if (mantissa === 0) return 'not a number';
  if (t[k] === 'e' || t[k] === 'E') {
    k++;
    if (t[k] === '+' || t[k] === '-') k++;
    if (digits() === 0) return 'not a number';
  }
  if (k !== t.length) return 'not a number';
  const value = Number(t);
  return Number.isFinite(value) ? { value } : 'too large';
}

/** What reading a file must give: the table, or an error whose message holds every fragment. */
export type Expected =
  | { readonly ok: true; readonly features: string[]; readonly target: string | null; readonly x: number[]; readonly labels: string[]; readonly lines: number[]; readonly dropped: number }
  | { readonly ok: false; readonly fragments: string[] };

/**
 * The reference outcome of `toFeatureTable(parseCsv(text))`: the rules applied to the reference
 * parse — the target column's cells as trimmed labels, every other cell a number; a row with a
 * missing value dropped (`dropMissing`) or the first such row an error; then the first cell that
 * is not a number.
 */
export function expectedTable(text: string, source: string, target: string | null | undefined, dropMissing: boolean): Expected {
  const parsed = referenceParse(text);
  if (!parsed.ok) {
    return { ok: false, fragments: parsed.line === null ? [`${source}: the file is empty`] : [`${source} line ${parsed.line}`, parsed.problem] };
  }
  const { header, rows } = parsed;
  const t = target === null ? -1 : target === undefined ? header.length - 1 : header.indexOf(target.trim());
  if (target !== null && target !== undefined && t < 0) return { ok: false, fragments: [`${source}: no column ${JSON.stringify(target)}`] };
  const x: number[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  let dropped = 0;
  for (const row of rows) {
    const missing = row.cells.findIndex(referenceMissing);
    if (missing >= 0) {
      if (dropMissing) {
        dropped++;
        continue;
      }
      return { ok: false, fragments: [`${source} line ${row.line}, column ${JSON.stringify(header[missing])}: missing value`] };
    }
    for (let c = 0; c < header.length; c++) {
      if (c === t) continue;
      const number = referenceNumber(row.cells[c]!);
      if (typeof number === 'string') {
        return { ok: false, fragments: [`${source} line ${row.line}, column ${JSON.stringify(header[c])}: ${JSON.stringify(row.cells[c]!.trim())}`, number] };
      }
      x.push(number.value);
    }
    if (t >= 0) labels.push(row.cells[t]!.trim());
    lines.push(row.line);
  }
  if (lines.length === 0) return { ok: false, fragments: [dropped > 0 ? `${source}: all ${dropped} rows have missing values` : `${source}: there are no data rows`] };
  return { ok: true, features: header.filter((_, c) => c !== t), target: t >= 0 ? header[t]! : null, x, labels, lines, dropped };
}

/**
 * CSV in and out (RFC 4180, read leniently): a header row, quoted fields that may hold commas,
 * doubled quotes and line breaks, CRLF or LF line ends, an optional UTF-8 byte-order mark.
 *
 * Reading happens in two steps so that every error can point at the user's file:
 * {@link parseCsv} turns text into string cells and remembers the 1-based line on which each
 * row starts; {@link toFeatureTable} turns the cells into a numeric feature matrix plus the
 * target column as strings (class labels need not be numbers).
 */
import { readFileSync } from 'node:fs';
import { DataError, where } from './errors.js';
import { decodeUtf8 } from './files.js';

/** A CSV file as string cells; every row has as many cells as the header. */
export interface CsvTable {
  /** Column names, trimmed of surrounding whitespace. */
  readonly header: string[];
  /** Data rows, cells exactly as written (quotes removed). */
  readonly rows: string[][];
  /** `lines[r]`: the 1-based line of the file on which `rows[r]` starts. */
  readonly lines: number[];
  /** The file name used in error messages, when known. */
  readonly source?: string;
}

/** Options of {@link parseCsv} and {@link readCsvFile}. */
export interface CsvOptions {
  /** Name to put in error messages (e.g. `"wine.csv"`); {@link readCsvFile} defaults it to the path. */
  readonly source?: string;
}

/**
 * Parses CSV text. Blank lines are skipped wherever they are (as pandas does), so trailing
 * newlines are harmless; a quoted empty field `""` on its own line is a row, not a blank line.
 *
 * @throws {DataError} on an empty file, an unnamed or duplicate column, a ragged row (naming
 *   its line and the expected and found counts), an unclosed quote, or text after a closing quote.
 * @example
 * parseCsv('a,b\n1,"x, y"\n').rows; // [['1', 'x, y']]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const { source } = options;
  const records: string[][] = [];
  const lines: number[] = [];
  scanCsv(text, source, (fields, line) => {
    records.push(fields);
    lines.push(line);
  });
  const first = records[0];
  if (first === undefined) throw new DataError(emptyFile(source));
  const header = checkHeader(first, source);
  for (let r = 1; r < records.length; r++) {
    const found = records[r]!.length;
    if (found !== header.length) throw new DataError(raggedRow(source, lines[r]!, header.length, found));
  }
  const table = { header, rows: records.slice(1), lines: lines.slice(1) };
  return source === undefined ? table : { ...table, source };
}

function emptyFile(source: string | undefined): string {
  return `${source ?? 'CSV input'}: the file is empty (a header row is needed)`;
}

function raggedRow(source: string | undefined, line: number, expected: number, found: number): string {
  return `${where(source, line)}: expected ${expected} fields (as in the header), found ${found}`;
}

/**
 * The tokenizer of {@link parseCsv}: hands each record (its cells, quotes removed, and the
 * 1-based line it starts on) to `onRecord` as it is read, so a caller may keep the cells or
 * convert and drop them. Blank lines are skipped.
 * @throws {DataError} for an unclosed quote or text after a closing quote, when it gets there.
 */
function scanCsv(text: string, source: string | undefined, onRecord: (fields: string[], line: number) => void): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const len = body.length;
  let i = 0;
  let line = 1;
  while (i < len) {
    // A line break where a record would start is a blank line.
    const c = body[i];
    if (c === '\n' || c === '\r') {
      i += c === '\r' && body[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      if (body[i] === '"') {
        const quoted = readQuoted(body, i);
        if (quoted === undefined) throw new DataError(`${where(source, startLine)}: a quoted field is never closed`);
        const { value, end } = quoted;
        line += countLineBreaks(body.slice(i, end));
        i = end;
        const next = body[i];
        if (i < len && next !== ',' && next !== '\n' && next !== '\r') {
          throw new DataError(
            `${where(source, line)}: unexpected ${JSON.stringify(next)} after a closing quote (a quote inside a quoted field must be doubled)`,
          );
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < len) {
          const code = body.charCodeAt(j);
          if (code === 44 /* , */ || code === 10 /* \n */ || code === 13 /* \r */) break;
          j++;
        }
        fields.push(body.slice(i, j));
        i = j;
      }
      if (body[i] !== ',') break;
      i++;
    }
    if (body[i] === '\r') i++;
    if (body[i] === '\n') i++;
    line++;
    onRecord(fields, startLine);
  }
}

/**
 * Reads and parses a CSV file (UTF-8).
 * @throws {DataError} when the file cannot be read, when it is not UTF-8 (naming the line and
 *   the first bad byte), or as {@link parseCsv}.
 */
export function readCsvFile(path: string, options: CsvOptions = {}): CsvTable {
  const source = options.source ?? path;
  return parseCsv(readCsvText(path, source), { source });
}

/** A file's text, strictly UTF-8. @throws {DataError} naming the file (and the line of a bad byte). */
function readCsvText(path: string, source: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new DataError(`cannot read ${path}: ${reason}`);
  }
  // Strictly: a lenient decoder would turn each bad byte into U+FFFD without a word, so two
  // Latin-1 labels (café, cafè) would silently become one class.
  const decoded = decodeUtf8(bytes);
  if ('problem' in decoded) {
    const { line, byte, offset } = decoded.problem;
    throw new DataError(`${where(source, line)}: not UTF-8 text (byte ${byte} at offset ${offset}); save the file as UTF-8`);
  }
  return decoded.text;
}

/**
 * The value of the quoted field opening at `start` (doubled quotes undone) and the index just
 * past its closing quote; `undefined` when the quote is never closed.
 */
function readQuoted(body: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = body.indexOf('"', i);
    if (close < 0) return undefined;
    value += body.slice(i, close);
    if (body[close + 1] !== '"') return { value, end: close + 1 };
    value += '"';
    i = close + 2;
  }
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    // CRLF counts once: the CR is skipped when an LF follows.
    if (c === 10 || (c === 13 && s.charCodeAt(k + 1) !== 10)) count++;
  }
  return count;
}

function checkHeader(cells: string[], source: string | undefined): string[] {
  const header = cells.map((name) => name.trim());
  const seen = new Set<string>();
  header.forEach((name, k) => {
    if (name === '') throw new DataError(`${where(source, 1)}: column ${k + 1} of the header has no name`);
    if (seen.has(name)) throw new DataError(`${where(source, 1)}: column name ${columnName(name)} appears twice in the header`);
    seen.add(name);
  });
  return header;
}

/** Options of {@link toFeatureTable}. */
export interface FeatureTableOptions {
  /**
   * The target column: its name, `undefined` for the last column, or `null` for none (every
   * column is then a numeric feature, as in a sample matrix).
   */
  readonly target?: string | null;
  /** Drop rows with a missing value instead of failing; the count is returned. */
  readonly dropMissing?: boolean;
}

/** A CSV table split into a numeric feature matrix and a string target column. */
export interface FeatureTable {
  /** Feature column names, in file order, target excluded. */
  readonly features: string[];
  /** Target column name, or `null` when none was asked for. */
  readonly target: string | null;
  /** Row-major `n × m` feature values. */
  readonly x: Float64Array;
  /** Number of (kept) rows. */
  readonly n: number;
  /** Number of features. */
  readonly m: number;
  /** Target cells, trimmed, one per kept row (empty when `target` is `null`). */
  readonly labels: string[];
  /** 1-based file line of each kept row, for later error messages. */
  readonly lines: number[];
  /** Rows dropped for missing values (0 unless `dropMissing`). */
  readonly droppedRows: number;
  /** The file name used in error messages, when known (from the {@link CsvTable}). */
  readonly source?: string;
}

/** Cells read as missing values: empty, `?`, and `NA`, `N/A`, `NaN` in any letter case. */
export function isMissing(cell: string): boolean {
  const t = cell.trim();
  if (t === '' || t === '?') return true;
  const lower = t.toLowerCase();
  return lower === 'na' || lower === 'n/a' || lower === 'nan';
}

// Plain decimal notation only: Number() alone would also accept '0x1A', '' and 'Infinity'.
// Each position has one way to match (`\d+(?:\.\d*)?`, not `\d+\.?\d*`, whose two digit runs
// can split a long number in n ways): a 100 000-digit cell ending in a letter is refused in
// linear time instead of the quadratic backtracking that made such a file hang.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The finite number a cell spells in decimal notation (surrounding spaces allowed), else `undefined`. */
export function parseNumber(cell: string): number | undefined {
  const t = cell.trim();
  if (!DECIMAL.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Why a cell that is not a missing value is not a number, for messages: `"abc" is not a number`,
 * or `"1e400" is too large ...` for decimal notation beyond the Float64 range (it would read as
 * Infinity).
 */
export function notANumber(cell: string): string {
  const t = cell.trim();
  return DECIMAL.test(t)
    ? `${JSON.stringify(t)} is too large for a double (beyond ±${Number.MAX_VALUE.toPrecision(3)})`
    : `${JSON.stringify(t)} is not a number`;
}

/** A column name in a message, quoted and escaped (a name may hold a quote or a line break). */
export function columnName(name: string): string {
  return JSON.stringify(name);
}

/**
 * Splits a parsed table into numeric features and a target column read as strings.
 *
 * @throws {DataError} for an unknown target (listing the columns), a cell that is not a finite
 *   number or a missing value (naming file, line and column; missing values only without
 *   `dropMissing`), or when no row is left.
 * @example
 * const t = toFeatureTable(parseCsv('a,b,label\n1,2,cat\n3,4,dog\n'));
 * t.x; // Float64Array [1, 2, 3, 4]; t.labels: ['cat', 'dog']
 */
export function toFeatureTable(table: CsvTable, options: FeatureTableOptions = {}): FeatureTable {
  const { header, rows, lines, source } = table;
  const plan = planColumns(header, options.target, undefined, source);
  const builder = new FeatureTableBuilder(plan, header, source, options.dropMissing === true, rows.length);
  for (let r = 0; r < rows.length; r++) builder.add(rows[r]!, lines[r]!);
  return builder.finish();
}

/** Which cells of a record become features and which the target, and which are checked for missing values. */
interface ColumnPlan {
  readonly features: string[];
  /** Column index of each feature, in feature order. */
  readonly featureColumns: number[];
  /** -1 for none. */
  readonly targetColumn: number;
  /** Columns checked for a missing value, in the order the first one is looked for. */
  readonly checked: number[];
}

/**
 * The plan of a header: with `columns` undefined every column but the target is a feature (file
 * order) and every cell is checked; with `columns`, those features in that order, and only they
 * and the target are read (other columns may hold anything).
 * @throws {DataError} for an unknown target or feature column.
 */
function planColumns(header: string[], target: string | null | undefined, columns: readonly string[] | undefined, source: string | undefined): ColumnPlan {
  const targetColumn = resolveTarget(header, target, source);
  if (columns === undefined) {
    const featureColumns = header.map((_, k) => k).filter((k) => k !== targetColumn);
    return { features: featureColumns.map((k) => header[k]!), featureColumns, targetColumn, checked: header.map((_, k) => k) };
  }
  const featureColumns = columns.map((name) => {
    const k = header.indexOf(name);
    if (k < 0) throw new DataError(`${source ?? 'CSV input'}: no column ${columnName(name)}; the columns are ${header.map(columnName).join(', ')}`);
    return k;
  });
  return { features: [...columns], featureColumns, targetColumn, checked: targetColumn >= 0 ? [...featureColumns, targetColumn] : [...featureColumns] };
}

/**
 * Converts records into a feature table one at a time (the cells of a record can be dropped as
 * soon as it is added): numbers into a row-major buffer allocated for `capacity` rows (grown if
 * more come), the target cell as a trimmed string.
 */
class FeatureTableBuilder {
  private x: Float64Array;
  private n = 0;
  private droppedRows = 0;
  private readonly labels: string[] = [];
  private readonly lines: number[] = [];
  private readonly m: number;

  constructor(
    private readonly plan: ColumnPlan,
    private readonly header: string[],
    private readonly source: string | undefined,
    private readonly dropMissing: boolean,
    capacity: number,
  ) {
    this.m = plan.features.length;
    this.x = new Float64Array(Math.max(0, capacity) * this.m);
  }

  /**
   * Adds one record (as long as the header).
   * @throws {DataError} for a missing value (unless dropping) or a cell that is not a number, naming its line and column.
   */
  add(row: string[], line: number): void {
    const { plan, m, header, source } = this;
    for (const k of plan.checked) {
      if (!isMissing(row[k]!)) continue;
      if (this.dropMissing) {
        this.droppedRows++;
        return;
      }
      const cell = row[k]!.trim();
      throw new DataError(
        `${where(source, line)}, column ${columnName(header[k]!)}: missing value (${cell === '' ? 'empty' : JSON.stringify(cell)}); rows with missing values can be dropped (dropMissing)`,
      );
    }
    if ((this.n + 1) * m > this.x.length) {
      const grown = new Float64Array(Math.max(2 * this.x.length, (this.n + 1) * m));
      grown.set(this.x);
      this.x = grown;
    }
    const offset = this.n * m;
    for (let f = 0; f < m; f++) {
      const k = plan.featureColumns[f]!;
      const v = parseNumber(row[k]!);
      if (v === undefined) throw new DataError(`${where(source, line)}, column ${columnName(header[k]!)}: ${notANumber(row[k]!)}`);
      this.x[offset + f] = v;
    }
    if (plan.targetColumn >= 0) this.labels.push(row[plan.targetColumn]!.trim());
    this.lines.push(line);
    this.n++;
  }

  /** The table. @throws {DataError} when no row was kept. */
  finish(): FeatureTable {
    const { n, m, source } = this;
    if (n === 0) {
      const why = this.droppedRows > 0 ? `all ${this.droppedRows} rows have missing values` : 'there are no data rows';
      throw new DataError(`${source ?? 'CSV input'}: ${why}`);
    }
    const result = {
      features: this.plan.features,
      target: this.plan.targetColumn >= 0 ? this.header[this.plan.targetColumn]! : null,
      x: n * m === this.x.length ? this.x : this.x.slice(0, n * m),
      n,
      m,
      labels: this.labels,
      lines: this.lines,
      droppedRows: this.droppedRows,
    };
    return source === undefined ? result : { ...result, source };
  }
}

/** Options of {@link readFeatureTable} and {@link parseFeatureTable}. */
export interface ReadFeatureOptions extends FeatureTableOptions, CsvOptions {
  /**
   * Chooses the columns from the header: the features by name, in the order wanted, and
   * optionally the target (overriding `target`). Only they are read; other columns may hold
   * anything. Default: every column but the target, in file order. It may throw to refuse the
   * file (a column the caller needs is missing); its error is reported where an unknown target
   * would be.
   */
  readonly select?: (header: readonly string[]) => { readonly features: readonly string[]; readonly target?: string | null };
}

/**
 * {@link parseCsv} and {@link toFeatureTable} in one pass over the text: each record's cells are
 * converted as soon as it is read and then dropped, so a file of 10 000 rows of 785 columns never
 * holds its 7.85 million cells as strings (it took some 300 MB and a second of garbage
 * collection). The result, and the error for a bad file, are exactly the two steps': errors are
 * kept until the whole text is read and then reported in the order the two steps would find
 * them (the text's structure first — quotes, then the header, then a ragged row — then the
 * columns, then the first bad cell).
 * @throws {DataError} as {@link parseCsv} and {@link toFeatureTable}.
 */
export function parseFeatureTable(text: string, options: ReadFeatureOptions = {}): FeatureTable {
  const { source } = options;
  let header: string[] | null = null;
  let headerError: unknown = null;
  let raggedError: string | null = null;
  let planError: unknown = null;
  let cellError: unknown = null;
  let builder: FeatureTableBuilder | null = null;
  let records = 0;
  scanCsv(text, source, (fields, line) => {
    records++;
    if (records === 1) {
      try {
        header = checkHeader(fields, source);
      } catch (err) {
        headerError = err;
        return;
      }
      try {
        const chosen = options.select?.(header);
        const target = chosen !== undefined && chosen.target !== undefined ? chosen.target : options.target;
        const plan = planColumns(header, target, chosen?.features, source);
        builder = new FeatureTableBuilder(plan, header, source, options.dropMissing === true, rowCapacity(text));
      } catch (err) {
        planError = err;
      }
      return;
    }
    if (header === null) return;
    if (fields.length !== header.length) {
      raggedError ??= raggedRow(source, line, header.length, fields.length);
      return;
    }
    if (builder === null || raggedError !== null || cellError !== null) return;
    try {
      builder.add(fields, line);
    } catch (err) {
      cellError = err;
    }
  });
  if (records === 0) throw new DataError(emptyFile(source));
  if (headerError !== null) throw headerError;
  if (raggedError !== null) throw new DataError(raggedError);
  if (planError !== null) throw planError;
  if (cellError !== null) throw cellError;
  return (builder as FeatureTableBuilder | null)!.finish();
}

/**
 * At most how many data rows a CSV text holds: a record ends at a line break or at the end of
 * the text, and the header is one of them. (Blank lines and line breaks inside quotes only make
 * it an overestimate; for an ordinary file it is exact, so the buffer is not copied at the end.)
 */
function rowCapacity(text: string): number {
  let breaks = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || (c === 13 && text.charCodeAt(k + 1) !== 10)) breaks++;
  }
  const last = text.charCodeAt(text.length - 1);
  const records = breaks + (last === 10 || last === 13 ? 0 : 1);
  return Math.max(0, records - 1);
}

/**
 * Reads a CSV file (UTF-8) into a feature table in one pass: {@link readCsvFile} and
 * {@link toFeatureTable} without the whole file as string cells (see {@link parseFeatureTable}).
 * @throws {DataError} as they do.
 */
export function readFeatureTable(path: string, options: ReadFeatureOptions = {}): FeatureTable {
  const source = options.source ?? path;
  return parseFeatureTable(readCsvText(path, source), { ...options, source });
}

/** Column index of the target; -1 for none. */
function resolveTarget(header: string[], target: string | null | undefined, source: string | undefined): number {
  if (target === null) return -1;
  if (target === undefined) return header.length - 1;
  const k = header.indexOf(target.trim());
  if (k < 0) {
    throw new DataError(`${source ?? 'CSV input'}: no column ${columnName(target)}; the columns are ${header.map(columnName).join(', ')}`);
  }
  return k;
}

/**
 * A CSV field, quoted when it holds a comma, quote or line break, or starts or ends with
 * whitespace (which includes U+FEFF, a byte-order mark to readers when it opens the file).
 */
function formatField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV text (LF line ends, final newline) that {@link parseCsv} reads back to the same cells.
 * Numbers are written in JavaScript's shortest round-trip form, so Float64 values survive
 * exactly.
 * @throws {Error} when a row's length differs from the header's (a programming error).
 */
export function formatCsv(header: readonly string[], rows: Iterable<readonly (string | number)[]>): string {
  const out = [header.map(formatField).join(',')];
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`formatCsv: a row has ${row.length} fields, the header ${header.length}`);
    // A lone empty field would be a blank line, which readers skip: quote it.
    out.push(row.length === 1 && row[0] === '' ? '""' : row.map(formatField).join(','));
  }
  return out.join('\n') + '\n';
}

/** CSV text of a row-major `n × m` matrix under the given column names (see {@link formatCsv}). */
export function formatMatrixCsv(header: readonly string[], x: Float64Array, n: number, m: number): string {
  if (header.length !== m || x.length !== n * m) {
    throw new Error(`formatMatrixCsv: ${header.length} names and ${x.length} values for a ${n}×${m} matrix`);
  }
  const rows = function* (): Generator<number[]> {
    for (let i = 0; i < n; i++) yield Array.from(x.subarray(i * m, (i + 1) * m));
  };
  return formatCsv(header, rows());
}

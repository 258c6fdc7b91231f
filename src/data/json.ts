/**
 * JSON text in pieces, for outputs too large to build as one string: a 200k-parameter model
 * file, `prunus relevance --json` with five arrays of every parameter, `prunus predict --json`
 * on many rows. The text is the one layout prunus writes everywhere: objects one entry a line
 * (two-space indentation), arrays of numbers, strings, booleans and nulls on one line
 * (`[1, 2, 3]`), other arrays one entry a line.
 *
 * Values are serialized as `JSON.stringify` does (`undefined` object entries left out,
 * `undefined` array entries and non-finite numbers written `null`), and typed arrays
 * (`Float64Array`, `Int32Array`, `Uint8Array`) as arrays of numbers — so a caller can pass
 * views of its buffers instead of copying them into arrays first.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Entries of an inline array serialized per piece: a piece stays some tens of kilobytes. */
const ENTRIES_PER_PIECE = 2048;

function isTypedArray(value: unknown): value is Float64Array | Int32Array | Uint8Array {
  return value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array;
}

/** A primitive's JSON text (`null` for undefined, functions and non-finite numbers, as in arrays). */
function primitive(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

function isInlineArray(value: ArrayLike<unknown>): boolean {
  for (let k = 0; k < value.length; k++) {
    const v = value[k];
    if (v !== null && typeof v === 'object') return false;
  }
  return true;
}

/**
 * The JSON text of `value` in pieces (concatenated, they are the whole text, without a final
 * newline). Recursion follows the value's nesting, which is shallow for every document prunus
 * writes (model files refuse metadata nested more than 64 levels).
 * @example
 * [...jsonPieces({ a: [1, 2], b: { c: null } })].join('') // '{\n  "a": [1, 2],\n  "b": {\n    "c": null\n  }\n}'
 */
export function* jsonPieces(value: unknown, indent = ''): Generator<string> {
  if (isTypedArray(value) || Array.isArray(value)) {
    const array = value as ArrayLike<unknown>;
    if (isTypedArray(value) || isInlineArray(array)) {
      // One line, written a few thousand entries at a time.
      yield '[';
      for (let start = 0; start < array.length; start += ENTRIES_PER_PIECE) {
        const end = Math.min(array.length, start + ENTRIES_PER_PIECE);
        let piece = start === 0 ? '' : ', ';
        for (let k = start; k < end; k++) piece += (k === start ? '' : ', ') + primitive(array[k]);
        yield piece;
      }
      yield ']';
      return;
    }
    const inner = indent + '  ';
    yield '[\n';
    for (let k = 0; k < array.length; k++) {
      yield inner;
      yield* jsonPieces(array[k], inner);
      yield k < array.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) {
      yield '{}';
      return;
    }
    const inner = indent + '  ';
    yield '{\n';
    for (let k = 0; k < entries.length; k++) {
      const [key, v] = entries[k]!;
      yield `${inner}${JSON.stringify(key)}: `;
      yield* jsonPieces(v, inner);
      yield k < entries.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}}`;
    return;
  }
  yield primitive(value);
}

/**
 * Pieces of text joined into chunks of about `size` characters: fewer, larger writes than the
 * pieces themselves, while no chunk grows with the document.
 */
export function* chunked(pieces: Iterable<string>, size = 1 << 16): Generator<string> {
  let buffer = '';
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= size) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

/**
 * Writes text given in pieces to `path` atomically, as {@link writeFileAtomic} does (a
 * temporary file in the same folder, then a rename), without ever holding the whole text:
 * an error in the middle (or one the pieces throw) leaves no file behind and the old one intact.
 * @throws Error `cannot write PATH: reason`, with the temporary file removed; errors the
 *   pieces' generator throws pass through unchanged, after the same clean-up.
 */
export function writePiecesAtomic(path: string, pieces: Iterable<string>): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | null = null;
  let ioError = true;
  try {
    fd = openSync(temporary, 'w');
    const iterator = chunked(pieces)[Symbol.iterator]();
    for (;;) {
      ioError = false;
      const next = iterator.next();
      ioError = true;
      if (next.done === true) break;
      writeSync(fd, next.value);
    }
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    if (!ioError) throw err;
    throw new Error(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

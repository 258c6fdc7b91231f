/**
 * Writing output files safely: through a temporary file in the same folder and a rename, so
 * a crash or an error never leaves a half-written file where the user expects a result.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `path` atomically (same-folder temporary file, then rename).
 * @throws Error `cannot write PATH: reason`, with the temporary file removed.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Where bytes stop being UTF-8: the offset of the first bad byte and its 1-based line. */
export interface Utf8Problem {
  /** Offset of the first byte that does not start (or continue) a well-formed UTF-8 character. */
  readonly offset: number;
  /** Its line, counting LF, CR and CRLF line breaks as the CSV reader does. */
  readonly line: number;
  /** The byte, as `0xE9`. */
  readonly byte: string;
}

/**
 * Decodes UTF-8 strictly (a leading byte-order mark is kept, for the caller to skip). Decoding
 * leniently would turn every bad byte into U+FFFD without a word: a Latin-1 `café` and `cafè`
 * would become the same class label.
 * @returns the text, or where the first byte that is not UTF-8 is.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { problem: Utf8Problem } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let k = 0; k < offset; k++) if (bytes[k] === 13 || (bytes[k] === 10 && bytes[k - 1] !== 13)) line++;
    const byte = `0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    return { problem: { offset, line, byte } };
  }
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 character (the Unicode
 * standard's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF; a character
 * cut off by the end of the bytes is not well formed); the length when every byte is fine.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let k = 0;
  while (k < bytes.length) {
    const b = bytes[k]!;
    if (b < 0x80) {
      k++;
      continue;
    }
    const following = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (following === 0) return k;
    // The second byte's range is narrower after E0, ED, F0 and F4; the others are 80..BF.
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[k + 1];
    if (second === undefined || second < low || second > high) return k;
    for (let j = 2; j <= following; j++) {
      const next = bytes[k + j];
      if (next === undefined || (next & 0xc0) !== 0x80) return k;
    }
    k += following + 1;
  }
  return bytes.length;
}

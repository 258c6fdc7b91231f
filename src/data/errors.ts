/**
 * The one error type of the data layer. The CLI turns it into a one-line message and a
 * non-zero exit; everything thrown here is a problem with the user's data or options, so the
 * message alone must say what to fix (file, 1-based line, column).
 */

/** Bad input data or a bad data option; `message` names the file, line and column when known. */
export class DataError extends Error {
  override name = 'DataError';
}

/** `"wine.csv line 12"`, or `"line 12"` when the source is unknown: the prefix of located errors. */
export function where(source: string | undefined, line: number): string {
  return source === undefined ? `line ${line}` : `${source} line ${line}`;
}

/**
 * Input checks shared by every linalg entry point. Kept apart from the kernels so each public
 * function validates once, up front, and its error names the function and the argument.
 */

/** Throws unless `rows` and `cols` are non-negative integers and `a` holds exactly rows·cols values. */
export function checkShape(fn: string, name: string, a: Float64Array, rows: number, cols: number): void {
  if (!(a instanceof Float64Array)) throw new TypeError(`${fn}: ${name} must be a Float64Array`);
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`${fn}: dimensions of ${name} must be non-negative integers, got ${rows}×${cols}`);
  }
  if (a.length !== rows * cols) {
    throw new RangeError(`${fn}: ${name} has length ${a.length}, expected ${rows}×${cols} = ${rows * cols}`);
  }
}

/** Throws if `a` holds a NaN or ±Infinity, naming the first offending (row, col). */
export function checkFinite(fn: string, name: string, a: Float64Array, cols: number): void {
  // x·0 is 0 for every finite x and NaN for NaN/±Infinity, so one branch-free pass decides;
  // the slow search for the position only runs when there is something to report.
  let probe = 0;
  for (let i = 0; i < a.length; i++) probe += a[i]! * 0;
  if (probe === 0) return;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      const where = cols > 0 ? `(${Math.floor(i / cols)}, ${i % cols})` : `${i}`;
      throw new RangeError(`${fn}: ${name} has a non-finite entry ${a[i]} at ${where}`);
    }
  }
}

/** checkShape then checkFinite: the usual guard for a matrix argument. */
export function checkMatrix(fn: string, name: string, a: Float64Array, rows: number, cols: number): void {
  checkShape(fn, name, a, rows, cols);
  checkFinite(fn, name, a, cols);
}

/** Throws unless `out` (when given) can hold rows·cols values; returns the buffer to write. */
export function outputBuffer(fn: string, out: Float64Array | undefined, rows: number, cols: number): Float64Array {
  if (out === undefined) return new Float64Array(rows * cols);
  checkShape(fn, 'out', out, rows, cols);
  return out;
}

/**
 * The Belsley illustration of docs/methods.md §5 item 3: samples of a 6-dimensional "parameter vector"
 * with three exact linear dependencies once centered, used by the tests, the docs and
 * `prunus belsley --example illustration`.
 */

/** Samples as a row-major matrix with one name per column. */
export interface NamedSamples {
  /** `rows×cols` row-major: one sample per row. */
  readonly samples: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /** Column names, `cols` of them. */
  readonly names: readonly string[];
}

/**
 * `(sin x, cos x, 2 + cos x, 2 + sin x, cos x + sin x, x)` for `x = 0, 0.02, …, 20`
 * (1001 samples). Centered, only `sin x`, `cos x` and `x` are independent: columns 3, 4 and 5
 * repeat or add up the first two, while `x` takes part in no dependency.
 *
 * `x` is computed as `i / 50`, the correctly rounded value, rather than by accumulating 0.02.
 */
export function belsleyIllustration(): NamedSamples {
  const rows = 1001;
  const cols = 6;
  const samples = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const x = i / 50;
    const s = Math.sin(x);
    const c = Math.cos(x);
    samples.set([s, c, 2 + c, 2 + s, c + s, x], i * cols);
  }
  return { samples, rows, cols, names: ['sin x', 'cos x', '2 + cos x', '2 + sin x', 'cos x + sin x', 'x'] };
}

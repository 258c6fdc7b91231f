/**
 * PLACEHOLDER: the linalg work replaces this with the full Cholesky/solve/inverse module,
 * keeping this signature.
 */

/** Lower-triangular L with A = L·Lᵀ for a symmetric positive-definite A [n×n]; throws if A is not SPD. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= l[j * n + p]! ** 2;
    if (!(d > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${j} is ${d})`);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= l[i * n + p]! * l[j * n + p]!;
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

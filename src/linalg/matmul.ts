/**
 * Dense matrix products on flat row-major Float64Arrays.
 * PLACEHOLDER naive loops: the linalg work replaces the bodies with register-blocked kernels,
 * keeping these exact signatures.
 */

/** C = A·B with A [m×k], B [k×n]; returns C [m×n] (written into `out` when given). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const c = out ?? new Float64Array(m * n);
  c.fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const aip = a[i * k + p]!;
    for (let j = 0; j < n; j++) c[i * n + j]! += aip * b[p * n + j]!;
  }
  return c;
}

/** C = Aᵀ·B with A stored [k×m], B [k×n]; returns C [m×n]. */
export function matmulTN(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const c = out ?? new Float64Array(m * n);
  c.fill(0);
  for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) {
    const api = a[p * m + i]!;
    for (let j = 0; j < n; j++) c[i * n + j]! += api * b[p * n + j]!;
  }
  return c;
}

/** C = A·Bᵀ with A [m×k], B stored [n×k]; returns C [m×n]. */
export function matmulNT(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array {
  const c = out ?? new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!;
    c[i * n + j] = s;
  }
  return c;
}

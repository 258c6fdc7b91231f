/** Small matrix helpers on flat row-major Float64Arrays. */

import { checkMatrix } from './check.js';

/**
 * The n×n identity.
 *
 * @example
 * identity(2); // [1, 0, 0, 1]
 */
export function identity(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`identity: n must be a non-negative integer, got ${n}`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/**
 * Aᵀ [n×m] of A [m×n].
 *
 * @example
 * transpose(new Float64Array([1, 2, 3]), 1, 3); // [1, 2, 3] as a 3×1 column
 */
export function transpose(a: Float64Array, m: number, n: number): Float64Array {
  checkMatrix('transpose', 'a', a, m, n);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
  }
  return out;
}

/**
 * ‖A‖_F = sqrt(Σ a²), scaled so it neither overflows nor underflows for finite input.
 *
 * @example
 * frobeniusNorm(new Float64Array([3, 4])); // 5
 */
export function frobeniusNorm(a: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]!));
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i]! / largest; sum += x * x; }
  return largest * Math.sqrt(sum);
}

/**
 * (A + Aᵀ)/2 for a square A [n×n]: the nearest symmetric matrix in the Frobenius norm.
 *
 * @example
 * symmetrize(new Float64Array([1, 2, 4, 1]), 2); // [1, 3, 3, 1]
 */
export function symmetrize(a: Float64Array, n: number): Float64Array {
  checkMatrix('symmetrize', 'a', a, n, n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) out[i * n + j] = out[j * n + i] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
  }
  return out;
}

/**
 * Independent references for value tests (docs/mutation.md): plain textbook algorithms written
 * here, not the library's linear algebra, so a test comparing against them can catch a mistake
 * shared by the code under test and the library's own routines.
 */

/** Inverse and log |det| of a small non-singular matrix by Gauss-Jordan elimination with partial pivoting. */
export function inverseAndLogDet(m: readonly (readonly number[])[]): { inverse: number[][]; logDet: number } {
  const k = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  let logDet = 0;
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]!;
    logDet += Math.log(Math.abs(p));
    for (let j = 0; j < 2 * k; j++) a[c]![j]! /= p;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let j = 0; j < 2 * k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return { inverse: a.map((row) => row.slice(k)), logDet };
}

/** Σ_r J_rᵀ J_r over the rows of a [rows × n] Jacobian given as arrays of row gradients. */
export function gramOfRows(gradients: readonly ArrayLike<number>[], indices: readonly number[]): number[][] {
  const g = indices.map(() => new Array<number>(indices.length).fill(0));
  for (const d of gradients) indices.forEach((a, i) => indices.forEach((b, j) => (g[i]![j]! += d[a]! * d[b]!)));
  return g;
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, T = Qᵀ·A·Q (EISPACK tred2's
 * order: from the last row upwards), on the LOWER triangle of a flat row-major array.
 *
 * Step i builds a reflector H_i = I − v·vᵀ/h zeroing row i left of its sub-diagonal, then
 * needs two passes over the leading i×i block: p = A'·v (a symmetric product) and the rank-2
 * update A' −= v·wᵀ + w·vᵀ. The block is too big for cache at n ≈ 1000 and both passes are
 * memory-bound, so they are FUSED across steps: step i's update of a row is immediately followed
 * by step i−1's product with that same row, while it is in registers. This is possible because
 * step i−1's vector is row i−1, which is updated (by step i) first. Each row of the block is
 * thus read and written once per step instead of twice. Rows go in pairs so each load of the
 * four vectors serves two rows.
 */

/**
 * Reduces `work` (n×n, lower triangle read and written) to T: diagonal in `diagonal`, the
 * coupling between i−1 and i in `offDiagonal[i]`. Q = H_{n−1}···H_2 is not formed: row i of
 * `work` keeps v_i in columns 0..i−1 and the returned array holds h_i (0 where H_i = I), which
 * is what applyReflectors needs.
 */
export function tridiagonalize(work: Float64Array, n: number, diagonal: Float64Array, offDiagonal: Float64Array): Float64Array {
  const norms = new Float64Array(n);
  // w of the step whose update is pending, and p accumulating the next step's A'·v.
  let w = new Float64Array(n), p = new Float64Array(n);
  // Before the first step nothing is pending: a zero vector and w make its update a no-op.
  const none = new Float64Array(n);
  let pendingV: Float64Array = none, pendingAt = 0;
  for (let i = n - 1; i >= 2; i--) {
    // Step i+1's update reaches row i first, then row i yields step i's reflector.
    updateRow(work, n, i, pendingV, pendingAt, w);
    const reflected = reflect(work, n, i, diagonal, offDiagonal, norms);
    p.fill(0, 0, i);
    updateAndMultiply(work, n, i, pendingV, pendingAt, w, p);
    if (reflected) finishW(work, n, i, norms[i]!, p); else p.fill(0, 0, i);
    [w, p] = [p, w];
    pendingV = work; pendingAt = i * n;
  }
  // Step 2's update of rows 1 and 0 is still pending.
  for (let r = Math.min(1, n - 1); r >= 0; r--) updateRow(work, n, r, pendingV, pendingAt, w);
  if (n >= 2) { diagonal[1] = work[n + 1]!; offDiagonal[1] = work[n]!; }
  if (n >= 1) diagonal[0] = work[0]!;
  return norms;
}

/**
 * Builds H_i from row i (columns 0..i−1), leaving v in its place; records T's diagonal and
 * coupling at i and h_i. Returns false (H_i = I) when the row is already zero.
 */
function reflect(work: Float64Array, n: number, i: number, diagonal: Float64Array, offDiagonal: Float64Array, norms: Float64Array): boolean {
  const row = i * n;
  diagonal[i] = work[row + i]!;
  // Scale by the 1-norm first so squaring cannot overflow or underflow.
  let scale = 0;
  for (let q = 0; q < i; q++) scale += Math.abs(work[row + q]!);
  if (scale === 0) { offDiagonal[i] = 0; norms[i] = 0; return false; }
  let h = 0;
  for (let q = 0; q < i; q++) { const x = work[row + q]! / scale; work[row + q] = x; h += x * x; }
  const f = work[row + i - 1]!;
  const g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
  offDiagonal[i] = scale * g;
  h -= f * g;
  work[row + i - 1] = f - g;
  norms[i] = h;
  return true;
}

/** Row r (columns 0..r) −= v_r·wᵀ + w_r·vᵀ: the pending rank-2 update, for one row. */
function updateRow(work: Float64Array, n: number, r: number, v: Float64Array, vAt: number, w: Float64Array): void {
  const row = r * n, vr = v[vAt + r]!, wr = w[r]!;
  for (let q = 0; q <= r; q++) work[row + q] -= vr * w[q]! + wr * v[vAt + q]!;
}

/**
 * For rows j < i (columns 0..j): apply the pending update (v, w), then add the updated row's
 * part of A'·u into p, u being the new reflector in row i. Row j gives A[j][q]·u[q] to p[j]
 * and, by symmetry, A[j][q]·u[j] to p[q].
 */
function updateAndMultiply(work: Float64Array, n: number, i: number, v: Float64Array, vAt: number, w: Float64Array, p: Float64Array): void {
  const u = i * n;
  let j = 0;
  for (; j + 1 < i; j += 2) {
    const r0 = j * n, r1 = r0 + n;
    const v0 = v[vAt + j]!, v1 = v[vAt + j + 1]!, w0 = w[j]!, w1 = w[j + 1]!;
    const u0 = work[u + j]!, u1 = work[u + j + 1]!;
    let sum0 = 0, sum1 = 0;
    for (let q = 0; q < j; q++) {
      const vq = v[vAt + q]!, wq = w[q]!, uq = work[u + q]!;
      const a0 = work[r0 + q]! - (v0 * wq + w0 * vq);
      const a1 = work[r1 + q]! - (v1 * wq + w1 * vq);
      work[r0 + q] = a0; work[r1 + q] = a1;
      sum0 += a0 * uq; sum1 += a1 * uq;
      p[q] += a0 * u0 + a1 * u1;
    }
    // The pair's own 2×2 corner.
    const a00 = work[r0 + j]! - 2 * v0 * w0;
    const a10 = work[r1 + j]! - (v1 * w0 + w1 * v0);
    const a11 = work[r1 + j + 1]! - 2 * v1 * w1;
    work[r0 + j] = a00; work[r1 + j] = a10; work[r1 + j + 1] = a11;
    p[j] += sum0 + a00 * u0 + a10 * u1;
    p[j + 1] += sum1 + a10 * u0 + a11 * u1;
  }
  if (j < i) {
    updateRow(work, n, j, v, vAt, w);
    const rj = j * n, uj = work[u + j]!;
    let sum = 0;
    for (let q = 0; q < j; q++) {
      const a = work[rj + q]!;
      sum += a * work[u + q]!;
      p[q] += a * uj;
    }
    p[j] += sum + work[rj + j]! * uj;
  }
}

/** p = A'·u (accumulated) → w = p/h − (uᵀp/2h²)·u, so that the update is A' −= u·wᵀ + w·uᵀ. */
function finishW(work: Float64Array, n: number, i: number, h: number, p: Float64Array): void {
  const u = i * n;
  let up = 0;
  for (let q = 0; q < i; q++) { p[q] /= h; up += work[u + q]! * p[q]!; }
  const k = up / (2 * h);
  for (let q = 0; q < i; q++) p[q] -= k * work[u + q]!;
}

/**
 * Implicit QL with Wilkinson shifts on a symmetric tridiagonal matrix (EISPACK tql2), used by
 * the divide-and-conquer solver for its small leaf blocks.
 *
 * The eigenvectors are accumulated TRANSPOSED: row k of `basis` is the k-th vector. A QL
 * rotation mixes two columns of V, which in row-major would be a stride-n walk down the
 * matrix; on the transpose it mixes two adjacent rows, a sequential scan.
 */

/** QL iterations allowed per eigenvalue; it converges in ~2, so hitting this means bad input. */
const MAX_ITERATIONS = 60;

/**
 * Diagonalizes the tridiagonal T with diagonal `d` and couplings `e` (e[i] links i and i+1;
 * e[n−1] is ignored), in place: `d` ends as the eigenvalues (unordered), `e` is destroyed, and
 * every rotation is applied to the rows of `basis` [n×n], so starting from the identity its row
 * k ends as the unit eigenvector of d[k].
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, basis: Float64Array, n: number): void {
  if (n > 0) e[n - 1] = 0;
  const eps = Number.EPSILON;
  let shiftTotal = 0;
  let scale = 0;
  // The rotations of one sweep depend only on d and e, so they are recorded first and applied
  // to the basis afterwards, two at a time (see applyRotations).
  const cosines = new Float64Array(n), sines = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    scale = Math.max(scale, Math.abs(d[l]!) + Math.abs(e[l]!));
    // The block l..m is unreduced: find the first negligible coupling at or after l.
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * scale) m++;
    let iterations = 0;
    while (m > l) {
      if (++iterations > MAX_ITERATIONS) {
        throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} after ${MAX_ITERATIONS} sweeps`);
      }
      // Wilkinson shift from the leading 2×2 of the block.
      let g = d[l]!;
      let p = (d[l + 1]! - g) / (2 * e[l]!);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l]! / (p + r);
      d[l + 1] = e[l]! * (p + r);
      const dl1 = d[l + 1]!;
      let h = g - d[l]!;
      for (let i = l + 2; i < n; i++) d[i] -= h;
      shiftTotal += h;
      // Chase the bulge from m up to l with plane rotations.
      p = d[m]!;
      let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
      const el1 = e[l + 1]!;
      for (let i = m - 1; i >= l; i--) {
        c3 = c2; c2 = c; s2 = s;
        g = c * e[i]!;
        h = c * p;
        r = Math.hypot(p, e[i]!);
        e[i + 1] = s * r;
        s = e[i]! / r;
        c = p / r;
        p = c * d[i]! - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]!);
        cosines[i] = c; sines[i] = s;
      }
      applyRotations(basis, n, l, m, cosines, sines);
      p = -s * s2 * c3 * el1 * e[l]! / dl1;
      e[l] = s * p;
      d[l] = c * p;
      if (!(Math.abs(e[l]!) > eps * scale)) break;
    }
    d[l] += shiftTotal;
    e[l] = 0;
  }
}

/**
 * Applies the sweep's rotations i = m−1 down to l, rotation i mixing basis rows i and i+1
 * (adjacent in memory, so each is a sequential pass). Consecutive rotations share a row, so
 * they go in pairs: rows i+1, i, i−1 are read and written once for two rotations.
 */
function applyRotations(basis: Float64Array, n: number, l: number, m: number, cosines: Float64Array, sines: Float64Array): void {
  let i = m - 1;
  for (; i - 1 >= l; i -= 2) {
    const c0 = cosines[i]!, s0 = sines[i]!, c1 = cosines[i - 1]!, s1 = sines[i - 1]!;
    const below = (i + 1) * n, middle = i * n, above = middle - n;
    for (let k = 0; k < n; k++) {
      const x = basis[middle + k]!, y = basis[below + k]!;
      basis[below + k] = s0 * x + c0 * y;
      const carried = c0 * x - s0 * y;
      const z = basis[above + k]!;
      basis[middle + k] = s1 * z + c1 * carried;
      basis[above + k] = c1 * z - s1 * carried;
    }
  }
  if (i === l) {
    const c = cosines[i]!, s = sines[i]!, at = i * n, next = at + n;
    for (let k = 0; k < n; k++) {
      const x = basis[at + k]!, y = basis[next + k]!;
      basis[next + k] = s * x + c * y;
      basis[at + k] = c * x - s * y;
    }
  }
}

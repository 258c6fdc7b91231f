/** Test helpers for linalg: a seeded generator, reference kernels and norms. Not shipped. */

/** mulberry32: a tiny seeded generator so every random matrix is reproducible from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rows×cols entries uniform in [-1, 1). */
export function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const next = seeded(seed);
  return Float64Array.from({ length: rows * cols }, () => 2 * next() - 1);
}

/** Reference C = op(A)·op(B) by the textbook triple loop; `at`/`bt` read A/B transposed. */
export function naiveProduct(a: Float64Array, b: Float64Array, m: number, k: number, n: number, at = false, bt = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (at ? a[p * m + i]! : a[i * k + p]!) * (bt ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  }
  return c;
}

/** ‖A‖_F, scaled by the largest entry so entries near 1e±300 neither overflow nor underflow. */
export function frobenius(a: Float64Array): number {
  let largest = 0;
  for (const x of a) largest = Math.max(largest, Math.abs(x));
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let s = 0;
  for (const x of a) s += (x / largest) ** 2;
  return largest * Math.sqrt(s);
}

export function difference(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x - b[i]!);
}

/** ‖XᵀX − I‖_F for X [rows×cols], over the first `cols` columns. */
export function orthonormalityError(x: Float64Array, rows: number, cols: number): number {
  const gram = naiveProduct(x, x, cols, rows, cols, true, false);
  for (let i = 0; i < cols; i++) gram[i * cols + i] -= 1;
  return frobenius(gram);
}

/** A random orthogonal n×n matrix: a product of three Householder reflectors of random vectors. */
export function randomOrthogonal(n: number, seed: number): Float64Array {
  let q: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let r = 0; r < 3; r++) {
    const v = randomMatrix(n, 1, seed * 7 + r);
    const vv = v.reduce((s, x) => s + x * x, 0);
    const h = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * v[i]! * v[j]!) / vv;
    q = naiveProduct(q, h, n, n, n);
  }
  return q;
}

/** Q·diag(values)·Qᵀ for a random orthogonal Q: a symmetric matrix with known eigenvalues. */
export function symmetricWithSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, seed);
  const scaled = q.map((x, idx) => x * values[idx % n]!);
  const a = naiveProduct(scaled, q, n, n, n, false, true);
  // Exact symmetry, so the test exercises the algorithm and not the symmetry check.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
  return a;
}

/** U·diag(s)·Vᵀ with random orthogonal U [m×m], V [n×n]: an m×n matrix with known singular values. */
export function matrixWithSingularValues(m: number, n: number, s: number[], seed: number): Float64Array {
  const u = randomOrthogonal(m, seed), v = randomOrthogonal(n, seed + 1);
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < s.length; k++) sum += u[i * m + k]! * s[k]! * v[j * n + k]!;
      a[i * n + j] = sum;
    }
  }
  return a;
}

/** n values spaced logarithmically from 1 down to 1/condition. */
export function logSpaced(n: number, condition: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 1 : condition ** (-i / (n - 1))));
}

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

/**
 * Bayesian linear regression in closed form with the design X̃ = [X, 1] (the bias a parameter
 * with the same N(0, 1/α) prior) and noise variance s²: the posterior mean, the log evidence
 * from y ~ N(0, s²I + X̃X̃ᵀ/α), γ = p − α·tr(A⁻¹) with A = X̃ᵀX̃/s² + αI, and MacKay's updates
 * γ/‖m‖² and RSS/(N − γ). What the evidence framework must reproduce for a network with no
 * hidden layer.
 */
export function bayesianLinearRegression(x: ArrayLike<number>, y: ArrayLike<number>, rows: number, m: number, alpha: number, s2: number) {
  const p = m + 1;
  const row = (i: number) => [...Array.from({ length: m }, (_, c) => x[i * m + c]!), 1];
  const design = Array.from({ length: rows }, (_, i) => row(i));
  const a = Array.from({ length: p }, (_, u) => Array.from({ length: p }, (_, v) => design.reduce((s, d) => s + (d[u]! * d[v]!) / s2, 0) + (u === v ? alpha : 0)));
  const { inverse } = inverseAndLogDet(a);
  const xty = Array.from({ length: p }, (_, u) => design.reduce((s, d, i) => s + (d[u]! * y[i]!) / s2, 0));
  const mean = inverse.map((r) => r.reduce((s, v, u) => s + v * xty[u]!, 0));
  const c = design.map((di, i) => design.map((dj, j) => di.reduce((s, v, u) => s + v * dj[u]!, 0) / alpha + (i === j ? s2 : 0)));
  const cInverse = inverseAndLogDet(c);
  let quadratic = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) quadratic += y[i]! * cInverse.inverse[i]![j]! * y[j]!;
  const logEvidence = -0.5 * quadratic - 0.5 * cInverse.logDet - 0.5 * rows * Math.log(2 * Math.PI);
  const gamma = p - alpha * inverse.reduce((s, r, u) => s + r[u]!, 0);
  const rss = design.reduce((s, d, i) => s + (y[i]! - d.reduce((t, v, u) => t + v * mean[u]!, 0)) ** 2, 0);
  const norm = mean.reduce((s, v) => s + v * v, 0);
  return { mean, logEvidence, gamma, rss, alphaUpdate: gamma / norm, noiseUpdate: rss / (rows - gamma) };
}

/**
 * Symmetric eigendecomposition: our symmetricEigen against ml-matrix's EigenvalueDecomposition
 * (the same tred2/tql2 algorithm on arrays of rows) on the same random symmetric matrices,
 * n = 200, 500, 1000, plus our residuals ‖A·V − V·Λ‖_F/‖A‖_F and ‖VᵀV − I‖_F.
 */

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { frobeniusNorm, matmul, matmulTN, symmetricEigen } from '../src/linalg/index.js';

/** Runs per size; both libraries take the best of these (n = 1000 costs seconds per run). */
const RUNS: Record<number, number> = { 200: 5, 500: 3, 1000: 2 };

function randomSymmetric(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = Math.random() - 0.5;
  return a;
}

function bestOf(runs: number, f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    f();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export async function run(): Promise<void> {
  console.log('n      ours ms   ml-matrix ms   speed-up   ‖AV−VΛ‖/‖A‖   ‖VᵀV−I‖');
  for (const n of [200, 500, 1000]) {
    const a = randomSymmetric(n);
    const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
    const peerInput = new Matrix(rows);
    const runs = RUNS[n]!;
    // One untimed small call each so neither side pays for JIT compilation in the figures.
    symmetricEigen(randomSymmetric(20), 20);
    new EigenvalueDecomposition(new Matrix(20, 20), { assumeSymmetric: true });
    let result = symmetricEigen(a, n);
    const ours = bestOf(runs, () => { result = symmetricEigen(a, n); });
    const peer = bestOf(runs, () => new EigenvalueDecomposition(peerInput, { assumeSymmetric: true }));
    const { values, vectors } = result;
    const av = matmul(a, vectors, n, n, n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) av[i * n + k] -= vectors[i * n + k]! * values[k]!;
    const gram = matmulTN(vectors, vectors, n, n, n);
    for (let i = 0; i < n; i++) gram[i * n + i] -= 1;
    console.log(
      `${String(n).padEnd(7)}${ours.toFixed(0).padStart(7)}${peer.toFixed(0).padStart(15)}${(peer / ours).toFixed(2).padStart(10)}×` +
      `${(frobeniusNorm(av) / frobeniusNorm(a)).toExponential(1).padStart(14)}${frobeniusNorm(gram).toExponential(1).padStart(10)}`,
    );
  }
}
